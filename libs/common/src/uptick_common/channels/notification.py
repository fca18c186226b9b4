"""What a notification says, whatever the channel: the event, the monitor, since when, why, from where.

The outbox row carries one of these as JSON; every channel renders it. `key` is the notification's identity
(the outbox row's): a resend after a crash carries the same key, so receivers can drop the duplicate.

A grouped notification (a storm: `uptick_notifier.storm`) has `members`, one notification of the same event
per incident; its title counts them and its lines list them (the first GROUP_LINES), so that every channel
that renders `title` and `lines()` renders a group as one message.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel

Event = Literal["down", "resolved", "flapping", "reminder", "escalation", "test", "region_silent", "region_resumed",
                "maintenance_started", "maintenance_ended"]
REGION_EVENTS = ("region_silent", "region_resumed")  # of a region's checks, not of an incident
MAINTENANCE_EVENTS = ("maintenance_started", "maintenance_ended")  # of a maintenance window's occurrence
GROUP_LINES = 20  # members a group's text lists one by one; the rest are counted (chat messages are short)


class Notification(BaseModel):
    event: Event
    key: str
    occurred_at: datetime
    monitor_id: int | None = None
    monitor_name: str = ""
    monitor_url: str = ""
    incident_id: int | None = None
    incident_url: str | None = None
    ack_url: str | None = None  # the incident's single-use acknowledge link, while it is unacknowledged
    started_at: datetime | None = None  # since when it is down
    resolved_at: datetime | None = None
    cause: str | None = None  # the failing assertion or error
    regions: list[str] = []  # the regions that saw it fail
    members: list[Notification] = []  # a grouped notification's: one per incident, same event
    region: str | None = None  # a region notice's region; started_at: its last result, resolved_at: results again
    silence_id: int | None = None
    # A maintenance notice's window, the occurrence that starts or ends, and the monitors it covers (the first
    # few by name, and how many in all).
    window_id: int | None = None
    window_name: str | None = None
    window_starts_at: datetime | None = None
    window_ends_at: datetime | None = None
    monitor_names: list[str] = []
    monitor_count: int = 0

    @property
    def count(self) -> int:
        """How many incidents it tells of."""
        return len(self.members) if self.members else int(self.incident_id is not None)

    @property
    def title(self) -> str:
        if self.members:
            return self._group_title()
        return {
            "down": f"DOWN: {self.monitor_name}",
            "resolved": f"RESOLVED: {self.monitor_name}",
            "flapping": f"FLAPPING: {self.monitor_name}",
            "reminder": f"STILL DOWN: {self.monitor_name}",
            "escalation": f"ESCALATED: {self.monitor_name} is down and nobody has acknowledged it",
            "test": "Uptick test notification",
            "region_silent": f"CHECKS STOPPED: region {self.region}",
            "region_resumed": f"CHECKS RESUMED: region {self.region}",
            "maintenance_started": f"MAINTENANCE STARTED: {self.window_name}",
            "maintenance_ended": f"MAINTENANCE ENDED: {self.window_name}",
        }[self.event]

    def _group_title(self) -> str:
        n = self.count
        return {
            "down": f"DOWN: {n} monitors",
            "resolved": f"RESOLVED: {n} monitors",
            "flapping": f"FLAPPING: {n} monitors",
            "reminder": f"STILL DOWN: {n} monitors",
            "escalation": f"ESCALATED: {n} monitors are down and nobody has acknowledged them",
            "test": "Uptick test notification",
            "region_silent": f"CHECKS STOPPED: region {self.region}",
            "region_resumed": f"CHECKS RESUMED: region {self.region}",
        }[self.event]

    def _group_lines(self) -> list[str]:
        lines = [f"{self.count} monitors at once:"]
        for member in self.members[:GROUP_LINES]:
            line = f"- {member.monitor_name}" + (f" ({member.monitor_url})" if member.monitor_url else "")
            if self.event == "resolved" and member.resolved_at and member.started_at:
                line += f": up after {duration(member.resolved_at - member.started_at)}"
            elif member.cause:
                line += f": {member.cause}"
            lines.append(line)
        if self.count > GROUP_LINES:
            lines.append(f"… and {self.count - GROUP_LINES} more")
        starts = [m.started_at for m in self.members if m.started_at is not None]
        if starts and self.event != "resolved":
            lines.append(f"Down since {_when(min(starts))} (the first of them)")
        regions = sorted({r for m in self.members for r in m.regions})
        if regions:
            lines.append(f"Seen from: {', '.join(regions)}")
        if self.incident_url:
            lines.append(f"Incidents: {self.incident_url}")
        return lines

    def lines(self) -> list[str]:
        """The facts, one per line, in the order a person on call reads them."""
        if self.members:
            return self._group_lines()
        if self.event == "test":
            return ["This is a test notification from Uptick: this channel works."]
        if self.event in REGION_EVENTS:
            return self._region_lines()
        if self.event in MAINTENANCE_EVENTS:
            return self._maintenance_lines()
        lines = [f"{self.monitor_name} ({self.monitor_url})" if self.monitor_url else self.monitor_name]
        if self.started_at is not None:
            lines.append(f"Down since {_when(self.started_at)}")
        if self.resolved_at is not None and self.started_at is not None:
            lines.append(f"Up again at {_when(self.resolved_at)}, after {duration(self.resolved_at - self.started_at)}")
        if self.cause:
            lines.append(f"Why: {self.cause}")
        if self.regions:
            lines.append(f"Seen from: {', '.join(self.regions)}")
        if self.event == "flapping":
            lines.append("It keeps going down and up: one incident, no more alerts until it settles.")
        if self.incident_url:
            lines.append(f"Incident: {self.incident_url}")
        if self.ack_url and self.event != "resolved":
            lines.append(f"Acknowledge: {self.ack_url}")
        return lines

    def _region_lines(self) -> list[str]:
        since = _when(self.started_at) if self.started_at else "a while"
        if self.event == "region_silent":
            return [f"No check result has come from region {self.region} since {since}.",
                    "Monitors are judged by their other regions meanwhile; none is down because of it.",
                    "A monitor checked from that region only shows its last result, as stale."]
        lines = [f"Check results from region {self.region} come again."]
        if self.started_at is not None and self.resolved_at is not None:
            lines.append(f"Silent from {since} for {duration(self.resolved_at - self.started_at)}.")
        return lines

    def _maintenance_lines(self) -> list[str]:
        start, end = (_when(t) if t else "?" for t in (self.window_starts_at, self.window_ends_at))
        shown = ", ".join(self.monitor_names)
        more = self.monitor_count - len(self.monitor_names)
        lines = [f"Maintenance window {self.window_name}: {start} to {end}.",
                 f"Monitors: {shown}" + (f" and {more} more" if more > 0 else "") if shown else "Monitors: none"]
        if self.event == "maintenance_started":
            lines.append("They are still checked, but open no incident and alert nothing until it ends.")
        else:
            lines.append("Their checks count again: one still failing is alerted as usual.")
        return lines

    @property
    def text(self) -> str:
        return "\n".join([self.title, *self.lines()])


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {seconds}s" if minutes else f"{seconds}s"
