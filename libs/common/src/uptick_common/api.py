"""What every HTTP service shares: the app factory, health routes, metrics, errors, auth dependencies."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Annotated

import structlog
from fastapi import Depends, FastAPI, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import DataError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from uptick_common.backoff import transient_errors
from uptick_common.guard import DEFAULT_MAX_BODY_BYTES, RequestGuard
from uptick_common.metrics import HTTP_DURATION, HTTP_REQUESTS
from uptick_common.problems import InvalidInput, document_errors, invalid_input_body

log = structlog.get_logger(__name__)

SESSION_COOKIE = "uptick_session"


def digits(text: str, most: int = 18) -> bool:
    """ASCII digits only, at most `most` of them: str.isdigit() also takes "²", which int() refuses."""
    return text.isascii() and text.isdigit() and len(text) <= most


def id_cursor(cursor: str | None) -> int | None:
    """A list's `cursor` that is a row's id (18 digits fit a bigint); a 422 in the list shape otherwise."""
    if cursor is None:
        return None
    if not digits(cursor):
        raise InvalidInput("cursor is not valid", ("query", "cursor"))
    return int(cursor)


def create_app(
    *, service: str, prefix: str, lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """A FastAPI app whose OpenAPI lives under its path prefix and which serves /healthz, /readyz, /metrics.
    Input no route could store is refused before routing (guard.py); errors have the shapes problems.py
    documents.

    The lifespan must set `app.state.ready` (an async callable returning failures) and, for database
    access, `app.state.sessions` (an async_sessionmaker)."""
    app = FastAPI(
        title=f"Uptick {service}",
        lifespan=lifespan,
        openapi_url=f"{prefix}/openapi.json",
        docs_url=f"{prefix}/docs",
        redoc_url=None,
    )
    app.add_middleware(RequestGuard, max_body_bytes=max_body_bytes)
    app.add_middleware(RequestMetrics, service=service)  # outermost: it also counts what the guard refused
    document_errors(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        failures = await request.app.state.ready()
        if failures:
            return JSONResponse({"status": "unavailable", "failures": failures}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def dependency_down(_: Request, exc: Exception) -> JSONResponse:
        log.warning("dependency unavailable during request", error=type(exc).__name__)
        return JSONResponse({"detail": "a dependency is unavailable, try again shortly"}, status_code=503,
                            headers={"Retry-After": "2"})

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        """FastAPI's 422 without each error's `input`: it would echo a rejected password or secret back."""
        errors = [{k: v for k, v in error.items() if k in ("type", "loc", "msg", "ctx")} for error in exc.errors()]
        return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """A 422 raised as HTTPException(422, "message") still has the documented list shape."""
        if exc.status_code == 422 and isinstance(exc.detail, str):
            return JSONResponse(invalid_input_body(("request",), exc.detail), status_code=422)
        return await http_exception_handler(request, exc)

    @app.exception_handler(InvalidInput)
    async def invalid_input(_: Request, exc: InvalidInput) -> JSONResponse:
        return JSONResponse(invalid_input_body(exc.loc, exc.msg), status_code=422)

    @app.exception_handler(DataError)
    async def unstorable(_: Request, exc: DataError) -> JSONResponse:
        """Postgres refused a value (out of a column's range, say) that validation let through: still the
        caller's input, so a 422, logged by kind only (the statement's parameters may hold secrets)."""
        log.warning("input refused by the database", error=type(exc.orig).__name__)
        return JSONResponse(invalid_input_body(("request",), "a value is out of the range that can be stored"),
                            status_code=422)

    for error in transient_errors(postgres=True):
        if error is not OSError:  # only faults of Postgres or Redis are a 503, not any OSError
            app.add_exception_handler(error, dependency_down)

    return app


class RequestMetrics:
    """Pure ASGI middleware: request id, one canonical log line, and the HTTP metrics by route template."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"x-request-id") or uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                headers.append((b"x-request-id", request_id.encode()))
                org_id = scope.get("state", {}).get("uptick_org")  # set by uptick_common.access
                if org_id is not None:
                    headers.append((b"x-uptick-org", str(org_id).encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            HTTP_REQUESTS.labels(self.service, route, method, f"{status // 100}xx").inc()
            HTTP_DURATION.labels(self.service, route, method).observe(elapsed)
            if route not in ("/healthz", "/readyz", "/metrics"):
                log.info("request", method=method, route=route, status=status,
                         duration_ms=round(elapsed * 1000, 1))
            structlog.contextvars.unbind_contextvars("request_id")


def _header(scope: Scope, name: bytes) -> str | None:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")[:64]
    return None


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(get_session)]
# A row's id in a path: a bigint, so that an id past its range is a 422, not a database error.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class Unauthorized(Exception):
    pass


def bearer_or_cookie(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials.strip()
    return request.cookies.get(SESSION_COOKIE)




def install_auth_errors(app: FastAPI) -> None:
    @app.exception_handler(Unauthorized)
    async def unauthorized(_: Request, exc: Unauthorized) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"})


def utcnow() -> datetime:
    return datetime.now(UTC)


