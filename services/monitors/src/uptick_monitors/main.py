"""The monitors service: the REST API for monitors and the dashboard's read side."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from uptick_common.api import create_app, install_auth_errors
from uptick_common.db.engine import create_engine, session_factory, wait_for_database
from uptick_common.logging import configure_logging
from uptick_common.readiness import check_dependencies
from uptick_common.redis import connect_redis
from uptick_monitors import heartbeats
from uptick_monitors.channels.router import router as channels_router
from uptick_monitors.history.router import router as history_router
from uptick_monitors.incidents import links
from uptick_monitors.incidents.router import router as incidents_router
from uptick_monitors.maintenance.router import router as maintenance_router
from uptick_monitors.router import router
from uptick_monitors.settings import MonitorsSettings
from uptick_monitors.statuspages import badges
from uptick_monitors.statuspages import public as status_pages_public
from uptick_monitors.statuspages.router import router as status_pages_router
from uptick_monitors.statuspages.snapshot import Snapshots


def build_app(settings: MonitorsSettings | None = None) -> FastAPI:
    settings = settings or MonitorsSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        await wait_for_database(engine)
        app.state.settings = settings
        app.state.sessions = session_factory(engine)
        app.state.snapshots = Snapshots(app.state.sessions, settings.public_url)  # status pages, per replica
        app.state.public_key = Path(settings.jwt_public_key_file).read_bytes()  # noqa: ASYNC240 - once, at start

        app.state.redis = await connect_redis(settings.redis_url)  # heartbeat pings become results

        async def ready() -> dict[str, str]:
            return await check_dependencies(engine=engine, redis=app.state.redis)

        app.state.ready = ready
        # Everything loaded so far lives as long as the process: out of the collector's sight, a full
        # collection no longer walks it (~75 ms here, the slow requests that set the list's p99).
        gc.collect()
        gc.freeze()
        yield
        await app.state.redis.aclose()
        await engine.dispose()

    app = create_app(service="monitors", prefix="/api", lifespan=lifespan)
    install_auth_errors(app)
    app.include_router(router)
    app.include_router(heartbeats.router)
    app.include_router(channels_router)
    app.include_router(incidents_router)
    app.include_router(links.router)
    app.include_router(history_router)
    app.include_router(status_pages_router)
    app.include_router(status_pages_public.router)
    app.include_router(maintenance_router)
    app.include_router(badges.router)
    return app


def main() -> None:
    settings = MonitorsSettings()
    configure_logging("monitors", settings.log_level, settings.log_format)
    uvicorn.run(build_app(settings), host=settings.host, port=settings.port, log_config=None, loop="uvloop",
                timeout_graceful_shutdown=10)


if __name__ == "__main__":
    main()
