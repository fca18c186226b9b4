"""A failed statement's error (what a traceback in a log shows) never carries the statement's values."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from uptick_common.db.engine import create_engine


async def test_a_failed_statement_does_not_show_its_parameters(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            with pytest.raises(DBAPIError) as caught:
                await conn.execute(text("SELECT CAST(:key AS text), 1 / 0"), {"key": "sk_live_secret"})
    finally:
        await engine.dispose()
    shown = str(caught.value)
    assert "division by zero" in shown and "sk_live_secret" not in shown  # SQLAlchemy would add [parameters: …]
    assert "hidden due to hide_parameters" in shown
