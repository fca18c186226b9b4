"""The web service as a browser meets it: history routing, caching, the security policy, health."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from uptick_web.app import build_app
from uptick_web.assets import REQUIRED, Assets

from uptick_devstack.infra import free_port


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text('<script type="module" src="{{assets}}/js/main.js"></script>')
    (tmp_path / "js").mkdir()
    (tmp_path / "js/main.js").write_text("import './api.js';\n" + "// padding\n" * 200)
    for name in REQUIRED:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("export {};")
    return tmp_path


@pytest.fixture
async def client(folder: Path) -> AsyncIterator[httpx.AsyncClient]:
    runner = web.AppRunner(build_app(Assets(folder)), access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
        yield c
    await runner.cleanup()


@pytest.mark.parametrize("path", ["/", "/monitors/12", "/incidents/7", "/invitations/a.b.c", "/login?next=%2F"])
async def test_every_page_path_is_the_app(client: httpx.AsyncClient, path: str) -> None:
    answer = await client.get(path)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-cache"
    assert "/assets/" in answer.text and "{{assets}}" not in answer.text
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert "'unsafe-inline'" not in answer.headers["content-security-policy"]


async def test_assets_are_cached_for_good_under_their_build(client: httpx.AsyncClient) -> None:
    index = (await client.get("/")).text
    src = index.split('src="')[1].split('"')[0]
    script = await client.get(src, headers={"Accept-Encoding": "gzip"})
    assert script.status_code == 200 and script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert script.headers["content-encoding"] == "gzip" and script.text.startswith("import './api.js'")
    again = await client.get(src, headers={"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304
    old_build = await client.get(src.replace(src.split("/")[2], "000000000000"))
    assert old_build.status_code == 200 and old_build.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/api/monitors", "/api", "/status/acme", "/favicon.ico", "/assets/x/nope.js",
                                  "/assets/x/%2e%2e/%2e%2e/etc/passwd"])
async def test_what_is_not_a_page_is_a_404(client: httpx.AsyncClient, path: str) -> None:
    answer = await client.get(path)
    assert answer.status_code == 404 and "detail" in answer.json()


async def test_only_get_and_head(client: httpx.AsyncClient) -> None:
    assert (await client.head("/monitors")).status_code == 200
    refused = await client.post("/monitors", content=b"x")
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD"


def test_a_folder_without_the_vendored_libraries_is_not_ready(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>")
    assert Assets(tmp_path).missing == list(REQUIRED)


async def test_the_process_serves_health_apart_and_stops_on_sigterm(folder: Path) -> None:
    port, health = free_port(), free_port()
    env = {**os.environ, "UPTICK_HOST": "127.0.0.1", "UPTICK_PORT": str(port), "UPTICK_HEALTH_HOST": "127.0.0.1",
           "UPTICK_HEALTH_PORT": str(health), "UPTICK_STATIC_DIR": str(folder), "UPTICK_LOG_FORMAT": "json"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "uptick_web.main", env=env,
                                                   stdout=asyncio.subprocess.DEVNULL)
    try:
        async with httpx.AsyncClient() as c:
            for _ in range(100):
                try:
                    ready = await c.get(f"http://127.0.0.1:{health}/readyz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            assert ready.status_code == 200
            assert (await c.get(f"http://127.0.0.1:{port}/readyz")).headers["content-type"].startswith("text/html")
            await c.get(f"http://127.0.0.1:{port}/")
            metrics = (await c.get(f"http://127.0.0.1:{health}/metrics")).text
            served = 'uptick_http_requests_total{method="GET",route="/{page}",service="web",status_class="2xx"}'
            assert served in metrics
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
