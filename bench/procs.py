"""What processes cost, read from /proc: CPU seconds (a process, or a whole tree such as Postgres) and memory."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2:].split()  # fields from the third on (the name may hold spaces)


def cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """User + system CPU of one process; with `reaped_children`, also of its children that have exited."""
    try:
        fields = _stat(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / TICK


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return found


def tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += children(current)
    return pids


def tree_cpu_seconds(pid: int) -> float:
    """A process tree's CPU, children that came and went included (Postgres backends, for one)."""
    return cpu_seconds(pid, reaped_children=True) + sum(cpu_seconds(p, reaped_children=True) for p in tree(pid)[1:])


def pss_mib(pids: list[int]) -> float:
    """Proportional set size: shared pages divided among the processes sharing them, so a tree adds up."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return total / 1024


@dataclass
class Group:
    """One service's processes: a list of pids, or a tree under one root (`tree_root`)."""

    name: str
    pids: list[int] = field(default_factory=list)
    tree_root: int | None = None

    def all_pids(self) -> list[int]:
        return tree(self.tree_root) if self.tree_root else list(self.pids)

    def cpu(self) -> float:
        if self.tree_root:
            return tree_cpu_seconds(self.tree_root)
        return sum(cpu_seconds(p, reaped_children=True) for p in self.pids)

    def memory(self) -> float:
        return pss_mib(self.all_pids())


def snapshot(groups: list[Group]) -> dict[str, float]:
    return {g.name: g.cpu() for g in groups}


def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: round(after[name] - before.get(name, 0.0), 3) for name in after}


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICK


def others_cores(busy_before: float, busy_after: float, ours: dict[str, float], seconds: float) -> float:
    """Cores busy with anything but the measured groups (other people's work on a shared machine, the bench
    driver itself, wrk) during a window: what the figures had to share the machine with."""
    return round(max(0.0, busy_after - busy_before - sum(ours.values())) / seconds, 2)
