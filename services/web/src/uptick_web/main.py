"""`uptick-web`: serve the dashboard until SIGTERM; /healthz, /readyz and /metrics on the health port."""

from __future__ import annotations

import asyncio
import signal

import structlog
import uvloop
from aiohttp import web

from uptick_common.health import HealthServer
from uptick_common.logging import configure_logging
from uptick_web.app import build_app
from uptick_web.assets import Assets
from uptick_web.settings import WebSettings

log = structlog.get_logger(__name__)


async def serve(settings: WebSettings) -> None:
    assets = Assets(settings.static_dir)
    if assets.missing:
        log.error("dashboard files missing: run `make sync` (npm ci and services/web/vendor.mjs)",
                  missing=assets.missing, folder=str(settings.static_dir))

    async def ready() -> dict[str, str]:
        return {"assets": "missing: " + ", ".join(assets.missing)} if assets.missing else {}

    health = HealthServer(settings.health_host, settings.health_port, ready)
    await health.start()
    runner = web.AppRunner(build_app(assets), access_log=None, shutdown_timeout=settings.shutdown_grace_seconds)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    log.info("serving the dashboard", port=settings.port, build=assets.build, files=len(assets.files))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping: finishing requests in progress", grace_seconds=settings.shutdown_grace_seconds)
    await runner.cleanup()  # stops listening, then waits for open requests up to shutdown_timeout
    await health.close()


def main() -> None:
    settings = WebSettings()
    configure_logging("web", settings.log_level, settings.log_format)
    uvloop.run(serve(settings))


if __name__ == "__main__":
    main()
