"""CSRF: a change made with the session cookie must come from Uptick's own origin.

Chosen over a double-submit token: browsers themselves say where a request comes from (`Sec-Fetch-Site`
in every current browser, `Origin` on every cross-origin and every non-GET request), a page cannot forge
either, and checking them needs no token to issue, store, rotate or share between services, nor any code
in the dashboard. A cookie-carried change without either header is refused: browsers always send one, and
scripts should use `Authorization: Bearer`, which CSRF cannot abuse (a page cannot make a browser send it).
The cookie is also `SameSite=Lax`: a second wall, not the only one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import HTTPException, Request, status

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_same_origin(request: Request) -> None:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site != "same-origin":
            raise _refused(f"a {site} request cannot change anything with the session cookie")
        return
    origin = request.headers.get("origin")
    if origin is None:
        raise _refused("a change made with the session cookie needs an Origin header; "
                       "clients other than browsers authenticate with Authorization: Bearer")
    if origin.rstrip("/").lower() not in own_origins(request):
        raise _refused("a cross-origin request cannot change anything with the session cookie")


def check_not_cross_site(request: Request) -> None:
    """For requests that set or clear the session cookie without carrying it (log-in, log-out): refused when
    the browser says another site sent them, so that no page can log a visitor into the page's own account.
    Clients that send neither header (scripts) are not browsers and pass."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise _refused(f"a {site} request cannot log in or out")
    origin = request.headers.get("origin")
    if site is None and origin is not None and origin.rstrip("/").lower() not in own_origins(request):
        raise _refused("a cross-origin request cannot log in or out")


def own_origins(request: Request) -> set[str]:
    """Uptick's public origin, and the one this request was addressed to (through the router or Ingress,
    which name it in X-Forwarded-Host: a page cannot set that header on a cross-origin request)."""
    public = urlsplit(request.app.state.settings.public_url)
    host = request.headers.get("x-forwarded-host") or request.headers.get("host", "")
    scheme = request.headers.get("x-forwarded-proto") or request.url.scheme
    return {f"{public.scheme}://{public.netloc}".lower(), f"{scheme}://{host}".lower()}


def _refused(message: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, message)
