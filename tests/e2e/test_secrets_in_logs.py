"""Secrets a user gives the stack never reach a log line, at debug level and on the paths that go wrong:
a request header and body on a failing monitor, a password tried wrong, a heartbeat URL, refused input.
(Every other e2e test checks the secrets it set too: helpers.running_stack.)"""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.helpers import FAST, eventually, secret, sign_up_and_log_in


@pytest.fixture
def stack_overrides() -> dict[str, str]:
    return FAST | {"UPTICK_LOG_LEVEL": "debug"}


async def test_no_secret_reaches_the_logs(stack, target) -> None:
    target.mode = "error"  # and it answers POST with 405: the monitor goes down
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        auth = await sign_up_and_log_in(client, "ops@example.com", "the password of the ops team")
        wrong = await client.post("/api/auth/login", json={"email": "ops@example.com",
                                                           "password": secret("a wrong guess of a password")})
        assert wrong.status_code == 401
        created = await client.post("/api/monitors", headers=auth, json={
            "url": target.url, "interval_seconds": 10, "timeout_seconds": 2, "method": "POST",
            "headers": {"X-Api-Key": secret("sk_live_header_value_1"),
                        "Authorization": secret("Bearer header-token-2")},
            "body": secret('{"secret": "request-body-3"}')})
        assert created.status_code == 201, created.text
        path = f"/api/monitors/{created.json()['id']}"
        # Refused input: the refusal is logged, not the value.
        refused = await client.patch(path, headers=auth, json={"name": "x\x00", "headers": {
            "X-Api-Key": secret("sk_refused_value_4")}})
        assert refused.status_code == 422
        beat = await client.post("/api/monitors", headers=auth, json={"type": "heartbeat", "interval_seconds": 60})
        token = secret(beat.json()["heartbeat_url"].rsplit("/", 1)[1])
        assert (await client.post(f"/api/heartbeats/{token}/fail")).status_code == 200

        async def down() -> bool:
            return (await client.get(path, headers=auth)).json()["status"] == "down"

        await eventually(down, timeout=40)
    # running_stack asserts, once the stack has stopped, that none of the values marked secret() is logged.
