"""The auth app, its lifespan (keys, Postgres, Redis) and `uptick-auth`, which serves it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import structlog
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from uptick_auth import audit, passwords
from uptick_auth.apitokens.router import router as tokens_router
from uptick_auth.invitations.router import router as invitations_router
from uptick_auth.orgs.router import router as orgs_router
from uptick_auth.router import router
from uptick_auth.settings import AuthSettings
from uptick_auth.throttle import LoginThrottle
from uptick_common import tokens
from uptick_common.api import create_app, install_auth_errors
from uptick_common.db.engine import create_engine, session_factory, wait_for_database
from uptick_common.logging import configure_logging
from uptick_common.mail import SmtpSettings
from uptick_common.readiness import check_dependencies
from uptick_common.redis import connect_redis

log = structlog.get_logger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = AuthSettings()
    private_key, public_key = _load_keys(settings)
    engine = create_engine(settings.database_url)
    redis = None
    try:
        await wait_for_database(engine)
        redis = await connect_redis(settings.redis_url)
        app.state.settings = settings
        app.state.private_key, app.state.public_key = private_key, public_key
        app.state.sessions = session_factory(engine)
        app.state.smtp = SmtpSettings()
        app.state.throttle = LoginThrottle(
            redis, max_failures=settings.login_max_failures, window_seconds=settings.login_failure_window_seconds,
            max_failures_per_address=settings.login_max_failures_per_address,
            max_signups_per_address=settings.signup_max_per_address,
            signup_window_seconds=settings.signup_window_seconds,
        )
        passwords.configure(concurrency=settings.password_hash_concurrency, queue=settings.password_hash_queue)
        app.state.ready = partial(check_dependencies, engine=engine, redis=redis)
        log.info("auth started")
        yield
    finally:
        if redis is not None:
            await redis.aclose()
        await engine.dispose()


def _load_keys(settings: AuthSettings) -> tuple[bytes, bytes]:
    """(private, public) PEM. Outside production a missing pair is generated; production refuses to
    start without one (AuthSettings)."""
    private_file, public_file = Path(settings.jwt_private_key_file), Path(settings.jwt_public_key_file)
    if settings.env != "production":
        tokens.generate_keypair(private_file, public_file)
    return private_file.read_bytes(), public_file.read_bytes()


app = create_app(service="auth", prefix="/api/auth", lifespan=lifespan)
install_auth_errors(app)


@app.exception_handler(passwords.Busy)
async def hashing_busy(_: Request, __: passwords.Busy) -> JSONResponse:
    """More password hashes waiting than the queue holds (log-in, sign-up, password change): try shortly."""
    return JSONResponse({"detail": "too many log-ins at once, try again shortly"}, status_code=503,
                        headers={"Retry-After": "2"})
app.include_router(router)
app.include_router(orgs_router)
app.include_router(tokens_router)
app.include_router(invitations_router)
app.include_router(audit.router)


def main() -> None:
    settings = AuthSettings()
    configure_logging("auth", settings.log_level, settings.log_format)
    uvicorn.run(
        app, host=settings.host, port=settings.port, workers=1, loop="uvloop", log_config=None,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds, server_header=False,
    )


if __name__ == "__main__":
    main()
