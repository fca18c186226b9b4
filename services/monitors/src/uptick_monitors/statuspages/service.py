"""Status pages of one organization: create, read, change, delete. Raises domain errors; the router maps them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from uptick_common import audit
from uptick_common.access import Member
from uptick_common.db.models import Monitor, StatusPage, StatusPageMonitor
from uptick_monitors.statuspages.schemas import (
    MAX_MONITORS,
    PageGroup,
    PageMonitor,
    StatusPageCreate,
    StatusPageOut,
    StatusPageUpdate,
)


class NotFound(Exception):
    pass


class Invalid(Exception):
    """Input the schema let through that the page's context refuses; `field` names where it was."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


SLUG_TAKEN = "this slug is taken: choose another"


def public_path(slug: str) -> str:
    return f"/status/{slug}"


def _out(page: StatusPage, rows: list[StatusPageMonitor]) -> StatusPageOut:
    groups: list[PageGroup] = []
    for row in rows:
        if not groups or groups[-1].name != row.group_name:
            groups.append(PageGroup(name=row.group_name, monitors=[]))
        groups[-1].monitors.append(PageMonitor(monitor_id=row.monitor_id, show_url=row.show_url))
    return StatusPageOut(id=page.id, slug=page.slug, title=page.title, description=page.description, groups=groups,
                         monitor_ids=[row.monitor_id for row in rows], public_url=public_path(page.slug),
                         created_at=page.created_at, updated_at=page.updated_at)


async def _members(session: AsyncSession, page_ids: list[int]) -> dict[int, list[StatusPageMonitor]]:
    rows = (await session.scalars(select(StatusPageMonitor).where(StatusPageMonitor.page_id.in_(page_ids))
                                  .order_by(StatusPageMonitor.page_id, StatusPageMonitor.position))).all()
    found: dict[int, list[StatusPageMonitor]] = {}
    for row in rows:
        found.setdefault(row.page_id, []).append(row)
    return found


async def list_page(*, session: AsyncSession, org_id: int, limit: int,
                    after_id: int | None) -> tuple[list[StatusPageOut], int | None]:
    query = select(StatusPage).where(StatusPage.org_id == org_id).order_by(StatusPage.id).limit(limit + 1)
    if after_id is not None:
        query = query.where(StatusPage.id > after_id)
    pages = (await session.scalars(query)).all()
    shown = list(pages[:limit])
    members = await _members(session, [p.id for p in shown])
    items = [_out(page, members.get(page.id, [])) for page in shown]
    return items, (items[-1].id if len(pages) > limit else None)


async def _owned(session: AsyncSession, org_id: int, page_id: int, *, lock: bool = False) -> StatusPage:
    query = select(StatusPage).where(StatusPage.id == page_id, StatusPage.org_id == org_id)
    page = await session.scalar(query.with_for_update() if lock else query)
    if page is None:
        raise NotFound
    return page


async def get(*, session: AsyncSession, org_id: int, page_id: int) -> StatusPageOut:
    page = await _owned(session, org_id, page_id)
    return _out(page, (await _members(session, [page.id])).get(page.id, []))


async def _check_monitors(session: AsyncSession, org_id: int, groups: list[PageGroup]) -> list[StatusPageMonitor]:
    """The page's rows: every monitor once, each of the organization's (another's is as unknown as none)."""
    wanted = [m.monitor_id for group in groups for m in group.monitors]
    if len(wanted) > MAX_MONITORS:
        raise Invalid("groups", f"a page shows at most {MAX_MONITORS} monitors")
    if repeated := sorted({m for m in wanted if wanted.count(m) > 1}):
        raise Invalid("groups", f"monitor {', '.join(map(str, repeated))} is on the page more than once")
    names = [group.name for group in groups if group.name is not None]
    if len(names) != len(set(names)):
        raise Invalid("groups", "two groups have the same name")
    known = set((await session.scalars(select(Monitor.id).where(Monitor.org_id == org_id,
                                                                Monitor.id.in_(wanted)))).all()) if wanted else set()
    if unknown := [m for m in wanted if m not in known]:
        raise Invalid("groups", f"no monitor {', '.join(map(str, unknown))} in this organization")
    rows, position = [], 0
    for group in groups:
        for member in group.monitors:
            rows.append(StatusPageMonitor(monitor_id=member.monitor_id, position=position, group_name=group.name,
                                          show_url=member.show_url))
            position += 1
    return rows


async def _slug_free(session: AsyncSession, slug: str, page_id: int | None) -> None:
    taken = await session.scalar(select(StatusPage.id).where(StatusPage.slug == slug))
    if taken is not None and taken != page_id:
        raise Invalid("slug", SLUG_TAKEN)


async def _commit(session: AsyncSession) -> None:
    """Two pages claiming one slug at once: the unique index refuses the second, as the check would have."""
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Invalid("slug", SLUG_TAKEN) from exc


async def create(*, session: AsyncSession, actor: Member, data: StatusPageCreate) -> StatusPageOut:
    rows = await _check_monitors(session, actor.org_id, data.membership() or [])
    await _slug_free(session, data.slug, None)
    page = StatusPage(org_id=actor.org_id, slug=data.slug, title=data.title, description=data.description or None)
    session.add(page)
    await session.flush()
    for row in rows:
        row.page_id = page.id
    session.add_all(rows)
    audit.record(session, actor, "status_page.created", "status_page", page.id, slug=page.slug)
    page_id = page.id
    await _commit(session)
    return await get(session=session, org_id=actor.org_id, page_id=page_id)


async def update(*, session: AsyncSession, actor: Member, page_id: int, data: StatusPageUpdate) -> StatusPageOut:
    page = await _owned(session, actor.org_id, page_id, lock=True)
    changes = data.model_dump(exclude_unset=True, exclude={"monitor_ids", "groups"})
    for field in ("slug", "title"):
        if field in changes and changes[field] is None:
            raise Invalid(field, f"{field} cannot be null")
    if "slug" in changes:
        await _slug_free(session, changes["slug"], page.id)
    groups = data.membership()
    if groups is not None:
        rows = await _check_monitors(session, actor.org_id, groups)
        await session.execute(delete(StatusPageMonitor).where(StatusPageMonitor.page_id == page.id))
        for row in rows:
            row.page_id = page.id
        session.add_all(rows)
        changes["monitors"] = True
    for field in ("slug", "title", "description"):
        if field in changes:
            setattr(page, field, changes[field] or None if field == "description" else changes[field])
    page.updated_at = datetime.now(UTC)  # snapshots built before are out of date
    audit.record(session, actor, "status_page.updated", "status_page", page.id, fields=sorted(changes))
    await _commit(session)
    return await get(session=session, org_id=actor.org_id, page_id=page_id)


async def remove(*, session: AsyncSession, actor: Member, page_id: int) -> None:
    page = await _owned(session, actor.org_id, page_id, lock=True)
    await session.delete(page)
    audit.record(session, actor, "status_page.deleted", "status_page", page_id, slug=page.slug)
    await session.commit()
