"""One check against real servers: what the result says for each way a target can behave."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time

from aiohttp import web

from uptick_checker.http_check import MAX_REDIRECTS
from uptick_checker.urls import display_url
from uptick_common.checks import CheckSpec


def app_with(**routes: web.RequestHandler) -> web.Application:  # type: ignore[type-arg]
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get("/" + path.replace("_", "-"), handler)
    return app


async def ok(_: web.Request) -> web.Response:
    return web.Response(text="all good")


async def test_up_on_200(serve, open_checker) -> None:
    base = await serve(app_with(health=ok))
    outcome = await (await open_checker()).check(f"{base}/health", 5)
    assert (outcome.status, outcome.http_status, outcome.error) == ("up", 200, None)
    assert outcome.latency_ms >= 0


async def test_down_with_the_status_on_500_and_404(serve, open_checker) -> None:
    async def broken(_: web.Request) -> web.Response:
        return web.Response(status=500, text="oops")

    base = await serve(app_with(broken=broken))
    checker = await open_checker()
    outcome = await checker.check(f"{base}/broken", 5)
    assert (outcome.status, outcome.http_status, outcome.error) == ("down", 500, "HTTP 500")
    outcome = await checker.check(f"{base}/missing", 5)
    assert (outcome.status, outcome.http_status, outcome.error) == ("down", 404, "HTTP 404")


async def test_redirects_are_followed_to_the_final_status(serve, open_checker) -> None:
    async def moved(_: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/found")

    async def found(_: web.Request) -> web.Response:
        raise web.HTTPFound("/health")

    base = await serve(app_with(moved=moved, found=found, health=ok))
    outcome = await (await open_checker()).check(f"{base}/moved", 5)
    assert (outcome.status, outcome.http_status) == ("up", 200)


async def test_cookies_set_while_redirecting_are_sent_on_the_next_hop(serve, open_checker) -> None:
    async def gate(request: web.Request) -> web.Response:
        if request.cookies.get("seen") == "yes":
            return web.Response(text="welcome")
        response = web.HTTPFound("/gate")
        response.set_cookie("seen", "yes")
        raise response

    base = await serve(app_with(gate=gate))
    outcome = await (await open_checker()).check(f"{base}/gate", 5)
    assert (outcome.status, outcome.http_status) == ("up", 200)


async def test_redirect_loop_is_down_after_bounded_hops(serve, open_checker) -> None:
    hits = 0

    async def loop(_: web.Request) -> web.Response:
        nonlocal hits
        hits += 1
        raise web.HTTPFound("/loop")

    base = await serve(app_with(loop=loop))
    outcome = await (await open_checker()).check(f"{base}/loop", 5)
    assert (outcome.status, outcome.error) == ("down", "too many redirects")
    assert hits == MAX_REDIRECTS + 1


async def test_connection_refused(open_checker) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome = await (await open_checker()).check(f"http://127.0.0.1:{port}/", 5)
    assert (outcome.status, outcome.http_status, outcome.error) == ("down", None, "connection refused")


async def test_a_server_that_never_answers_times_out_within_the_deadline(raw_server, open_checker) -> None:
    silent = await raw_server()  # accepts, then says nothing
    started = time.monotonic()
    outcome = await (await open_checker()).check(f"http://127.0.0.1:{silent.port}/", 0.5)
    elapsed = time.monotonic() - started
    assert (outcome.status, outcome.error) == ("down", "timeout after 0.5s")
    assert silent.accepted == 1
    assert 0.5 <= elapsed < 2.0  # the deadline holds, whatever the target does
    assert outcome.latency_ms >= 500


async def test_a_body_that_trickles_counts_against_the_same_deadline(raw_server, open_checker) -> None:
    async def trickle(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        while True:
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.05)

    server = await raw_server(trickle)
    outcome = await (await open_checker()).check(f"http://127.0.0.1:{server.port}/", 0.5)
    assert (outcome.status, outcome.error) == ("down", "timeout after 0.5s")


async def test_a_body_without_end_is_read_only_up_to_the_limit_and_is_down(raw_server, open_checker) -> None:
    async def endless(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
        while True:
            writer.write(chunk)
            await writer.drain()

    server = await raw_server(endless)
    outcome = await (await open_checker(max_body_bytes=256 * 1024)).check(f"http://127.0.0.1:{server.port}/", 5)
    assert (outcome.status, outcome.http_status, outcome.error) == ("down", 200, "response body larger than 256 KiB")


async def test_a_malformed_response_is_down_with_a_reason(raw_server, open_checker) -> None:
    async def garbage(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SMTP ready, not HTTP\r\n\r\n")
        await writer.drain()

    server = await raw_server(garbage)
    outcome = await (await open_checker()).check(f"http://127.0.0.1:{server.port}/", 5)
    assert outcome.status == "down"
    assert outcome.error is not None and outcome.error.startswith("invalid HTTP response: ")


async def test_a_connection_closed_without_a_response(raw_server, open_checker) -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    async def reset(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()  # the request is left unread: the kernel answers with a reset

    checker = await open_checker()
    closed, resetting = await raw_server(hang_up), await raw_server(reset)
    outcome = await checker.check(f"http://127.0.0.1:{closed.port}/", 5)
    assert (outcome.status, outcome.error) == ("down", "server closed the connection without a complete response")
    outcome = await checker.check(f"http://127.0.0.1:{resetting.port}/", 5)
    assert outcome.status == "down"
    assert outcome.error in ("connection reset by peer", "server closed the connection without a complete response")


async def test_untrusted_certificate_is_down(serve, open_checker, self_signed_tls: ssl.SSLContext) -> None:
    base = await serve(app_with(health=ok), ssl_context=self_signed_tls)
    outcome = await (await open_checker()).check(f"{base}/health", 5)
    assert (outcome.status, outcome.http_status) == ("down", None)
    assert outcome.error == "TLS certificate verify failed: self-signed certificate"


async def test_dns_failure_is_down(open_checker) -> None:
    outcome = await (await open_checker()).check("http://" + "a" * 64 + ".example/", 5)  # no valid name
    assert outcome.status == "down"
    assert outcome.error is not None and outcome.error.startswith("DNS lookup failed")


async def test_urls_that_cannot_be_checked(open_checker) -> None:
    checker = await open_checker()
    assert (await checker.check("ftp://example.com/file", 5)).error == "unsupported URL scheme 'ftp'"
    assert (await checker.check("not a url", 5)).error == "invalid URL"


def test_log_lines_show_no_credentials_and_no_query() -> None:
    shown = display_url("https://user:secret@example.com:8443/status?token=abc#frag")
    assert shown == "https://example.com:8443/status"
    assert display_url("http://example.com/a/b?key=1") == "http://example.com/a/b"
    assert display_url("http://[::1]:8080/x?y=z") == "http://[::1]:8080/x"
    assert display_url("not a url") == "(invalid URL)"


async def test_a_users_headers_follow_redirects_to_the_same_origin_only(serve, open_checker,
                                                                        self_signed_tls) -> None:
    seen: list[str | None] = []

    async def echo(request: web.Request) -> web.Response:
        seen.append(request.headers.get("X-Api-Key"))
        return web.Response(text="ok")

    elsewhere = await serve(app_with(echo=echo))  # the same host, another port

    async def here(_: web.Request) -> web.Response:
        raise web.HTTPFound("/echo")

    async def away(_: web.Request) -> web.Response:
        raise web.HTTPFound(f"{elsewhere}/echo")

    plain = await serve(app_with(here=here, away=away, echo=echo))
    secure = await serve(app_with(away=away), ssl_context=self_signed_tls)
    spec = CheckSpec.model_validate({"headers": {"X-Api-Key": "secret"}, "verify_tls": False})
    checker = await open_checker()
    for url in (f"{plain}/here", f"{plain}/away", f"{secure}/away"):  # same origin; another port; https → http
        outcome = await checker.check(url, 5, spec)
        assert outcome.status == "up", outcome.error
    assert seen == ["secret", None, None]
