"""How a member joins a team in these tests (until invitations land: a membership row, as accepting leaves it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text


async def join(api: Any, org_id: int, owner: dict[str, str], email: str, user: dict[str, str], role: str) -> None:  # noqa: ANN401
    from uptick_auth.main import app

    async with app.state.sessions() as session:
        await session.execute(text("INSERT INTO memberships (org_id, user_id, role)"
                                   " SELECT :o, id, :r FROM users WHERE email = :e"),
                              {"o": org_id, "r": role, "e": email})
        await session.commit()
