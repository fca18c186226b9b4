"""Whatever bytes a target sends, its check ends in a stored tick: a property of the checker's whole path.

Hypothesis makes the target's answer (a status line, headers, a body, JSON with any code points, lone
surrogates and NUL included); a raw TCP server on 127.0.0.1 sends it; the real HttpChecker checks it with
assertions that fail and so quote what the target sent; the result goes through its stream encoding and
ingest's real write into Postgres. Every example must end as one `down` or `up` tick whose reason and
assertions are stored. The seed is fixed, so a run is repeatable.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from uptick_checker.http_check import HttpChecker
from uptick_checker.outcome import result_of
from uptick_common.checks import CheckSpec
from uptick_common.netguard import parse_networks
from uptick_common.streams import CheckJob, CheckResult, job_id
from uptick_devstack.fixtures import add_monitor, add_user
from uptick_ingest.store import write_batch

EXAMPLES = 150
SPEC = CheckSpec.model_validate({"assertions": [
    "[BODY].v == never", "[HEADER].X-V == never", "[BODY].items[0] == never", "[STATUS] == 299",
]})

# Any code point, lone surrogates included (hypothesis' text() leaves those out).
CHARACTER = st.one_of(st.characters(codec=None), st.integers(0xD800, 0xDFFF).map(chr), st.sampled_from("\x00\"\\"))
ANY_TEXT = st.text(CHARACTER, max_size=40)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4), max_leaves=12)


@st.composite
def answers(draw: st.DrawFn) -> bytes:
    """What the target writes before it closes the connection."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=400))  # anything at all
    code = draw(st.integers(100, 999) | st.sampled_from([200, 204, 299, 301, 500]))
    reason = draw(st.binary(max_size=20).filter(lambda b: b"\r" not in b and b"\n" not in b))
    headers = draw(st.lists(st.tuples(st.sampled_from([b"X-V", b"Content-Type", b"Content-Encoding", b"X-Other"])
                                      | st.binary(min_size=1, max_size=10),
                                      st.binary(max_size=40)), max_size=5))
    if draw(st.booleans()):
        document = {"v": draw(JSON_VALUE), "items": draw(st.lists(JSON_VALUE, max_size=3))}
        body = json.dumps(document, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
        headers.append((b"Content-Type", b"application/json"))
    else:
        body = draw(st.binary(max_size=300))
    if draw(st.booleans()):
        headers.append((b"Content-Length", str(len(body) + draw(st.integers(-5, 5))).encode()))
    head = b"HTTP/1.1 %d " % code + reason + b"\r\n" + b"".join(n + b": " + v + b"\r\n" for n, v in headers)
    return head + b"\r\n" + body


class Target:
    """Sends the current answer to each connection, after reading the request's head, then closes."""

    def __init__(self) -> None:
        self.answer = b""
        self.server: asyncio.Server | None = None

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
            writer.write(self.answer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            writer.close()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/"


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    server = Target()
    yield server
    if server.server is not None:
        server.server.close()
        await server.server.wait_closed()


@pytest.mark.timeout(600)
async def test_any_answer_becomes_a_stored_tick(engine: AsyncEngine, target: Target) -> None:
    url = await target.start()
    monitor = await add_monitor(engine, await add_user(engine, "t@example.com"), url, timeout=2, regions=("eu-west",))
    checker = await HttpChecker.open(allowed_networks=parse_networks("127.0.0.0/8"))
    loop = asyncio.get_running_loop()
    stored: list[tuple[str, str | None]] = []

    async def one(answer: bytes, n: int) -> None:
        target.answer = answer
        scheduled_ms = int(time.time() * 1000) + n
        job = CheckJob(job_id=job_id(monitor, "eu-west", scheduled_ms), monitor_id=monitor, region="eu-west",
                       scheduled_ms=scheduled_ms, url=url, timeout_seconds=2, spec=SPEC)
        outcome = await checker.check(job.url, job.timeout_seconds, job.spec)
        result = CheckResult.from_fields(result_of(job, outcome, scheduled_ms).fields())  # as the stream carries it
        async with engine.begin() as conn:
            assert (await write_batch(conn, [result])).stored == 1
            row = (await conn.execute(text(
                "SELECT status, error, assertions FROM ticks WHERE monitor_id = :m AND region = 'eu-west' "
                "AND scheduled_at = timestamptz 'epoch' + :ms * interval '1 ms'"), {"m": monitor, "ms": scheduled_ms}
            )).one()
        assert row.status == result.status
        assert row.status == "down" and row.error  # [STATUS] == 299 fails or the answer is broken: never up
        stored.append((row.status, row.error))

    counter = iter(range(10**6))

    @seed(20261203)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(answers())
    def prop(answer: bytes) -> None:
        asyncio.run_coroutine_threadsafe(one(answer, next(counter)), loop).result(timeout=30)

    try:
        await asyncio.to_thread(prop)
    finally:
        await checker.close()
    assert len(stored) >= EXAMPLES
    assert any("assertion failed" in error for _, error in stored)  # answers that parsed were judged too
