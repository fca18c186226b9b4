"""A status page as HTML (readable without JavaScript, its only style a `<style>` allowed by its hash) and as an
Atom feed of its incidents. Every value from the database is escaped; nothing is loaded from elsewhere."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from html import escape
from xml.sax.saxutils import escape as xml_escape

from uptick_monitors.statuspages.content import DAYS, Maintenance, PageContent, ShownIncident, ShownMonitor

CSS = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--card:#f6f8fa;
--ok:#116329;--okbar:#2da44e;--warn:#7d4e00;--warnbar:#d4a72c;--bad:#b3261e;--badbar:#cf222e;
--info:#0b57d0;--infobar:#218bff;--none:#d8dee4}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;
--card:#161b22;--ok:#3fb950;--okbar:#2ea043;--warn:#e3b341;--warnbar:#bb8009;--bad:#ff7b72;--badbar:#da3633;
--info:#79c0ff;--infobar:#1f6feb;--none:#30363d}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
sans-serif}
header,main,footer{max-width:56rem;margin:0 auto;padding:1rem}
h1{font-size:1.75rem;margin:1rem 0 .25rem}h2{font-size:1.25rem;margin:2rem 0 .75rem}
h3{font-size:1rem;margin:0}
p{margin:.25rem 0}.muted{color:var(--muted)}
a{color:var(--info)}
.banner{border:1px solid var(--line);border-left:.5rem solid var(--okbar);background:var(--card);
padding:1rem;border-radius:.5rem;font-size:1.15rem;font-weight:600}
.banner.degraded,.banner.partial_outage{border-left-color:var(--warnbar)}
.banner.major_outage{border-left-color:var(--badbar)}.banner.maintenance{border-left-color:var(--infobar)}
.banner.unknown{border-left-color:var(--none)}
ul.monitors,ul.incidents{list-style:none;margin:0;padding:0}
ul.monitors>li{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:0 0 .75rem}
.row{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.25rem 1rem;align-items:baseline}
.url{font-size:.875rem;color:var(--muted);word-break:break-all}
.state{font-weight:600}.state .muted{font-weight:400}
.state.up{color:var(--ok)}.state.degraded{color:var(--warn)}.state.down{color:var(--bad)}
.state.maintenance{color:var(--info)}.state.paused,.state.pending{color:var(--muted)}
.bars{display:flex;gap:1px;height:2rem;margin:.5rem 0 .25rem}
.bar{flex:1;border-radius:1px;background:var(--none)}
.bar.ok{background:var(--okbar)}.bar.partial{background:var(--warnbar)}.bar.down{background:var(--badbar)}
.bar.maintenance{background:var(--infobar)}
.scale{display:flex;justify-content:space-between;font-size:.8rem;color:var(--muted)}
ul.incidents>li{border-left:.25rem solid var(--line);padding:.25rem .75rem;margin:0 0 .75rem}
ul.incidents>li.open{border-left-color:var(--badbar)}
footer{border-top:1px solid var(--line);margin-top:2rem;font-size:.875rem;color:var(--muted)}
.scale .near{display:none}
@media (max-width:40rem){.bars{height:1.5rem}.bar:nth-child(-n+60){display:none}.scale .far{display:none}
.scale .near{display:inline}}
"""
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
CSP = (f"default-src 'none'; style-src '{STYLE_HASH}'; img-src 'self'; base-uri 'none'; form-action 'none'")
ICONS = {"up": "✓", "degraded": "!", "down": "✕", "maintenance": "⚒", "paused": "‖", "pending": "…"}
LEVEL_TEXT = {"ok": "no downtime", "partial": "some downtime", "down": "major downtime",
              "maintenance": "maintenance", "none": "no data"}


def _when(moment: datetime) -> str:
    return f'<time datetime="{moment.isoformat()}">{moment:%Y-%m-%d %H:%M} UTC</time>'


def duration_text(span: timedelta) -> str:
    minutes = max(1, round(span.total_seconds() / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days {hours % 24} h"


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value:.2f}%".replace("100.00%", "100%")


def _bars(monitor: ShownMonitor) -> str:
    days = monitor.days
    troubled = [d for d in days if d.level in ("partial", "down")]
    summary = (f"Daily uptime of {monitor.name} over the last {DAYS} days: {_percent(monitor.uptime_percent)}"
               f" overall; {len(troubled)} day{'s' if len(troubled) != 1 else ''} with downtime")
    if troubled:
        worst = min(troubled, key=lambda d: d.uptime_percent or 0.0)
        summary += f", the worst {worst.day:%Y-%m-%d} at {_percent(worst.uptime_percent)}"
    unknown = sum(d.level == "none" for d in days)
    if unknown:
        summary += f"; no data for {unknown} day{'s' if unknown != 1 else ''}"
    uptime = "no data yet" if monitor.uptime_percent is None else f"{_percent(monitor.uptime_percent)} uptime"
    bars = "".join(
        f'<span class="bar {d.level}" title="{d.day:%Y-%m-%d}: {_percent(d.uptime_percent)}, {LEVEL_TEXT[d.level]}">'
        "</span>" for d in days)
    return (f'<div class="bars" role="img" aria-label="{escape(summary)}.">{bars}</div>'
            f'<div class="scale" aria-hidden="true"><span class="far">{DAYS} days ago</span>'
            f'<span class="near">30 days ago</span><span>{uptime}</span>'
            "<span>Today</span></div>")


def _monitor(monitor: ShownMonitor) -> str:
    url = f'<p class="url">{escape(monitor.url)}</p>' if monitor.url else ""
    since = f' <span class="muted">since {_when(monitor.since)}</span>' if monitor.since and monitor.state in (
        "down", "degraded", "maintenance") else ""
    return (f'<li><div class="row"><h3>{escape(monitor.name)}</h3><p class="state {monitor.state}">'
            f'<span aria-hidden="true">{ICONS.get(monitor.state, "?")} </span>{escape(monitor.state_text)}{since}'
            f"</p></div>{url}{_bars(monitor)}</li>")


def _incident(incident: ShownIncident) -> str:
    if incident.resolved_at is None:
        what = "Investigating" if not incident.acknowledged else "Identified, being worked on"
        return (f'<li class="open"><h3>{escape(incident.monitor)} is down</h3>'
                f"<p>{what}. Since {_when(incident.started_at)}.</p></li>")
    assert incident.duration is not None
    return (f"<li><h3>{escape(incident.monitor)} was down for {duration_text(incident.duration)}</h3>"
            f"<p>From {_when(incident.started_at)} to {_when(incident.resolved_at)}. Resolved.</p></li>")


def _maintenance(window: Maintenance, now: datetime) -> str:
    when = "Now" if window.starts_at <= now else "Scheduled"
    covers = f"<p>Affects {escape(', '.join(window.monitors))}.</p>" if window.monitors else ""
    return (f"<li><h3>{escape(window.title)}</h3><p>{when}: {_when(window.starts_at)} to {_when(window.ends_at)}."
            f"</p>{covers}</li>")


def html(content: PageContent) -> str:
    base = f"/status/{escape(content.slug)}"
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(content.title)}: status</title>",
        f'<link rel="alternate" type="application/atom+xml" title="Incidents" href="{base}/feed.atom">',
        f'<link rel="alternate" type="application/json" href="{base}.json">',
        f"<style>{CSS}</style></head><body>",
        f'<header><h1>{escape(content.title)}</h1>',
        f'<p class="muted">{escape(content.description)}</p>' if content.description else "",
        "</header><main>",
        '<section aria-labelledby="now"><h2 id="now">Current status</h2>',
        f'<p class="banner {content.overall}" role="status">{escape(content.overall_text)}</p></section>',
    ]
    if content.open_incidents:
        parts += ['<section aria-labelledby="open"><h2 id="open">Open incidents</h2><ul class="incidents">',
                  *map(_incident, content.open_incidents), "</ul></section>"]
    if content.maintenance:
        parts += ['<section aria-labelledby="maintenance"><h2 id="maintenance">Maintenance</h2><ul class="incidents">',
                  *(_maintenance(w, content.as_of) for w in content.maintenance), "</ul></section>"]
    for n, group in enumerate(content.groups):
        heading = escape(group.name) if group.name else ("Services" if n == 0 else "More services")
        parts += [f'<section aria-labelledby="g{n}"><h2 id="g{n}">{heading}</h2><ul class="monitors">',
                  *map(_monitor, group.monitors), "</ul></section>"]
    if not content.groups:
        parts.append('<p class="muted">This page shows no monitors yet.</p>')
    parts.append('<section aria-labelledby="past"><h2 id="past">Past incidents</h2>')
    if content.past_incidents:
        parts += ['<ul class="incidents">', *map(_incident, content.past_incidents), "</ul>"]
    else:
        parts.append('<p class="muted">No incidents in the last 30 days.</p>')
    parts += [
        "</section></main><footer>",
        f"<p>As of {_when(content.as_of)}. Times are UTC; each bar is one day.</p>",
        f'<p><a href="{base}/feed.atom">Incidents feed (Atom)</a> · <a href="{base}.json">JSON</a> · '
        "Powered by Uptick</p></footer></body></html>",
    ]
    return "".join(parts)


def _atom_time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def atom(content: PageContent, feed_id: str, origin: str) -> str:
    """An Atom feed (RFC 4287) of the page's open and recent incidents, newest first; its links absolute on
    `origin` (Uptick's public URL), as feed readers want them."""
    incidents = sorted([*content.open_incidents, *content.past_incidents], key=lambda i: i.updated_at, reverse=True)
    updated = max([content.updated_at, *(i.updated_at for i in incidents)])
    base = xml_escape(f"{origin.rstrip('/')}/status/{content.slug}", {'"': "&quot;"})
    title = xml_escape(content.title)
    entries = []
    for incident in incidents:
        monitor = xml_escape(incident.monitor)
        if incident.resolved_at is None:
            heading, summary = f"{monitor} is down", f"Down since {incident.started_at:%Y-%m-%d %H:%M} UTC."
        else:
            assert incident.duration is not None
            heading = f"Resolved: {monitor} was down for {duration_text(incident.duration)}"
            summary = (f"Down from {incident.started_at:%Y-%m-%d %H:%M} UTC to "
                       f"{incident.resolved_at:%Y-%m-%d %H:%M} UTC.")
        entries.append(
            f"<entry><id>urn:uuid:{incident.key}</id><title>{heading}</title>"
            f"<published>{_atom_time(incident.started_at)}</published>"
            f"<updated>{_atom_time(incident.updated_at)}</updated>"
            f'<link rel="alternate" type="text/html" href="{base}"/>'
            f'<summary type="text">{summary}</summary></entry>')
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>urn:uuid:{feed_id}</id><title>{title}: incidents</title><updated>{_atom_time(updated)}</updated>"
        f"<author><name>{title}</name></author>"
        f'<link rel="self" type="application/atom+xml" href="{base}/feed.atom"/>'
        f'<link rel="alternate" type="text/html" href="{base}"/>'
        f'{"".join(entries)}</feed>\n')
