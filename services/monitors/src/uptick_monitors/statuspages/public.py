"""The public status pages: `/status/<slug>` (HTML), `.json` (for embedding, any origin may read it) and
`/feed.atom`, each answered from the page's snapshot with a strong ETag (If-None-Match → 304).

Cache-Control `public, max-age=10, stale-while-revalidate=20`: a browser or CDN answers repeat views for 10 s
by itself and then revalidates (a 304 costs us a lookup), which bounds what a cache may show to half a
minute old at worst; our own snapshot follows a state change within about a second (snapshot.py). A reload
always revalidates.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from uptick_monitors.conditional import matches
from uptick_monitors.statuspages import render
from uptick_monitors.statuspages.snapshot import Document, Snapshots

router = APIRouter(include_in_schema=False)
CACHE_CONTROL = "public, max-age=10, stale-while-revalidate=20"
COMMON = {"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
OPEN_TO_ALL = {"Access-Control-Allow-Origin": "*"}
NOT_FOUND_PAGE = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>No status page here</title>
<style>{render.CSS}</style></head><body><main><h1>No status page here</h1>
<p>There is no status page at this address. Check the link, or ask whoever gave it to you.</p></main></body></html>
"""
NOT_FOUND_HEADERS = {"Cache-Control": "no-store", "Content-Security-Policy": render.CSP,
                     "X-Content-Type-Options": "nosniff"}


def _answer(request: Request, document: Document, extra: dict[str, str]) -> Response:
    headers = {**COMMON, **extra, "ETag": document.etag}
    if matches(request, document.etag):
        return Response(status_code=304, headers=headers)
    return Response(document.body, media_type=document.media_type, headers=headers)


async def _snapshot_document(request: Request, slug: str, kind: str) -> Document | None:
    snapshots: Snapshots = request.app.state.snapshots
    snapshot = await snapshots.get(slug)
    return None if snapshot is None else snapshot.documents[kind]


async def _open_to_all(request: Request, slug: str, kind: str, missing: Response) -> Response:
    document = await _snapshot_document(request, slug, kind)
    if document is None:
        missing.headers.update({**OPEN_TO_ALL, "Cache-Control": "no-store"})
        return missing
    return _answer(request, document, OPEN_TO_ALL)


@router.api_route("/status/{slug}.json", methods=["GET", "HEAD"])
async def page_json(request: Request, slug: str) -> Response:
    return await _open_to_all(request, slug, "json", JSONResponse({"detail": "status page not found"}, 404))


@router.api_route("/status/{slug}/feed.atom", methods=["GET", "HEAD"])
async def page_feed(request: Request, slug: str) -> Response:
    return await _open_to_all(request, slug, "atom", Response("status page not found\n", 404, media_type="text/plain"))


@router.api_route("/status/{slug}", methods=["GET", "HEAD"])
async def page_html(request: Request, slug: str) -> Response:
    document = await _snapshot_document(request, slug, "html")
    if document is None:
        return HTMLResponse(NOT_FOUND_PAGE, status_code=404, headers=NOT_FOUND_HEADERS)
    return _answer(request, document, {"Content-Security-Policy": render.CSP})


@router.api_route("/status", methods=["GET", "HEAD"])
@router.api_route("/status/{rest:path}", methods=["GET", "HEAD"])
async def no_page(rest: str = "") -> HTMLResponse:  # noqa: ARG001 - any other path under /status
    return HTMLResponse(NOT_FOUND_PAGE, status_code=404, headers=NOT_FOUND_HEADERS)
