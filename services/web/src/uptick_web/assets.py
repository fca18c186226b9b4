"""The dashboard's files, read once at start into memory (with gzip copies), under one build id.

Everything index.html loads lives under `/assets/<build>/…`, where `<build>` is a digest of every file:
a new release has new URLs, so those files can be cached for a year while index.html is revalidated on
every visit. The folder is small (≈300 kB), so serving it is a lookup, never a disk read.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

INDEX = "index.html"
ASSETS_PLACEHOLDER = "{{assets}}"
# The vendored libraries the app imports: without them the page cannot start (see `missing`).
REQUIRED = ("vendor/preact.mjs", "vendor/hooks.mjs", "vendor/htm.mjs", "vendor/uPlot.mjs")
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml",
         ".json": "application/json", ".html": "text/html", ".png": "image/png", ".ico": "image/x-icon",
         ".txt": "text/plain", ".webmanifest": "application/manifest+json"}
TEXT = ("text/", "application/json", "image/svg+xml", "application/manifest+json")


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str


def _asset(body: bytes, content_type: str) -> Asset:
    gzipped = gzip.compress(body, 9, mtime=0) if len(body) > 1024 else None
    if gzipped is not None and len(gzipped) >= len(body):
        gzipped = None
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return Asset(body, gzipped, content_type, etag)


def _content_type(path: Path) -> str:
    kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(TEXT) else kind


class Assets:
    def __init__(self, folder: Path) -> None:
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        digest = hashlib.sha256()
        raw: dict[str, tuple[bytes, str]] = {}
        for path in files:
            name = path.relative_to(folder).as_posix()
            body = path.read_bytes()
            digest.update(name.encode() + b"\0" + body + b"\0")
            raw[name] = (body, _content_type(path))
        self.build = digest.hexdigest()[:12]
        self.prefix = f"/assets/{self.build}"
        self.files = {name: _asset(body, kind) for name, (body, kind) in raw.items() if name != INDEX}
        template = raw.get(INDEX, (b"", ""))[0].decode()
        self.index = _asset(template.replace(ASSETS_PLACEHOLDER, self.prefix).encode(), "text/html; charset=utf-8")
        self.missing = ([] if template else [INDEX]) + [name for name in REQUIRED if name not in self.files]
