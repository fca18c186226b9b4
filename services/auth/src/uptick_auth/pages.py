"""Keyset pagination of the account lists: `{"items", "next_cursor"}` over a bigint id, newest or oldest first."""

from __future__ import annotations

from typing import Annotated, Any, TypeVarTuple

from fastapi import Query
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from uptick_common.api import id_cursor

Limit = Annotated[int, Query(ge=1, le=500)]
Row = TypeVarTuple("Row")


def after(query: Select[*Row], id_column: InstrumentedAttribute[int], cursor: str | None, limit: int, *,
          newest_first: bool = False) -> Select[*Row]:
    """`query` limited to the page after `cursor` (one row more, so that the caller knows if another follows)."""
    if (after_id := id_cursor(cursor)) is not None:
        query = query.where(id_column < after_id if newest_first else id_column > after_id)
    return query.order_by(id_column.desc() if newest_first else id_column).limit(limit + 1)


def page(items: list[Any], limit: int, id_of: Any = lambda item: item.id) -> dict[str, Any]:  # noqa: ANN401
    shown = items[:limit]
    return {"items": shown, "next_cursor": str(id_of(shown[-1])) if len(items) > limit else None}
