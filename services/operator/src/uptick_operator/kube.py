"""What the operator asks of Kubernetes besides kopf's own watching: its credentials, Secret values, and the
Monitors it makes for annotated Ingresses."""

from __future__ import annotations

import base64
import ssl
from typing import Any

import httpx
import kopf

from uptick_operator.spec import MissingSecret


def login(api_url: str, **kwargs: Any) -> kopf.ConnectionInfo | None:
    """A URL as it is (a local mock, tests); else the service account in a pod, else the kubeconfig."""
    if api_url:
        return kopf.ConnectionInfo(server=api_url)
    return kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)


class Kube:
    """The Kubernetes API with the operator's credentials (RBAC: get secrets; create, list, patch, delete monitors)."""

    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None

    def connect(self, info: kopf.ConnectionInfo) -> None:
        verify: ssl.SSLContext | bool = not info.insecure
        if info.ca_path or info.ca_data:
            ca_data = info.ca_data.decode() if isinstance(info.ca_data, bytes) else info.ca_data
            verify = ssl.create_default_context(cafile=info.ca_path, cadata=ca_data)
        headers = {"Authorization": f"Bearer {info.token}"} if info.token else {}
        self._client = httpx.AsyncClient(base_url=info.server, verify=verify, headers=headers, timeout=10)

    async def read(self, namespace: str, name: str, key: str) -> str:
        if self._client is None:
            raise kopf.TemporaryError("not logged in to Kubernetes yet", delay=5)
        try:
            answer = await self._client.get(f"/api/v1/namespaces/{namespace}/secrets/{name}")
        except httpx.HTTPError as exc:
            raise kopf.TemporaryError(f"reading Secret {name}: {type(exc).__name__}", delay=10) from exc
        if answer.status_code == 404:
            raise MissingSecret(f"Secret {name} does not exist in namespace {namespace}")
        if answer.status_code != 200:
            raise kopf.TemporaryError(f"reading Secret {name}: {answer.status_code}", delay=30)
        secret = answer.json()
        if key in (secret.get("data") or {}):
            return base64.b64decode(secret["data"][key]).decode()
        if key in (secret.get("stringData") or {}):  # as a mock server keeps it; a real API server converts it
            return str(secret["stringData"][key])
        raise MissingSecret(f"Secret {name} has no key {key}")

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self._client is None:
            raise kopf.TemporaryError("not logged in to Kubernetes yet", delay=5)
        try:
            answer = await self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise kopf.TemporaryError(f"{method} {path}: {type(exc).__name__}", delay=10) from exc
        if answer.status_code >= 400 and answer.status_code not in (404, 409):
            raise kopf.TemporaryError(f"{method} {path}: {answer.status_code}", delay=10)
        return answer

    async def monitors(self, namespace: str, label: str, value: str) -> list[dict[str, Any]]:
        answer = await self._call("GET", f"/apis/uptick.dev/v1/namespaces/{namespace}/monitors",
                                  params={"labelSelector": f"{label}={value}"})
        items = answer.json().get("items", []) if answer.status_code == 200 else []
        # Filtered here too: not every API (a mock) applies the selector.
        return [item for item in items if (item["metadata"].get("labels") or {}).get(label) == value]

    async def create_monitor(self, monitor: dict[str, Any]) -> None:
        namespace = monitor["metadata"]["namespace"]
        await self._call("POST", f"/apis/uptick.dev/v1/namespaces/{namespace}/monitors", json=monitor)  # 409: there

    async def annotate_monitor(self, namespace: str, name: str, annotations: dict[str, str]) -> None:
        await self._call("PATCH", f"/apis/uptick.dev/v1/namespaces/{namespace}/monitors/{name}",  # 404: gone
                         json={"metadata": {"annotations": annotations}},
                         headers={"Content-Type": "application/merge-patch+json"})

    async def delete_monitor(self, namespace: str, name: str) -> None:
        await self._call("DELETE", f"/apis/uptick.dev/v1/namespaces/{namespace}/monitors/{name}")  # 404: gone

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
