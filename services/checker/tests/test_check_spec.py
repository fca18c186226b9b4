"""A monitor's check definition, through real HTTP(S) servers: request options, assertions, phases."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web

from uptick_common.checks import CheckSpec
from uptick_devstack.certs import CertAuthority

Seen = list[dict[str, object]]


def spec(**fields: object) -> CheckSpec:
    return CheckSpec.model_validate(fields)


@pytest.fixture
async def site(serve) -> Callable[..., Awaitable[tuple[str, Seen]]]:
    """`await site(host=…, ssl_context=…)` → (base URL, the requests it received) of an app with:
    /echo (any method: answers what it got as JSON), /status/<n>, /json?body=…, /slow?ms=…, /redirect/<n>?to=…"""

    async def make(host: str = "127.0.0.1", ssl_context=None) -> tuple[str, Seen]:
        seen: Seen = []

        async def echo(request: web.Request) -> web.Response:
            body = await request.text()
            seen.append({"method": request.method, "path": request.path, "headers": dict(request.headers),
                         "body": body})
            if request.method == "HEAD":
                return web.Response(headers={"X-Echo": "head", "Content-Length": str(50 << 20)})
            return web.json_response({"method": request.method, "body": body,
                                      "token": request.headers.get("X-Token")}, headers={"X-Echo": "yes"})

        async def status(request: web.Request) -> web.Response:
            seen.append({"path": request.path})
            return web.Response(status=int(request.match_info["code"]), text="status")

        async def json_body(request: web.Request) -> web.Response:
            return web.Response(text=request.query["body"], content_type="application/json")

        async def slow(request: web.Request) -> web.Response:
            await asyncio.sleep(int(request.query["ms"]) / 1000)
            return web.Response(text="late")

        async def redirect_with(request: web.Request) -> web.Response:
            seen.append({"method": request.method, "path": request.path, "headers": dict(request.headers)})
            return web.Response(status=int(request.match_info["code"]), headers={"Location": request.query["to"]})

        app = web.Application()
        app.router.add_route("*", "/echo", echo)
        app.router.add_get("/status/{code}", status)
        app.router.add_get("/json", json_body)
        app.router.add_get("/slow", slow)
        app.router.add_route("*", "/redirect/{code}", redirect_with)
        return await serve(app, host=host, ssl_context=ssl_context), seen

    return make


async def test_method_headers_and_body_are_sent(checker, site) -> None:
    base, seen = await site()
    outcome = await checker.check(f"{base}/echo", 5, spec(
        method="POST", headers={"X-Token": "s3cret", "Content-Type": "application/json"}, body='{"ping": 1}',
        assertions=["[BODY].method == POST", "[BODY].token == s3cret", '[BODY].body == "{\\"ping\\": 1}"']))
    assert (outcome.status, outcome.error) == ("up", None), outcome
    assert seen[0]["method"] == "POST" and seen[0]["body"] == '{"ping": 1}'
    assert seen[0]["headers"]["Content-Type"] == "application/json"  # type: ignore[index]


async def test_a_head_check_reads_no_body(checker, site) -> None:
    base, seen = await site()
    outcome = await checker.check(f"{base}/echo", 5, spec(method="HEAD", assertions=["[HEADER].x-echo == head"]))
    assert (outcome.status, outcome.http_status, outcome.error) == ("up", 200, None)
    assert seen[0]["method"] == "HEAD"


async def test_expected_status_codes_and_ranges(checker, site) -> None:
    base, _ = await site()
    assert (await checker.check(f"{base}/status/503", 5, spec(expected_status=["500-599"]))).status == "up"
    outcome = await checker.check(f"{base}/status/204", 5, spec(expected_status=[200, "300-399"]))
    assert (outcome.status, outcome.error) == ("down", "HTTP 204 (expected 200, 300-399)")
    outcome = await checker.check(f"{base}/status/404", 5)
    assert (outcome.status, outcome.error) == ("down", "HTTP 404")  # the default range says it as before


async def test_redirects_not_followed_when_switched_off(checker, site) -> None:
    base, seen = await site()
    target = f"{base}/redirect/302?to=/status/500"
    outcome = await checker.check(target, 5, spec(follow_redirects=False, assertions=["[STATUS] == 302"]))
    assert (outcome.status, outcome.http_status) == ("up", 302)
    assert [s["path"] for s in seen] == ["/redirect/302"]
    outcome = await checker.check(target, 5)
    assert (outcome.status, outcome.http_status) == ("down", 500)


async def test_redirects_change_the_method_as_browsers_do(checker, site) -> None:
    base, seen = await site()
    await checker.check(f"{base}/redirect/303?to=/echo", 5, spec(method="POST", body="x"))
    await checker.check(f"{base}/redirect/307?to=/echo", 5, spec(method="POST", body="x"))
    echoed = [(s["method"], s["body"]) for s in seen if s["path"] == "/echo"]
    assert echoed == [("GET", ""), ("POST", "x")]


async def test_request_headers_follow_redirects_only_on_the_same_host(checker, site) -> None:
    base, seen = await site()
    other_base, other_seen = await site(host="127.0.0.2")
    headers = {"X-Token": "s3cret"}
    await checker.check(f"{base}/redirect/302?to=/echo", 5, spec(headers=headers))
    await checker.check(f"{base}/redirect/302?to={other_base}/echo", 5, spec(headers=headers))
    assert [s["headers"].get("X-Token") for s in seen] == ["s3cret", "s3cret", "s3cret"]  # type: ignore[union-attr]
    assert other_seen[0]["headers"].get("X-Token") is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("assertion", "error"),
    [
        ("[STATUS] == 200", None),
        ("[STATUS] == any(201-299)", "assertion failed: [STATUS] == any(201-299) (got 200)"),
        ("[BODY].status == UP", None),
        ("[BODY].status == DOWN", 'assertion failed: [BODY].status == DOWN (got "UP")'),
        ("[BODY].checks[1].ms < 100", None),
        ("[BODY].checks[1].ms > 100", "assertion failed: [BODY].checks[1].ms > 100 (got 12)"),
        ("[BODY].checks[9].ms > 100", "assertion failed: [BODY].checks[9].ms > 100 (got nothing at that path)"),
        ("has([BODY].error) == false", None),
        ("[HEADER].Content-Type contains json", None),
        ("[HEADER].Content-Type == text/html", 'assertion failed: [HEADER].Content-Type == text/html '
                                                '(got "application/json; charset=utf-8")'),
        ("[CERTIFICATE_EXPIRATION] > 1d", "assertion failed: [CERTIFICATE_EXPIRATION] > 1d (got no TLS certificate)"),
    ],
)
async def test_each_assertion_passes_or_fails_with_its_reason(checker, site, assertion: str, error: str) -> None:
    base, _ = await site()
    body = json.dumps({"status": "UP", "checks": [{"ms": 3}, {"ms": 12}]})
    outcome = await checker.check(f"{base}/json?body={body}", 5, spec(assertions=[assertion]))
    assert (outcome.status, outcome.error) == ("up" if error is None else "down", error)
    assert outcome.assertions is not None and outcome.assertions[0].passed is (error is None)


async def test_a_keyword_is_found_in_a_large_body_across_chunks(checker, serve) -> None:
    filler = b"x" * 300_000

    async def big(_: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(_)
        for piece in (filler, b"...sta", b"tus: all gooo", b"d...", filler):  # the keyword spans three writes
            await response.write(piece)
            await asyncio.sleep(0.01)
        return response

    app = web.Application()
    app.router.add_get("/big", big)
    base = await serve(app)
    outcome = await checker.check(f"{base}/big", 5, spec(assertions=["[BODY] contains status: all gooo d",
                                                                     "[BODY] !contains error"]))
    assert outcome.error == 'assertion failed: [BODY] contains "status: all gooo d" (got no match)'
    outcome = await checker.check(f"{base}/big", 5, spec(assertions=["[BODY] contains status: all goood",
                                                                     "[BODY] !contains error"]))
    assert (outcome.status, outcome.error) == ("up", None)
    assert [(r.assertion, r.passed) for r in outcome.assertions or []] == [
        ('[BODY] contains "status: all goood"', True), ("[BODY] !contains error", True)]


async def test_a_response_time_bound(checker, site) -> None:
    base, _ = await site()
    outcome = await checker.check(f"{base}/slow?ms=150", 5, spec(assertions=["[RESPONSE_TIME] < 100"]))
    assert outcome.status == "down" and outcome.error is not None
    assert outcome.error.startswith("assertion failed: [RESPONSE_TIME] < 100 (got ") and outcome.latency_ms >= 150
    assert (await checker.check(f"{base}/slow?ms=0", 5, spec(assertions=["[RESPONSE_TIME] < 2000"]))).status == "up"


async def test_certificate_days_left_and_tls_verification(checker, site, ca: CertAuthority) -> None:
    near, _ = await site(ssl_context=ca.server_context(valid_days=5))
    assert (await checker.check(f"{near}/echo", 5, spec(assertions=["[CERTIFICATE_EXPIRATION] > 3d"]))).status == "up"
    outcome = await checker.check(f"{near}/echo", 5, spec(assertions=["[CERTIFICATE_EXPIRATION] > 720h"]))
    assert outcome.error == "assertion failed: [CERTIFICATE_EXPIRATION] > 30d (got 5.0d)"

    self_signed, _ = await site(ssl_context=ca.server_context(self_signed=True))
    outcome = await checker.check(f"{self_signed}/echo", 5)
    assert outcome.status == "down" and "self-signed certificate" in (outcome.error or "")
    outcome = await checker.check(f"{self_signed}/echo", 5, spec(verify_tls=False))
    assert (outcome.status, outcome.error) == ("up", None)


async def test_phases_add_up(checker, site, ca: CertAuthority) -> None:
    base, _ = await site()
    outcome = await checker.check(f"{base}/slow?ms=50", 5)
    phases = outcome.phases
    assert phases is not None and phases.dns_ms is None and phases.tls_ms is None  # an IP address, plain HTTP
    assert phases.connect_ms is not None and phases.ttfb_ms is not None
    assert outcome.latency_ms >= phases.ttfb_ms >= 50 and phases.ttfb_ms >= phases.connect_ms >= 0

    secure, _ = await site(ssl_context=ca.server_context())
    port = secure.rsplit(":", 1)[1]
    outcome = await checker.check(f"https://localhost:{port}/slow?ms=20", 5)
    assert outcome.status == "up", outcome
    phases = outcome.phases
    assert phases is not None and None not in (phases.dns_ms, phases.connect_ms, phases.tls_ms, phases.ttfb_ms)
    assert outcome.latency_ms >= phases.ttfb_ms >= phases.dns_ms + phases.connect_ms + phases.tls_ms  # type: ignore[operator]
    assert phases.tls_ms > 0  # type: ignore[operator]


async def test_a_refused_connection_has_no_assertions_and_partial_phases(checker, unused_tcp_port: int) -> None:
    outcome = await checker.check(f"http://127.0.0.1:{unused_tcp_port}/", 5, spec(assertions=["[STATUS] == 200"]))
    assert (outcome.status, outcome.error, outcome.assertions) == ("down", "connection refused", None)
    assert outcome.phases is not None and outcome.phases.ttfb_ms is None


@pytest.fixture
def unused_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
