"""A JSON assertion through the whole stack: the target's body flips, the tick says which assertion failed."""

from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from tests.e2e.helpers import eventually, secret, sign_up_and_log_in
from uptick_devstack.infra import free_port


@pytest.fixture
async def status_page() -> AsyncIterator[dict]:
    """A local JSON endpoint: `{"status": state["status"]}` at /status."""
    state = {"status": "UP", "url": ""}

    async def handle(_: web.Request) -> web.Response:
        return web.json_response({"status": state["status"]})

    app = web.Application()
    app.router.add_get("/status", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    state["url"] = f"http://127.0.0.1:{port}/status"
    yield state
    await runner.cleanup()


async def test_a_failed_json_assertion_is_shown_in_the_ticks(stack, status_page: dict) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        auth = await sign_up_and_log_in(client, "grace@example.com", "a long enough password")
        created = await client.post("/api/monitors", headers=auth, json={
            "url": status_page["url"], "interval_seconds": 10, "timeout_seconds": 2, "regions": ["eu-west"],
            "headers": {"X-Api-Key": secret("never-logged-value")},
            "assertions": [{"type": "json_path", "path": "status", "op": "==", "value": "UP"}]})
        assert created.status_code == 201, created.text
        path = f"/api/monitors/{created.json()['id']}"

        async def latest_tick() -> dict | None:
            items = (await client.get(path + "/ticks", headers=auth, params={"limit": 1})).json()["items"]
            return items[0] if items else None

        async def up() -> dict | None:
            tick = await latest_tick()
            return tick if tick and tick["status"] == "up" else None

        tick = await eventually(up, timeout=30)
        assert tick["assertions"] == [{"assertion": "[BODY].status == UP", "passed": True, "got": None}]
        phases = tick["phases"]
        assert phases["total_ms"] >= phases["ttfb_ms"] >= phases["connect_ms"] >= 0

        status_page["status"] = "DOWN"

        async def failed() -> dict | None:
            tick = await latest_tick()
            return tick if tick and tick["status"] == "down" else None

        tick = await eventually(failed, timeout=30)
        assert tick["error"] == 'assertion failed: [BODY].status == UP (got "DOWN")'
        assert tick["http_status"] == 200
        assert tick["assertions"] == [{"assertion": "[BODY].status == UP", "passed": False, "got": '"DOWN"'}]

    assert "never-logged-value" not in stack.logs.text()
