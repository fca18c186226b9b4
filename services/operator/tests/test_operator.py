"""The operator's own loop against kmock and Uptick: what a user who applies a Monitor sees, in both places."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

ROOT = Path(__file__).resolve().parents[3]
T = TypeVar("T")


def example_documents() -> tuple[dict[str, Any], dict[str, Any]]:
    """k8s/examples/monitor.yaml's Secret and Monitor, as a user applies them (the Monitor with the UID the API
    server gives it)."""
    secret, monitor = yaml.safe_load_all((ROOT / "k8s" / "examples" / "monitor.yaml").read_text())
    monitor["metadata"]["uid"] = str(uuid.uuid4())
    return secret, monitor


async def eventually(check: Callable[[], Awaitable[T | None]], seconds: float = 15) -> T:
    """The first truthy answer of `check`, polled for at most `seconds`."""
    for _ in range(int(seconds / 0.1)):
        answer = await check()
        if answer:
            return answer
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds}s")


async def monitors_in_uptick(api, org) -> list[dict[str, Any]]:
    answer = await api.get("/api/monitors", headers=org.owner)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def test_the_example_is_created_shown_and_removed(api, org, cluster, operators):
    secret, monitor = example_documents()  # `kubectl apply -f k8s/examples/monitor.yaml`: both of its objects
    await cluster.secret(secret["metadata"]["namespace"], secret["metadata"]["name"], secret["stringData"])
    await operators.start()
    await cluster.apply(monitor)

    async def synced() -> dict[str, Any] | None:
        found = await cluster.get("default", "shop")
        return found if found and found.get("status", {}).get("monitorId") else None

    resource = await eventually(synced)
    (created,) = await monitors_in_uptick(api, org)
    assert resource["status"]["monitorId"] == created["id"]
    assert created["managed_by"] == f"kubernetes:default/shop:{monitor['metadata']['uid']}"
    assert created["url"] == "https://shop.example.com/healthz" and created["name"] == "Shop health"
    assert created["interval_seconds"] == 60 and created["quorum"] == 2
    assert created["headers"] == {"Authorization": "Bearer replace-me"}  # read from the example's Secret
    assert [a["type"] for a in created["assertions"]] == ["json_path", "response_time"]
    assert resource["status"]["state"] == "pending"
    synced_condition = next(c for c in resource["status"]["conditions"] if c["type"] == "Synced")
    assert synced_condition["status"] == "True"
    assert FINALIZER in resource["metadata"]["finalizers"]

    async def ready_written() -> dict[str, Any] | None:  # by the status timer, from the API's live summary
        found = await cluster.get("default", "shop") or {}
        return {c["type"]: c for c in found.get("status", {}).get("conditions", [])}.get("Ready")

    ready = await eventually(ready_written)
    assert (ready["status"], ready["reason"]) == ("False", "Pending")  # not checked yet

    # Managed in Kubernetes: changed by hand in Uptick, it is a 409 that says where.
    refused = await api.patch(f"/api/monitors/{created['id']}", headers=org.owner, json={"paused": True})
    assert refused.status_code == 409 and "kubernetes:default/shop" in refused.json()["detail"]

    # A change of the spec reaches Uptick; a field removed from it goes back to its default.
    await cluster.patch_spec("default", "shop", {"intervalSeconds": 120, "quorum": None})

    async def changed() -> dict[str, Any] | None:
        (now,) = await monitors_in_uptick(api, org)
        return now if now["interval_seconds"] == 120 else None

    assert (await eventually(changed))["quorum"] is None

    await cluster.delete("default", "shop")

    async def gone() -> bool:
        return await cluster.get("default", "shop") is None and not await monitors_in_uptick(api, org)

    await eventually(gone)


FINALIZER = "uptick.dev/monitor"


async def synced_resource(cluster, namespace: str, name: str) -> dict[str, Any]:
    async def synced() -> dict[str, Any] | None:
        found = await cluster.get(namespace, name)
        return found if found and found.get("status", {}).get("monitorId") else None

    return await eventually(synced)


async def synced_condition(cluster, namespace: str, name: str) -> dict[str, Any] | None:
    found = await cluster.get(namespace, name)
    return {c["type"]: c for c in (found or {}).get("status", {}).get("conditions", [])}.get("Synced")


def plain(name: str, namespace: str = "default", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "uptick.dev/v1", "kind": "Monitor", "metadata": {
        "name": name, "namespace": namespace, "uid": str(uuid.uuid4())},
        "spec": {"type": "http", "url": f"https://{name}.example.com/", "intervalSeconds": 60, **spec}}


def with_header(name: str, secret: str, namespace: str = "default") -> dict[str, Any]:
    return plain(name, namespace, headers=[{"name": "X-Api-Key", "valueFrom": {"secretKeyRef": {
        "name": secret, "key": "key"}}}])


async def test_a_changed_secret_reaches_uptick_without_a_change_of_the_monitor(api, org, cluster, operators):
    """A header's Secret is rotated: the monitor in Uptick sends the new value, the Monitor itself untouched by the
    user; a Monitor of another namespace that names a Secret of the same name is not synced again."""
    await cluster.secret("default", "api-key", {"key": "first"})
    await cluster.secret("other", "api-key", {"key": "other"})
    await operators.start()
    await cluster.apply(with_header("billing", "api-key"))
    await cluster.apply(plain("search"))  # reads no Secret
    await synced_resource(cluster, "default", "billing")
    await synced_resource(cluster, "default", "search")

    async def headers_in_uptick() -> dict[str, dict[str, str]]:
        return {m["name"]: m["headers"] for m in await monitors_in_uptick(api, org)}

    assert (await headers_in_uptick())["billing.example.com"] == {"X-Api-Key": "first"}

    await cluster.change_secret("default", "api-key", {"key": "second"})

    async def rotated() -> dict[str, Any] | None:
        headers = await headers_in_uptick()
        return headers if headers["billing.example.com"] == {"X-Api-Key": "second"} else None

    assert (await eventually(rotated))["search.example.com"] == {}
    billing = await cluster.get("default", "billing")
    assert billing["metadata"]["generation"] == 1  # the spec is as the user left it
    assert billing["metadata"]["annotations"]["uptick.dev/secret-changed"].startswith("api-key@")
    assert "uptick.dev/secret-changed" not in ((await cluster.get("default", "search"))["metadata"]
                                               .get("annotations") or {})


async def test_a_monitor_waiting_for_its_secret_is_synced_once_it_exists(api, org, cluster, operators):
    await operators.start()
    await cluster.apply(with_header("billing", "late-key"))

    waiting = await eventually(lambda: synced_condition(cluster, "default", "billing"))
    assert waiting["status"] == "False" and waiting["reason"] == "MissingSecret"
    assert "late-key" in waiting["message"] and await monitors_in_uptick(api, org) == []

    await cluster.secret("default", "late-key", {"key": "at-last"})
    await synced_resource(cluster, "default", "billing")
    (made,) = await monitors_in_uptick(api, org)
    assert made["headers"] == {"X-Api-Key": "at-last"}


async def test_a_restart_mid_way_makes_no_second_monitor(api, org, cluster, operators):
    """The operator made the monitor, then stopped before it recorded the id in the resource: started again, it
    finds the monitor by the resource's UID and adopts it. Restarted after that, it resumes with the same one."""
    monitor = plain("blog")
    uid = monitor["metadata"]["uid"]
    made = await api.post("/api/monitors", headers=org.owner, json={
        "url": "https://blog.example.com/", "interval_seconds": 60, "managed_by": f"kubernetes:default/blog:{uid}"})
    assert made.status_code == 201, made.text
    await cluster.apply(monitor)
    await operators.start()
    resource = await synced_resource(cluster, "default", "blog")
    assert resource["status"]["monitorId"] == made.json()["id"]
    await operators.stop()

    await operators.start()
    await cluster.patch_spec("default", "blog", {"intervalSeconds": 300})

    async def changed() -> list[dict[str, Any]] | None:
        items = await monitors_in_uptick(api, org)
        return items if items[0]["interval_seconds"] == 300 else None

    assert [m["id"] for m in await eventually(changed)] == [made.json()["id"]]


async def test_a_spec_the_api_refuses_is_reported_in_the_status(api, org, cluster, operators):
    await operators.start()
    await cluster.apply(plain("mars", regions=["mars-north"]))

    synced = await eventually(lambda: synced_condition(cluster, "default", "mars"))
    assert synced["status"] == "False" and synced["reason"] == "Rejected"
    assert "mars-north" in synced["message"]
    assert await monitors_in_uptick(api, org) == []


async def test_live_status_and_events_when_it_goes_down_and_recovers(api, org, cluster, operators, database_url):
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from uptick_common.db.engine import sqlalchemy_url

    await operators.start()
    await cluster.apply(plain("api"))
    monitor_id = (await synced_resource(cluster, "default", "api"))["status"]["monitorId"]
    engine = create_async_engine(sqlalchemy_url(database_url))

    async def ingested(state: str, latency: int | None, error: str | None) -> None:
        """The monitor's summary as ingest writes it after a check."""
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO monitor_status (monitor_id, status, last_latency_ms, last_checked_at, last_error,"
                " status_changed_at) VALUES (:id, :s, :l, now(), :e, now()) ON CONFLICT (monitor_id) DO UPDATE"
                " SET status = :s, last_latency_ms = :l, last_checked_at = now(), last_error = :e"),
                {"id": monitor_id, "s": state, "l": latency, "e": error})

    async def status_is(state: str) -> dict[str, Any] | None:
        status = (await cluster.get("default", "api") or {}).get("status", {})
        ready = {c["type"]: c for c in status.get("conditions", [])}.get("Ready")  # written by the status timer
        return status if status.get("state") == state and ready and ready["reason"] == state.capitalize() else None

    try:
        await ingested("up", 87, None)
        status = await eventually(lambda: status_is("up"))
        assert status["latency"] == "87ms" and status["lastCheckedAt"]
        assert {c["type"]: c["status"] for c in status["conditions"]} == {"Ready": "True", "Synced": "True"}

        await ingested("down", None, "connection refused")
        status = await eventually(lambda: status_is("down"))
        assert status["lastError"] == "connection refused"
        down = await eventually(lambda: _event(cluster, "Down"))
        assert down["type"] == "Warning" and "connection refused" in down["message"]
        assert down["involvedObject"]["name"] == "api"

        await ingested("up", 90, None)
        await eventually(lambda: status_is("up"))
        recovered = await eventually(lambda: _event(cluster, "Recovered"))
        assert recovered["type"] == "Normal"
    finally:
        await engine.dispose()


def printed(resource: dict[str, Any], column: str) -> Any:
    """What `kubectl get mon` prints in a column: the CRD's printer column's JSONPath on the resource (the simple
    `.a.b` paths the CRD uses; another kind of path fails here, to be evaluated properly)."""
    crd = yaml.safe_load((ROOT / "charts" / "uptick" / "crds" / "monitor.yaml").read_text())
    (version,) = crd["spec"]["versions"]
    (path,) = [c["jsonPath"] for c in version["additionalPrinterColumns"] if c["name"].upper() == column]
    assert re.fullmatch(r"(\.\w+)+", path), path
    value: Any = resource
    for key in path.split(".")[1:]:
        value = (value or {}).get(key)
    return value


async def test_the_uptime_column_shows_the_apis_uptime(api, org, cluster, operators, database_url):
    """UPTIME-24H in `kubectl get mon` is the API's `uptime_24h`, from the hour rollups ingest keeps."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from uptick_common.db.engine import sqlalchemy_url
    from uptick_common.history import HISTOGRAM_SIZE

    await operators.start()
    await cluster.apply(plain("api"))
    resource = await synced_resource(cluster, "default", "api")
    monitor_id = resource["status"]["monitorId"]
    assert printed(resource, "UPTIME-24H") is None  # no check yet: nothing to show
    engine = create_async_engine(sqlalchemy_url(database_url))
    try:
        async with engine.begin() as conn:  # two hours of one region's checks: 18 s down in 7200 s
            await conn.execute(text(
                "INSERT INTO rollups_hour (monitor_id, bucket, region, checks, up_checks, down_checks, up_seconds,"
                " down_seconds, latency_count, latency_sum, latency_histogram) VALUES"
                " (:id, date_trunc('hour', now()) - interval '1 hour', 'eu-west', 60, 60, 0, 3600, 0, 60, 6000,"
                " :histogram),"
                " (:id, date_trunc('hour', now()), 'eu-west', 60, 59, 1, 3582, 18, 59, 5900, :histogram)"),
                {"id": monitor_id, "histogram": [0] * HISTOGRAM_SIZE})
    finally:
        await engine.dispose()
    answer = (await api.get(f"/api/monitors/{monitor_id}", headers=org.owner)).json()
    assert answer["uptime_24h"] == 99.75

    async def shown() -> dict[str, Any] | None:
        found = await cluster.get("default", "api") or {}
        return found if printed(found, "UPTIME-24H") else None

    assert printed(await eventually(shown), "UPTIME-24H") == "99.75%"


async def _event(cluster, reason: str) -> dict[str, Any] | None:
    events = await cluster.events("default")
    assert [event["reason"] for event in events if event["reason"] != reason] == []  # one Event per transition
    return next((event for event in events if event["reason"] == reason), None)


async def test_two_namespaces_in_two_organizations(api, org, cluster, operators):
    from services.operator.tests.conftest import new_org

    payments = await new_org(api, "payments@example.com")
    (operators.token_dir / "payments").write_text(payments.token)
    await operators.start(namespace_tokens={"payments": "payments"})
    await cluster.apply(plain("shop", namespace="default"))
    await cluster.apply(plain("ledger", namespace="payments"))
    await synced_resource(cluster, "default", "shop")
    await synced_resource(cluster, "payments", "ledger")
    assert [m["name"] for m in await monitors_in_uptick(api, org)] == ["shop.example.com"]
    assert [m["name"] for m in await monitors_in_uptick(api, payments)] == ["ledger.example.com"]


async def test_an_annotated_ingress_gets_a_monitor_per_host(api, org, cluster, operators):
    await operators.start()
    uid = str(uuid.uuid4())
    await cluster.create("networking.k8s.io/v1", "ingresses", {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {
        "name": "shop", "namespace": "default", "uid": uid, "annotations": {"uptick.dev/monitor": "true"}},
        "spec": {"tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
                 "rules": [{"host": "shop.example.com"}, {"host": "status.example.com"}, {"host": "*.example.com"}]}})

    async def in_uptick() -> list[dict[str, Any]] | None:
        items = await monitors_in_uptick(api, org)
        return items if len(items) == 2 else None

    made = await eventually(in_uptick)
    assert sorted(m["url"] for m in made) == ["http://status.example.com/", "https://shop.example.com/"]
    resources = await cluster.monitors("default")
    assert len(resources) == 2
    for resource in resources:
        (owner,) = resource["metadata"]["ownerReferences"]
        assert owner["kind"] == "Ingress" and owner["uid"] == uid and owner["controller"] is True

    await cluster.annotate("networking.k8s.io/v1", "ingresses", "default", "shop", {"uptick.dev/monitor": None})

    async def gone() -> bool:
        return not await cluster.monitors("default") and not await monitors_in_uptick(api, org)

    await eventually(gone)


async def test_an_annotated_httproute_gets_a_monitor_per_hostname(api, org, cluster, operators):
    await operators.start()
    await cluster.create("gateway.networking.k8s.io/v1", "httproutes", {
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {
            "name": "docs", "namespace": "default", "annotations": {"uptick.dev/monitor": "true"}},
        "spec": {"hostnames": ["docs.example.com"], "parentRefs": [{"name": "gateway"}]}})

    async def in_uptick() -> list[dict[str, Any]] | None:
        return await monitors_in_uptick(api, org) or None

    (made,) = await eventually(in_uptick)
    assert made["url"] == "https://docs.example.com/"
    (resource,) = await cluster.monitors("default")
    assert resource["metadata"]["ownerReferences"][0]["kind"] == "HTTPRoute"
    await cluster.annotate("gateway.networking.k8s.io/v1", "httproutes", "default", "docs",
                           {"uptick.dev/monitor": None})

    async def gone() -> bool:
        return not await cluster.monitors("default") and not await monitors_in_uptick(api, org)

    await eventually(gone)


def test_a_field_left_out_of_the_spec_is_sent_as_the_apis_default():
    """spec.RESET is what the API takes for every field it defaults (a new API field fails this until it is there);
    the fields without a fixed default are the URL, name, schedule, regions and type."""
    from uptick_monitors.schemas import MonitorCreate
    from uptick_operator.spec import RESET

    fields = MonitorCreate.model_fields
    defaults = {name: field.get_default(call_default_factory=True) for name, field in fields.items()}
    assert set(RESET) == set(defaults) - {"type", "url", "name", "interval_seconds", "timeout_seconds", "regions",
                                          "managed_by"}
    assert RESET == {name: defaults[name] for name in RESET}


def test_an_empty_token_is_no_token(tmp_path):
    """The dev cluster's token Secret holds an empty key until the developer writes a token: the operator waits
    (a retry later), it never calls the API with `Bearer `."""
    import httpx
    import kopf
    import pytest

    from uptick_operator.handlers import Operator
    from uptick_operator.kube import Kube
    from uptick_operator.settings import OperatorSettings

    (tmp_path / "default").write_text("\n")
    operator = Operator(settings=OperatorSettings(token_dir=tmp_path), client=httpx.AsyncClient(), kube=Kube())
    with pytest.raises(kopf.TemporaryError, match="no API token for namespace shop"):
        operator.api("shop")
    (tmp_path / "default").write_text("upt_abc\n")
    assert operator.api("shop") is not None
