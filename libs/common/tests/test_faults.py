"""Which faults are waited out and which dead-letter a message, told from the errors real servers raise."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from uptick_common.db.engine import create_engine
from uptick_common.faults import is_permanent, is_retryable, reason
from uptick_common.streams import CheckResult
from uptick_devstack.infra import free_port


async def _raised(engine: AsyncEngine, statement: str) -> BaseException:
    with pytest.raises(Exception) as caught:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    return caught.value


async def test_postgres_away_is_retryable_and_a_value_it_rejects_is_permanent(engine: AsyncEngine) -> None:
    away = create_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/uptick", pool_size=1)
    try:
        refused = await _raised(away, "SELECT 1")
    finally:
        await away.dispose()
    assert is_retryable(refused) and not is_permanent(refused)

    for rejected in ("SELECT timestamptz 'epoch' + 1e17 * interval '1 ms'",  # out of range
                     "SELECT 'x' || chr(0)",  # no NUL in text
                     "SELECT CAST('not a number' AS int)"):
        exc = await _raised(engine, rejected)
        assert is_permanent(exc) and not is_retryable(exc), rejected
        assert "SELECT" not in reason(exc)  # the reason names the fault, not the statement

    bug = await _raised(engine, "SELECT * FROM no_such_table")  # neither: a bug ends the worker visibly
    assert not is_retryable(bug) and not is_permanent(bug)


async def test_redis_away_is_retryable_and_a_message_that_does_not_parse_is_permanent() -> None:
    client = aioredis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(Exception) as caught:
        await client.ping()
    await client.aclose()
    assert is_retryable(caught.value)

    with pytest.raises(Exception) as malformed:
        CheckResult.from_fields({b"data": b'{"job_id": 1}'})
    assert is_permanent(malformed.value) and not is_retryable(malformed.value)
    assert "job_id" in reason(malformed.value)
