"""Status pages are served from snapshots: rendered once per change, then a lookup per visitor.

Each replica keeps the snapshots its visitors asked for in memory, and asks Postgres at most once a second per
page whether the page is still current: one indexed query of its *fingerprint* (the page's configuration time,
each of its monitors' state, pause and change time, each region's up/down, its incidents' latest changes, its
organization's maintenance windows). A
different fingerprint means a state change: the replica takes the snapshot another replica may have stored
already (`status_page_snapshots`, shared by every replica, kept across restarts) or builds and stores it.
A snapshot is also rebuilt when it is older than REBUILD_SECONDS, so that its "as of" time and today's bar move
on. So a monitor going down shows within about a second on every replica, and a popular page costs a dict
lookup per request plus one small query per second.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from uptick_common.db.models import StatusPageSnapshot
from uptick_monitors.statuspages import content, render
from uptick_monitors.statuspages.schemas import SLUG_PATTERN

CHECK_SECONDS = 1.0
REBUILD_SECONDS = 30.0
MISSES_KEPT = 10_000  # unknown slugs remembered (for CHECK_SECONDS each), so that guessing costs no query each
KINDS = {"html": "text/html; charset=utf-8", "json": "application/json", "atom": "application/atom+xml"}
log = structlog.get_logger(__name__)
_SLUG = re.compile(SLUG_PATTERN)

_FINGERPRINT = text("""
SELECT p.id, md5(concat_ws('|', p.updated_at::text,
  (SELECT string_agg(concat_ws(',', m.id, m.paused, m.updated_at, s.status, s.status_changed_at,
                               (SELECT string_agg(r.key || ':' || (r.value ->> 'status'), ' ' ORDER BY r.key)
                                FROM jsonb_each(s.regions) r)), ';' ORDER BY pm.position)
   FROM status_page_monitors pm JOIN monitors m ON m.id = pm.monitor_id
   LEFT JOIN monitor_status s ON s.monitor_id = m.id WHERE pm.page_id = p.id),
  (SELECT concat_ws(',', count(*), max(i.id), max(i.resolved_at), max(i.acknowledged_at), max(i.opened_at))
   FROM status_page_monitors pm JOIN incidents i ON i.monitor_id = pm.monitor_id
   WHERE pm.page_id = p.id AND (i.resolved_at IS NULL OR i.resolved_at > now() - interval '30 days')),
  (SELECT concat_ws(',', count(*), max(w.updated_at)) FROM maintenance_windows w WHERE w.org_id = p.org_id)))
FROM status_pages p WHERE p.slug = :slug
""")


@dataclass(frozen=True)
class Document:
    body: bytes
    etag: str  # strong: the body's hash, quoted
    media_type: str


@dataclass
class Snapshot:
    page_id: int
    fingerprint: str
    built_at: datetime
    documents: dict[str, Document]
    checked: float  # time.monotonic() of the last check against the database

    def fresh_at(self, now: datetime) -> bool:
        return (now - self.built_at).total_seconds() < REBUILD_SECONDS


def _document(body: str, kind: str) -> Document:
    data = body.encode()
    return Document(data, '"' + hashlib.sha256(data).hexdigest()[:40] + '"', KINDS[kind])


def feed_id(page_id: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"uptick:status-page:{page_id}"))


def render_all(page: content.PageContent, origin: str) -> dict[str, str]:
    return {"html": render.html(page), "json": json.dumps(content.as_json(page), separators=(",", ":")),
            "atom": render.atom(page, feed_id(page.page_id), origin)}


class Snapshots:
    """The snapshots of one replica (app.state.snapshots)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], origin: str,
                 check_seconds: float = CHECK_SECONDS) -> None:
        self.sessions, self.origin, self.check_seconds = sessions, origin, check_seconds
        self._pages: dict[str, Snapshot] = {}
        self._misses: OrderedDict[str, float] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    def _known_miss(self, slug: str, now: float) -> bool:
        seen = self._misses.get(slug)
        return seen is not None and now - seen < self.check_seconds

    async def get(self, slug: str) -> Snapshot | None:
        """The page's current snapshot; None for no such page."""
        if not _SLUG.match(slug):
            return None
        now = time.monotonic()
        cached = self._pages.get(slug)
        if cached is not None and now - cached.checked < self.check_seconds:
            return cached
        if self._known_miss(slug, now):
            return None
        lock = self._locks.setdefault(slug, asyncio.Lock())
        async with lock:  # one check per page at a time; the visitors waiting take its answer
            cached = self._pages.get(slug)
            if cached is not None and time.monotonic() - cached.checked < self.check_seconds:
                return cached
            return await self._refresh(slug, cached)

    async def _refresh(self, slug: str, cached: Snapshot | None) -> Snapshot | None:
        async with self.sessions() as session:
            found = (await session.execute(_FINGERPRINT, {"slug": slug})).first()
            now, checked = datetime.now(UTC), time.monotonic()
            if found is None:
                self._pages.pop(slug, None)
                self._locks.pop(slug, None)
                self._misses[slug] = checked
                self._misses.move_to_end(slug)
                while len(self._misses) > MISSES_KEPT:
                    self._misses.popitem(last=False)
                return None
            page_id, fingerprint = found
            self._misses.pop(slug, None)
            if cached is not None and cached.page_id == page_id and cached.fingerprint == fingerprint \
                    and cached.fresh_at(now):
                cached.checked = checked
                return cached
            snapshot = await self._stored(session, page_id, fingerprint, now, checked)
            if snapshot is None:
                snapshot = await self._build(session, page_id, fingerprint, now, checked)
            if snapshot is None:  # deleted between the two queries
                return None
            self._pages[slug] = snapshot
            return snapshot

    async def _stored(self, session: AsyncSession, page_id: int, fingerprint: str, now: datetime,
                      checked: float) -> Snapshot | None:
        """The snapshot another replica (or this one before a restart) built from the same state, if recent."""
        row = await session.get(StatusPageSnapshot, page_id)
        if row is None or row.fingerprint != fingerprint:
            return None
        snapshot = Snapshot(page_id, fingerprint, row.built_at,
                            {kind: _document(body, kind) for kind, body in row.documents.items()}, checked)
        return snapshot if snapshot.fresh_at(now) and set(snapshot.documents) == set(KINDS) else None

    async def _build(self, session: AsyncSession, page_id: int, fingerprint: str, now: datetime,
                     checked: float) -> Snapshot | None:
        started = time.perf_counter()
        page = await content.read(session, page_id, now)
        if page is None:
            return None
        documents = render_all(page, self.origin)
        await session.execute(insert(StatusPageSnapshot).values(
            page_id=page_id, fingerprint=fingerprint, built_at=now, documents=documents,
        ).on_conflict_do_update(index_elements=["page_id"], set_={
            "fingerprint": fingerprint, "built_at": now, "documents": documents}))
        try:
            await session.commit()
        except IntegrityError:  # the page deleted meanwhile (the foreign key): serve what was built, this once
            await session.rollback()
        log.info("status page snapshot built", page_id=page_id, duration_ms=round(1000 * (time.perf_counter()
                                                                                           - started), 1))
        return Snapshot(page_id, fingerprint, now, {kind: _document(body, kind) for kind, body in documents.items()},
                        checked)
