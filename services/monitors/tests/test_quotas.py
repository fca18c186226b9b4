"""Per-organization quotas with the defaults a public instance runs with: a clear 4xx, nothing written."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from uptick_monitors.main import build_app
from uptick_monitors.settings import MonitorsSettings


@pytest.fixture
async def public(database_url: str, redis_url: str, jwt_keys: tuple[Path, Path]) -> AsyncIterator[httpx.AsyncClient]:
    """The API with the default quotas, but for a small monitor count that the test can reach."""
    settings = MonitorsSettings(database_url=database_url, redis_url=redis_url, jwt_public_key_file=str(jwt_keys[1]),
                                regions=("eu-west", "us-east"), quota_monitors=3)
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield client


def test_the_defaults_are_what_a_public_instance_offers() -> None:
    quotas = MonitorsSettings().quotas
    assert (quotas.monitors, quotas.min_interval_seconds, quotas.body_bytes) == (100, 30, 4096)


async def test_monitors_per_organization(public: httpx.AsyncClient, make_user) -> None:
    alice, bob = await make_user("alice@example.com"), await make_user("bob@example.com")
    # Five at once for three places: the organization's creations take turns, so exactly three are made.
    answers = await asyncio.gather(*(
        public.post("/api/monitors", headers=alice, json={"url": f"https://example.com/{i}"}) for i in range(5)))
    assert sorted(a.status_code for a in answers) == [201, 201, 201, 403, 403]
    refused = next(a for a in answers if a.status_code == 403)
    assert refused.json() == {"detail": "this organization has 3 monitors, the most it may have on this instance"}
    assert len((await public.get("/api/monitors", headers=alice)).json()["items"]) == 3
    # Another organization has its own quota; a deletion makes room again.
    assert (await public.post("/api/monitors", headers=bob, json={"url": "https://example.org"})).status_code == 201
    first = (await public.get("/api/monitors", headers=alice)).json()["items"][0]["id"]
    assert (await public.delete(f"/api/monitors/{first}", headers=alice)).status_code == 204
    assert (await public.post("/api/monitors", headers=alice, json={"url": "https://example.com/9"})).status_code == 201


@pytest.mark.parametrize(("body", "complaint"), [
    ({"interval_seconds": 10}, "interval_seconds must be at least 30 on this instance"),
    ({"method": "POST", "body": "x" * 4097}, "body is 4097 bytes as sent in each check"),
    # 1,000 control characters are 6,000 bytes in a job: the quota counts what the job carries.
    ({"method": "POST", "body": "\x01" * 1000}, "body is 6000 bytes as sent in each check (JSON-escaped)"),
])
async def test_interval_and_body_quotas(public: httpx.AsyncClient, make_user, body: dict, complaint: str) -> None:
    alice = await make_user("alice@example.com")
    created = await public.post("/api/monitors", headers=alice, json={"url": "https://example.com", **body})
    assert created.status_code == 422 and created.json()["detail"][0]["msg"].startswith(complaint)
    monitor = (await public.post("/api/monitors", headers=alice, json={"url": "https://example.com"})).json()
    patched = await public.patch(f"/api/monitors/{monitor['id']}", headers=alice, json=body)
    assert patched.status_code == 422 and patched.json()["detail"][0]["msg"].startswith(complaint)
    after = (await public.get(f"/api/monitors/{monitor['id']}", headers=alice)).json()
    assert after["interval_seconds"] == 180 and after["body"] is None
    ok = await public.post("/api/monitors", headers=alice, json={
        "url": "https://example.com", "interval_seconds": 30, "method": "POST", "body": "é" * 2048})
    assert ok.status_code == 201, ok.text  # 4,096 bytes of UTF-8: just within
