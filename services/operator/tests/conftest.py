"""The operator's world: Kubernetes as kmock's emulator (a real HTTP server on 127.0.0.1), Uptick as the auth and
monitors apps in this process with one organization's write token, and the operator's own loop (kopf) between."""

from __future__ import annotations

import asyncio
import gc
import itertools
import socket
import threading
import uuid
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import kmock
import pytest
import uvicorn

from tests.access.conftest import Api
from tests.access.conftest import api as api  # noqa: F401 - the fixture: both apps in-process
from uptick_operator.main import run
from uptick_operator.settings import OperatorSettings

MONITORS = "/apis/uptick.dev/v1/namespaces/{namespace}/monitors"


@dataclass
class Org:
    id: int
    owner: dict[str, str]  # Authorization and X-Uptick-Org headers of its owner
    token: str


async def new_org(api: Api, email: str) -> Org:
    _, owner = await api.account(email)
    org = (await api.get("/api/orgs", headers=owner)).json()["items"][0]
    made = await api.post("/api/tokens", headers=owner, json={"name": "kubernetes", "scopes": ["read", "write"]})
    assert made.status_code == 201, made.text
    return Org(id=org["id"], owner={**owner, "X-Uptick-Org": str(org["id"])}, token=made.json()["token"])


@pytest.fixture
async def org(api: Api) -> Org:
    return await new_org(api, "platform@example.com")


class ApiServer(kmock.KubernetesEmulator):
    """kmock's emulator, plus what the API server writes into every object it creates (the emulator keeps them
    as they are given): a uid, a resourceVersion (kopf's patches test it), a generation; and a new resourceVersion
    at every change of a Secret (the operator names the version it re-read)."""

    versions = itertools.count(2)

    async def _handle(self, request: kmock.Request) -> Any:
        if request.action == kmock.action.CREATE and isinstance(request.data, dict):
            meta = request.data.setdefault("metadata", {})
            meta.setdefault("uid", str(uuid.uuid4()))
            meta.setdefault("resourceVersion", "1")
            meta.setdefault("generation", 1)
        if (request.action == kmock.action.UPDATE and request.resource == "v1/secrets"
                and isinstance(request.data, dict)):
            request.data.setdefault("metadata", {})["resourceVersion"] = str(next(self.versions))
        return await super()._handle(request)


@pytest.fixture
def kmock_options(kmock_options: dict[str, Any]) -> dict[str, Any]:
    return {**kmock_options, "cls": ApiServer}


@pytest.fixture
def kube(kmock: kmock.KubernetesEmulator) -> kmock.KubernetesEmulator:
    kmock.resources["uptick.dev/v1/monitors"] = kmock.ResourceInfo(
        kind="Monitor", singular="monitor", namespaced=True, subresources={"status"}, shortnames={"mon"},
        verbs={"list", "watch", "get", "patch", "create", "delete", "update"})
    kmock.resources["v1/secrets"] = kmock.ResourceInfo(kind="Secret", singular="secret", namespaced=True,
                                                       verbs={"get", "create", "list", "watch", "patch", "delete"})
    kmock.resources["v1/events"] = kmock.ResourceInfo(kind="Event", namespaced=True, verbs={"create", "list"})
    kmock.resources["networking.k8s.io/v1/ingresses"] = kmock.ResourceInfo(
        kind="Ingress", singular="ingress", namespaced=True, verbs={"list", "watch", "get", "patch", "create"})
    kmock.resources["gateway.networking.k8s.io/v1/httproutes"] = kmock.ResourceInfo(
        kind="HTTPRoute", singular="httproute", namespaced=True, verbs={"list", "watch", "get", "patch", "create"})
    # What kopf looks for at start-up (it waits for these to be discoverable).
    kmock.resources["v1/namespaces"] = kmock.ResourceInfo(kind="Namespace", namespaced=False, verbs={"list", "watch"})
    kmock.resources["apiextensions.k8s.io/v1/customresourcedefinitions"] = kmock.ResourceInfo(
        kind="CustomResourceDefinition", namespaced=False, verbs={"list", "watch"})
    return kmock


class Cluster:
    """kubectl, as far as the tests need it: the emulator's own HTTP API."""

    def __init__(self, kube: kmock.KubernetesEmulator) -> None:
        self.kube = kube
        self.http = httpx.AsyncClient(base_url=str(kube.url), timeout=10)

    async def apply(self, monitor: dict[str, Any]) -> None:
        namespace = monitor["metadata"]["namespace"]
        answer = await self.http.post(MONITORS.format(namespace=namespace), json=monitor)
        assert answer.status_code < 300, answer.text

    async def patch_spec(self, namespace: str, name: str, spec: dict[str, Any]) -> None:
        generation = (await self.get(namespace, name) or {})["metadata"]["generation"]
        answer = await self.http.patch(f"{MONITORS.format(namespace=namespace)}/{name}",
                                       json={"spec": spec, "metadata": {"generation": generation + 1}},
                                       headers={"Content-Type": "application/merge-patch+json"})
        assert answer.status_code < 300, answer.text

    async def delete(self, namespace: str, name: str) -> None:
        answer = await self.http.delete(f"{MONITORS.format(namespace=namespace)}/{name}")
        assert answer.status_code < 300, answer.text

    async def secret(self, namespace: str, name: str, data: dict[str, str]) -> None:
        answer = await self.http.post(f"/api/v1/namespaces/{namespace}/secrets", json={
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace},
            "stringData": data})
        assert answer.status_code < 300, answer.text

    async def change_secret(self, namespace: str, name: str, data: dict[str, str]) -> None:
        answer = await self.http.patch(f"/api/v1/namespaces/{namespace}/secrets/{name}", json={"stringData": data},
                                       headers={"Content-Type": "application/merge-patch+json"})
        assert answer.status_code < 300, answer.text

    async def create(self, api: str, plural: str, obj: dict[str, Any]) -> None:
        answer = await self.http.post(f"/apis/{api}/namespaces/{obj['metadata']['namespace']}/{plural}", json=obj)
        assert answer.status_code < 300, answer.text

    async def annotate(self, api: str, plural: str, namespace: str, name: str,
                       annotations: dict[str, str | None]) -> None:
        answer = await self.http.patch(f"/apis/{api}/namespaces/{namespace}/{plural}/{name}",
                                       json={"metadata": {"annotations": annotations}},
                                       headers={"Content-Type": "application/merge-patch+json"})
        assert answer.status_code < 300, answer.text

    async def monitors(self, namespace: str) -> list[dict[str, Any]]:
        answer = await self.http.get(MONITORS.format(namespace=namespace))
        return answer.json()["items"] if answer.status_code == 200 else []

    async def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        answer = await self.http.get(f"{MONITORS.format(namespace=namespace)}/{name}")
        return None if answer.status_code == 404 else answer.json()

    async def events(self, namespace: str) -> list[dict[str, Any]]:
        """The Events posted since the last call. The emulator keys objects by name, and kopf's Events have only a
        generateName: each is taken out once read, so that the next one can be stored."""
        answer = await self.http.get(f"/api/v1/namespaces/{namespace}/events")
        assert answer.status_code == 200, answer.text
        for event in answer.json()["items"]:
            self.kube.objects["v1/events", namespace, event["metadata"].get("name")].delete()
        return answer.json()["items"]


@pytest.fixture
async def cluster(kube: kmock.KubernetesEmulator) -> AsyncIterator[Cluster]:
    cluster = Cluster(kube)
    yield cluster
    await cluster.http.aclose()


@pytest.fixture
async def api_url(api: Api) -> AsyncIterator[str]:
    """The monitors app (its lifespan entered by `api`) served over HTTP on 127.0.0.1, as the operator reaches it."""
    app = api.monitors._transport.app  # type: ignore[attr-defined]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None))
    serving = asyncio.create_task(server.serve())
    for _ in range(200):  # bounded: 10 s
        if server.started:
            break
        await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await serving


class Operators:
    """Starts the operator as `uptick-operator` runs it (its own event loop, in a thread of this process: kopf
    takes the loop it runs in as its own) and stops it, as often as asked."""

    def __init__(self, api_url: str, kube: kmock.KubernetesEmulator, token_dir: Path) -> None:
        self.api_url, self.kube, self.token_dir = api_url, kube, token_dir
        self._running: tuple[threading.Thread, threading.Event] | None = None

    async def start(self, **settings: Any) -> None:
        assert self._running is None
        options = {"api_url": self.api_url, "kube_api_url": str(self.kube.url), "token_dir": self.token_dir,
                   "status_interval_seconds": 0.5, "health_port": 0, **settings}
        stop = threading.Event()
        thread = threading.Thread(target=asyncio.run, args=(run(OperatorSettings(**options), stop_flag=stop),),
                                  daemon=True)
        thread.start()
        self._running = thread, stop

    async def stop(self) -> None:
        if self._running is None:
            return
        thread, stop = self._running
        self._running = None
        stop.set()
        await asyncio.to_thread(thread.join, 30)
        assert not thread.is_alive(), "the operator did not stop"


@pytest.fixture
async def operators(api_url: str, kube: kmock.KubernetesEmulator, org: Org, tmp_path: Path) -> AsyncIterator[Operators]:
    (tmp_path / "default").write_text(org.token + "\n")
    operators = Operators(api_url, kube, tmp_path)
    yield operators
    await operators.stop()
    # kopf leaves some of its aiohttp sessions to the garbage collector when its loop ends: collected here, not
    # in the middle of a later test (where their ResourceWarning would fail it).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
