"""The operator's client of the Uptick REST API: one organization's API token, the monitor's `managed_by` on
every change (the API refuses changes to a managed monitor from anywhere else)."""

from __future__ import annotations

from typing import Any

import httpx

MANAGED_HEADER = "X-Uptick-Managed-By"


class Rejected(Exception):
    """The API refused the monitor (422, 409): its message, for the resource's status. Retrying cannot help."""


class Unavailable(Exception):
    """The API could not be reached or failed (5xx, 401, 403, 429): retried later."""


class UptickApi:
    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self._client, self._auth = client, {"Authorization": f"Bearer {token}"}

    async def _call(self, method: str, path: str, *, manager: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {**self._auth, **({MANAGED_HEADER: manager} if manager else {})}
        try:
            answer = await self._client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise Unavailable(f"{method} {path}: {type(exc).__name__}") from exc
        if answer.status_code in (409, 422):
            raise Rejected(_detail(answer))
        if answer.status_code >= 400 and answer.status_code != 404:
            raise Unavailable(f"{method} {path}: {answer.status_code} {_detail(answer)}")
        return answer

    async def find(self, manager: str) -> dict[str, Any] | None:
        """The monitor managed by `manager`, if one was made (e.g. before a restart, its id not yet recorded)."""
        cursor: str | None = None
        while True:
            answer = await self._call("GET", "/api/monitors", params={"limit": 500, **({"cursor": cursor} if cursor
                                                                                       else {})})
            page = answer.json()
            for monitor in page["items"]:
                if monitor.get("managed_by") == manager:
                    return monitor
            cursor = page["next_cursor"]
            if cursor is None:
                return None

    async def get(self, monitor_id: int) -> dict[str, Any] | None:
        answer = await self._call("GET", f"/api/monitors/{monitor_id}")
        return None if answer.status_code == 404 else answer.json()

    async def create(self, body: dict[str, Any], manager: str) -> dict[str, Any]:
        return (await self._call("POST", "/api/monitors", json={**body, "managed_by": manager})).json()

    async def update(self, monitor_id: int, body: dict[str, Any], manager: str) -> dict[str, Any] | None:
        answer = await self._call("PATCH", f"/api/monitors/{monitor_id}", json=body, manager=manager)
        return None if answer.status_code == 404 else answer.json()

    async def delete(self, monitor_id: int, manager: str) -> None:
        await self._call("DELETE", f"/api/monitors/{monitor_id}", manager=manager)  # 404: already gone

    async def open_incident(self, monitor_id: int) -> int | None:
        answer = await self._call("GET", "/api/incidents", params={"monitor_id": monitor_id, "status": "open",
                                                                  "limit": 1})
        items = answer.json()["items"] if answer.status_code == 200 else []
        return items[0]["id"] if items else None

    async def ready(self) -> bool:
        try:
            return (await self._client.get("/readyz")).status_code == 200
        except httpx.HTTPError:
            return False


def _detail(answer: httpx.Response) -> str:
    try:
        detail = answer.json().get("detail")
    except ValueError:
        return answer.reason_phrase
    if isinstance(detail, list):  # FastAPI's validation errors: where, and what is wrong
        return "; ".join(f"{'.'.join(str(p) for p in e.get('loc', [])[1:])}: {e.get('msg')}" for e in detail)
    return str(detail)
