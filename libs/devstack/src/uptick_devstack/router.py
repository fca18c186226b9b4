"""The dev router: one origin on 127.0.0.1:8080, routed by path exactly as the Kubernetes Ingress routes.

    /api/auth/…, /api/orgs/…, /api/tokens/…, /api/invitations/…, /api/audit  → auth (accounts)
    /api/…, /status/…  → monitors (the API; public status pages)        /  → web (the dashboard)
"""

from __future__ import annotations

import argparse
import json

from aiohttp import ClientSession, ClientTimeout, client_exceptions, web
from multidict import CIMultiDict

# Headers that describe one hop, not the message: never forwarded (RFC 9110 §7.6.1).
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "host", "content-length"}


# The paths the auth service answers (the Ingress lists the same: charts/uptick/templates/ingress/).
AUTH_PREFIXES = ("/api/auth", "/api/orgs", "/api/tokens", "/api/invitations", "/api/audit")
# The paths the monitors service answers: its API, and the public status pages (rendered on the server).
MONITORS_PREFIXES = ("/api", "/status")


def pick_upstream(path: str, upstreams: dict[str, str]) -> str | None:
    if any(path == prefix or path.startswith(prefix + "/") for prefix in AUTH_PREFIXES):
        return upstreams.get("auth")
    if any(path == prefix or path.startswith(prefix + "/") for prefix in MONITORS_PREFIXES):
        return upstreams.get("monitors")
    return upstreams.get("web")


def build_app(upstreams: dict[str, str]) -> web.Application:
    app = web.Application(client_max_size=2 * 1024 * 1024)

    async def on_startup(app: web.Application) -> None:
        app["client"] = ClientSession(timeout=ClientTimeout(total=60), auto_decompress=False)

    async def on_cleanup(app: web.Application) -> None:
        await app["client"].close()

    async def proxy(request: web.Request) -> web.StreamResponse:
        upstream = pick_upstream(request.path, upstreams)
        if upstream is None:
            return web.json_response({"detail": "the dashboard is not part of this build yet; the API is at "
                                                "/api/docs"}, status=404)
        headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP)
        headers["X-Forwarded-For"] = request.remote or ""
        headers["X-Forwarded-Proto"] = request.scheme
        headers["X-Forwarded-Host"] = request.host
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"detail": "the request body is too large"}, status=413)
        try:
            async with app["client"].request(
                request.method, upstream + request.rel_url.path_qs, headers=headers,
                data=body, allow_redirects=False,
            ) as answer:
                response = web.Response(status=answer.status, body=await answer.read())
                for key, value in answer.headers.items():
                    if key.lower() not in HOP_BY_HOP:
                        response.headers.add(key, value)
                return response
        except (client_exceptions.ClientError, TimeoutError):
            return web.json_response({"detail": "service unavailable"}, status=503)

    app.router.add_route("*", r"/{tail:[\s\S]*}", proxy)  # every path, a newline in it too (`.` stops there)
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--upstreams", required=True, help='JSON: {"auth": "http://127.0.0.1:8101", ...}')
    args = parser.parse_args()
    web.run_app(build_app(json.loads(args.upstreams)), host="127.0.0.1", port=args.port, access_log=None,
                print=lambda *_: None)


if __name__ == "__main__":
    main()
