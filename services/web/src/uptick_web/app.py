"""The dashboard's HTTP app: its files under /assets/<build>/, and index.html for every page path.

History routing: the app's pages have real paths (`/monitors/12`, `/incidents/7`, links that notifications
carry), so any GET of a path that is not a file answers index.html, and the app's router draws the page.
Paths that belong to other services (/api, /status) are a 404 here: reaching web means a routing mistake,
and an HTML page in place of JSON would hide it. So is a missing file (a path with an extension).
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web

from uptick_common.metrics import HTTP_DURATION, HTTP_REQUESTS
from uptick_web.assets import Asset, Assets

log = structlog.get_logger(__name__)
ASSETS_KEY = web.AppKey("assets", Assets)
OTHER_SERVICES = ("/api", "/status")
# A request for a file (not a page): a missing one is a 404, not the app. Page paths may hold dots (tokens).
FILE = re.compile(r"\.(?:m?js|css|map|png|jpe?g|gif|svg|ico|webp|txt|json|xml|webmanifest|woff2?)$", re.IGNORECASE)
YEAR = "public, max-age=31536000, immutable"
# Everything from Uptick itself: no inline script or style element, nothing from elsewhere. Styles set from
# script (uPlot, Preact's style props) go through the CSSOM, which style-src does not govern.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def build_app(assets: Assets) -> web.Application:
    app = web.Application(middlewares=[_measured])
    app[ASSETS_KEY] = assets
    app.router.add_route("*", r"/{path:[\s\S]*}", _serve)
    return app


def _route(path: str) -> str:
    """A bounded label for metrics: never the path itself."""
    if path.startswith("/assets/"):
        return "/assets"
    return "/{page}"


@web.middleware
async def _measured(request: web.Request,
                    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        route, elapsed = _route(request.path), time.perf_counter() - started
        HTTP_REQUESTS.labels("web", route, request.method, f"{status // 100}xx").inc()
        HTTP_DURATION.labels("web", route, request.method).observe(elapsed)
        if route != "/assets":
            log.info("request", method=request.method, route=route, status=status,
                     duration_ms=round(elapsed * 1000, 1))


async def _serve(request: web.Request) -> web.StreamResponse:
    if request.method not in ("GET", "HEAD"):
        return _plain(405, "the dashboard only answers GET and HEAD", {"Allow": "GET, HEAD"})
    assets, path = request.app[ASSETS_KEY], request.path
    if any(path == prefix or path.startswith(prefix + "/") for prefix in OTHER_SERVICES):
        return _plain(404, "not found (this path belongs to the API, which is not routed here)")
    if path.startswith("/assets/"):
        build, _, name = path.removeprefix("/assets/").partition("/")
        asset = assets.files.get(name)
        if asset is None:
            return _plain(404, "no such file")
        # An older page (a tab open across a release) still gets today's file, but not cached for good.
        return _send(request, asset, YEAR if build == assets.build else "no-cache")
    if FILE.search(path):
        return _plain(404, "no such file")
    return _send(request, assets.index, "no-cache")


def _send(request: web.Request, asset: Asset, cache: str) -> web.Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": cache, "ETag": asset.etag, "Vary": "Accept-Encoding"}
    if asset.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    body = asset.body
    if asset.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
        body, headers["Content-Encoding"] = asset.gzipped, "gzip"
    return web.Response(body=body, headers={**headers, "Content-Type": asset.content_type})


def _plain(status: int, text: str, extra: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"detail": text}, status=status, headers={**SECURITY_HEADERS, **(extra or {})})
