"""The Monitor resource's handlers: create, update and resume put the spec in Uptick (one monitor per resource,
found again by its `managed_by` after a restart), delete removes it (kopf's finalizer holds the resource until
then), a timer writes the live status back and posts an Event when the monitor goes down or recovers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import kopf
import structlog

from uptick_common.metrics import OPERATOR_SYNCS
from uptick_operator import ingress, kube
from uptick_operator.settings import OperatorSettings
from uptick_operator.spec import MissingSecret, monitor_body
from uptick_operator.uptick import Rejected, Unavailable, UptickApi

RESOURCE = ("uptick.dev", "v1", "monitors")
FINALIZER = "uptick.dev/monitor"
# Set on a Monitor when a Secret it reads changes: a change of the resource, so that kopf syncs it again (the
# header values are read at each sync; a Monitor that waited for a missing Secret is tried again).
REREAD_ANNOTATION = "uptick.dev/secret-changed"
RETRY_SECONDS = 10
log = structlog.get_logger(__name__)


def managed_by(namespace: str, name: str, uid: str) -> str:
    """Where Uptick says the monitor is managed: the resource, and its UID (a new resource of the same name is
    another monitor)."""
    return f"kubernetes:{namespace}/{name}:{uid}"


@dataclass
class Operator:
    settings: OperatorSettings
    client: httpx.AsyncClient  # the REST API's base URL
    kube: kube.Kube

    def api(self, namespace: str) -> UptickApi:
        """The API as the namespace's organization: its token is read at each use, so a rotated one is taken."""
        path = self.settings.token_file(namespace)
        try:
            token = path.read_text().strip()
        except OSError:
            token = ""
        if not token:  # not there yet (an empty key: the dev cluster's Secret before the developer made a token)
            raise kopf.TemporaryError(f"no API token for namespace {namespace} ({path.name})", delay=60)
        return UptickApi(self.client, token)


def _condition(kind: str, ok: bool, reason: str, message: str, generation: int | None) -> dict[str, Any]:
    return {"type": kind, "status": "True" if ok else "False", "reason": reason, "message": message[:1000],
            "observedGeneration": generation, "lastTransitionTime": datetime.now(UTC).isoformat()}


def _with_condition(status: Mapping[str, Any], patch: kopf.Patch, condition: dict[str, Any]) -> None:
    """Set one condition, keeping the others (and the transition time when nothing changed)."""
    conditions = [dict(c) for c in patch.status.get("conditions") or status.get("conditions") or []]
    for old in conditions:
        if old.get("type") == condition["type"]:
            if (old.get("status"), old.get("reason")) == (condition["status"], condition["reason"]):
                condition["lastTransitionTime"] = old.get("lastTransitionTime", condition["lastTransitionTime"])
            conditions.remove(old)
            break
    patch.status["conditions"] = sorted([*conditions, condition], key=lambda c: c["type"])


def live_status(monitor: dict[str, Any]) -> dict[str, Any]:
    latency, uptime = monitor.get("last_latency_ms"), monitor.get("uptime_24h")
    return {
        "monitorId": monitor["id"], "state": monitor["status"],
        "latency": f"{latency}ms" if latency is not None else None, "lastLatencyMs": latency,
        "lastCheckedAt": monitor.get("last_checked_at"), "lastError": monitor.get("last_error"),
        "uptime24h": f"{uptime:g}%" if isinstance(uptime, int | float) else None,
        "heartbeatUrl": monitor.get("heartbeat_url"),
    }


def register(registry: kopf.OperatorRegistry, settings: OperatorSettings) -> None:  # noqa: C901 - short handlers
    on: Callable[..., Any]

    @kopf.on.login(registry=registry)
    def login(memo: kopf.Memo, **kwargs: Any) -> kopf.ConnectionInfo | None:
        operator: Operator = memo["operator"]
        info = kube.login(operator.settings.kube_api_url, **kwargs)
        if info is not None:
            operator.kube.connect(info)
        return info

    @kopf.on.startup(registry=registry)
    def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        kopf_settings(settings)

    for on in (kopf.on.create, kopf.on.update, kopf.on.resume):
        @on(*RESOURCE, registry=registry, id="sync", backoff=RETRY_SECONDS)
        async def sync(spec: kopf.Spec, meta: kopf.Meta, status: kopf.Status, namespace: str | None,
                       name: str, uid: str, patch: kopf.Patch, memo: Any, **_: Any) -> None:
            assert namespace is not None  # Monitors are namespaced (the CRD's scope)
            operator: Operator = memo["operator"]
            manager, generation = managed_by(namespace, name, uid), meta.get("generation")
            api = operator.api(namespace)
            try:
                body = await monitor_body(dict(spec), namespace, operator.kube.read)
                monitor = await _put(api, body, manager, status.get("monitorId"))
            except (MissingSecret, Rejected) as exc:
                OPERATOR_SYNCS.labels("sync", "rejected").inc()
                _with_condition(status, patch, _condition("Synced", False, type(exc).__name__, str(exc), generation))
                raise kopf.PermanentError(str(exc)) from exc  # again when the spec changes
            except Unavailable as exc:
                OPERATOR_SYNCS.labels("sync", "retried").inc()
                raise kopf.TemporaryError(str(exc), delay=RETRY_SECONDS) from exc
            OPERATOR_SYNCS.labels("sync", "done").inc()
            patch.status.update(live_status(monitor), observedGeneration=generation)
            _with_condition(status, patch, _condition("Synced", True, "Synced", f"monitor {monitor['id']} in Uptick",
                                                      generation))
            log.info("monitor synced", namespace=namespace, resource=name, monitor_id=monitor["id"])

    register_secrets(registry)

    @kopf.on.delete(*RESOURCE, registry=registry, id="remove", backoff=RETRY_SECONDS)
    async def remove(status: kopf.Status, namespace: str | None, name: str, uid: str, memo: Any,
                     **_: Any) -> None:
        assert namespace is not None
        operator: Operator = memo["operator"]
        manager, api = managed_by(namespace, name, uid), operator.api(namespace)
        try:
            monitor_id = status.get("monitorId") or ((await api.find(manager)) or {}).get("id")
            if monitor_id is not None:
                await api.delete(monitor_id, manager)
        except Unavailable as exc:
            OPERATOR_SYNCS.labels("delete", "retried").inc()
            raise kopf.TemporaryError(str(exc), delay=RETRY_SECONDS) from exc
        except Rejected as exc:  # managed elsewhere after all: not ours to delete
            log.warning("monitor not deleted", namespace=namespace, resource=name, reason=str(exc))
        OPERATOR_SYNCS.labels("delete", "done").inc()

    @kopf.timer(*RESOURCE, registry=registry, id="status", interval=settings.status_interval_seconds,
                initial_delay=1.0, when=lambda status, **_: bool(status.get("monitorId")))
    async def write_status(body: kopf.Body, status: kopf.Status, namespace: str | None, patch: kopf.Patch,
                           memo: Any, **_: Any) -> None:
        assert namespace is not None
        operator: Operator = memo["operator"]
        api = operator.api(namespace)
        try:
            monitor = await api.get(status["monitorId"])
            incident = await api.open_incident(status["monitorId"]) if monitor is not None else None
        except (Unavailable, Rejected) as exc:
            OPERATOR_SYNCS.labels("status", "retried").inc()
            log.warning("status not read", namespace=namespace, resource=body.metadata.name, reason=str(exc))
            return
        generation = body.metadata.get("generation")
        if monitor is None:  # deleted in Uptick behind the operator's back: made again on the next change
            _with_condition(status, patch, _condition("Synced", False, "Gone", "the monitor is gone from Uptick",
                                                      generation))
            return
        OPERATOR_SYNCS.labels("status", "done").inc()
        live = live_status(monitor)
        patch.status.update(live, openIncidentId=incident)
        ready = live["state"] == "up"
        _with_condition(status, patch, _condition("Ready", ready, live["state"].capitalize(),
                                                  live["lastError"] or live["state"], generation))
        before = status.get("state")
        if live["state"] == "down" and before != "down":
            kopf.event(body, type="Warning", reason="Down", message=f"{body.spec.get('url', 'heartbeat')} is down: "
                      f"{live['lastError'] or 'failing'}")
        elif before == "down" and live["state"] == "up":
            kopf.event(body, type="Normal", reason="Recovered",
                       message=f"{body.spec.get('url', 'heartbeat')} is up again")


def secret_names(spec: Mapping[str, Any]) -> set[str]:
    """The Secrets a Monitor's spec reads (its header values), in the Monitor's namespace."""
    return {header["valueFrom"]["secretKeyRef"]["name"] for header in spec.get("headers") or ()}


def register_secrets(registry: kopf.OperatorRegistry) -> None:
    """A Secret that a Monitor reads changes (or appears, or goes): that Monitor is synced again. kopf's index keeps
    (namespace, Secret) → the Monitors that read it, from the Monitors it watches anyway."""

    @kopf.index(*RESOURCE, registry=registry, id="secret_readers")
    def secret_readers(spec: kopf.Spec, namespace: str | None, name: str, **_: Any) -> dict[tuple[str, str], str]:
        return {(namespace or "", secret): name for secret in secret_names(spec)}

    @kopf.on.event("", "v1", "secrets", registry=registry, id="secret_changed")
    async def secret_changed(type: str | None, body: kopf.Body, namespace: str | None, name: str, memo: Any,
                             secret_readers: kopf.Index[tuple[str, str], str] | None = None, **_: Any) -> None:
        # None: the listing at start-up or after a lost watch, where every Monitor is resumed (and synced) anyway.
        if type is None or secret_readers is None:
            return
        readers = set(secret_readers.get((namespace or "", name), ()))
        operator: Operator = memo["operator"]
        version = f"{name}@{body.metadata.get('resourceVersion', '')}:{type}"
        for monitor in sorted(readers):
            assert namespace is not None  # Secrets read by Monitors are in the Monitors' namespaces
            await operator.kube.annotate_monitor(namespace, monitor, {REREAD_ANNOTATION: version})
            log.info("secret changed, monitor synced again", namespace=namespace, resource=monitor, secret=name)


# What discovery watches: (group, version, plural, the hosts of an object's spec → their URLs).
DISCOVERED = (("networking.k8s.io", "v1", "ingresses", "Ingress", ingress.hosts),
              ("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute", ingress.route_hosts))


def register_ingresses(registry: kopf.OperatorRegistry) -> None:
    for group, version, plural, kind, hosts_of in DISCOVERED:
        _register_discovery(registry, group, version, plural, kind, hosts_of)


def _register_discovery(registry: kopf.OperatorRegistry, group: str, version: str, plural: str, kind: str,
                        hosts_of: Callable[[dict[str, Any]], dict[str, str]]) -> None:
    """A Monitor per host of an annotated Ingress or HTTPRoute; none once the annotation is gone."""
    wanted, label = {ingress.ANNOTATION: "true"}, ingress.LABELS[kind]

    for on in (kopf.on.create, kopf.on.update, kopf.on.resume):
        @on(group, version, plural, registry=registry, id="discover", annotations=wanted, backoff=RETRY_SECONDS)
        async def discover(body: kopf.Body, spec: kopf.Spec, namespace: str | None, name: str, memo: Any,
                           **_: Any) -> None:
            assert namespace is not None  # Ingresses and HTTPRoutes are namespaced
            operator: Operator = memo["operator"]
            hosts = hosts_of(dict(spec))
            existing = await operator.kube.monitors(namespace, label, name)
            names = {ingress.monitor_name(kind, name, host) for host in hosts}
            for monitor in existing:
                if monitor["metadata"]["name"] not in names:
                    await operator.kube.delete_monitor(namespace, monitor["metadata"]["name"])
            known = {monitor["metadata"]["name"] for monitor in existing}
            for host, url in hosts.items():
                if ingress.monitor_name(kind, name, host) not in known:
                    await operator.kube.create_monitor(ingress.monitor_for(dict(body), host, url))

    @kopf.on.update(group, version, plural, registry=registry, id="undiscover",
                    field=("metadata", "annotations", ingress.ANNOTATION), backoff=RETRY_SECONDS)
    async def undiscover(new: Any, namespace: str | None, name: str, memo: Any, **_: Any) -> None:
        if new == "true" or namespace is None:
            return
        operator: Operator = memo["operator"]
        for monitor in await operator.kube.monitors(namespace, label, name):
            await operator.kube.delete_monitor(namespace, monitor["metadata"]["name"])


def kopf_settings(settings: kopf.OperatorSettings) -> None:
    settings.persistence.finalizer = FINALIZER
    # Progress in annotations, not in status.kopf: the CRD's status schema has no room for it.
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="operator.uptick.dev")
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix="operator.uptick.dev", key="last-handled-configuration")
    settings.posting.level = logging.WARNING  # Events of kopf's own for problems only
    settings.peering.standalone = True  # one replica (the chart's Deployment: Recreate)
    settings.watching.server_timeout = 300
    # The CRD is installed with the chart, before the operator: no watching of CRDs (nor RBAC for it).
    settings.scanning.disabled = True


async def _put(api: UptickApi, body: dict[str, Any], manager: str, monitor_id: int | None) -> dict[str, Any]:
    """Update the resource's monitor, or create it: found by its recorded id, else by `managed_by` (made before a
    restart that came before the id was recorded), so that no resource ever has two."""
    if monitor_id is None:
        monitor_id = ((await api.find(manager)) or {}).get("id")
    if monitor_id is not None:
        updated = await api.update(monitor_id, body, manager)
        if updated is not None:
            return updated
    return await api.create(body, manager)
