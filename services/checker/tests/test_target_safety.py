"""A check never reaches an address that is not allowed: not by name, not by IP literal in any spelling,
not by redirect. The canary counts accepted connections: a refused address receives no packet."""

from __future__ import annotations

import pytest
from aiohttp import web


async def ok(_: web.Request) -> web.Response:
    return web.Response(text="ok")


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("127.0.0.1", "127.0.0.1 is not allowed (loopback)"),
        ("localhost", "is not allowed (loopback)"),
        ("2130706433", "127.0.0.1 is not allowed (loopback)"),
        ("0x7f.1", "127.0.0.1 is not allowed (loopback)"),
        ("0x7f000001", "127.0.0.1 is not allowed (loopback)"),
        ("017700000001", "127.0.0.1 is not allowed (loopback)"),
        ("127.1", "127.0.0.1 is not allowed (loopback)"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1 is not allowed (IPv4-mapped loopback)"),
    ],
)
async def test_loopback_is_refused_unless_allowed(raw_server, open_checker, host: str, shown: str) -> None:
    canary = await raw_server()
    outcome = await (await open_checker(allowed="")).check(f"http://{host}:{canary.port}/", 5)
    assert (outcome.status, outcome.http_status) == ("down", None)
    assert outcome.error is not None and outcome.error.startswith("target address ")
    assert outcome.error.endswith(shown)
    assert canary.accepted == 0


async def test_metadata_address_is_refused(open_checker) -> None:
    outcome = await (await open_checker()).check("http://169.254.169.254/latest/meta-data/", 5)
    assert outcome.error == "target address 169.254.169.254 is not allowed (link-local, cloud metadata)"


async def test_loopback_is_checked_when_allowed(serve, open_checker) -> None:
    base = await serve(web.Application())
    port = base.rsplit(":", 1)[1]
    checker = await open_checker(allowed="127.0.0.0/8")
    for url in (f"http://127.0.0.1:{port}/", f"http://localhost:{port}/"):
        outcome = await checker.check(url, 5)
        assert (outcome.status, outcome.http_status, outcome.error) == ("down", 404, "HTTP 404"), url


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("http://127.0.0.2:{port}/", "127.0.0.2 is not allowed (loopback)"),
        ("http://2130706434:{port}/", "127.0.0.2 is not allowed (loopback)"),
        ("http://0x7f000002:{port}/", "127.0.0.2 is not allowed (loopback)"),
        ("http://[::ffff:127.0.0.2]:{port}/", "::ffff:127.0.0.2 is not allowed (IPv4-mapped loopback)"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is not allowed (link-local, cloud metadata)"),
    ],
)
async def test_redirect_to_a_refused_address_is_refused_on_the_hop(
    serve, raw_server, open_checker, location: str, shown: str
) -> None:
    canary = await raw_server(host="127.0.0.2")

    async def bounce(_: web.Request) -> web.Response:
        raise web.HTTPFound(location.format(port=canary.port))

    app = web.Application()
    app.router.add_get("/start", bounce)
    base = await serve(app, host="127.0.0.1")
    outcome = await (await open_checker(allowed="127.0.0.1/32")).check(f"{base}/start", 5)
    assert (outcome.status, outcome.http_status) == ("down", None)
    assert outcome.error == f"target address {shown}"
    assert canary.accepted == 0


async def test_redirect_to_an_allowed_address_is_followed(serve, open_checker) -> None:
    target = web.Application()
    target.router.add_get("/", ok)
    second = await serve(target, host="127.0.0.2")

    async def bounce(_: web.Request) -> web.Response:
        raise web.HTTPFound(f"{second}/")

    app = web.Application()
    app.router.add_get("/start", bounce)
    first = await serve(app, host="127.0.0.1")
    outcome = await (await open_checker(allowed="127.0.0.0/8")).check(f"{first}/start", 5)
    assert (outcome.status, outcome.http_status) == ("up", 200)
