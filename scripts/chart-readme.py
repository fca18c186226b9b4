"""Writes the values table of charts/uptick/README.md from charts/uptick/values.yaml.

Each value described by a `# -- ` comment (helm-docs' convention; the comment's following `#` lines
continue it) becomes a row: its key path, its default and the description. The table sits between
the README's `<!-- values:start -->` and `<!-- values:end -->` lines. k8s/render.sh runs this;
tests/deploy/test_chart.py fails when the README's table is not what this writes.

    python scripts/chart-readme.py           rewrite the table
    python scripts/chart-readme.py --print   print it instead
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

CHART = Path(__file__).resolve().parents[1] / "charts" / "uptick"
START, END = "<!-- values:start -->", "<!-- values:end -->"
KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+):(?:\s|$)")


def described_keys(text: str) -> list[tuple[str, str]]:
    """(dotted key path, description) of every key with a `# --` comment, in file order."""
    found: list[tuple[str, str]] = []
    path: list[tuple[int, str]] = []
    description: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# -- "):
            description = [stripped.removeprefix("# -- ")]
            continue
        if stripped.startswith("#"):
            if description is not None:
                description.append(stripped.lstrip("#").strip())
            continue
        match = KEY.match(line)
        if not match or stripped.startswith("-"):
            description = None if not stripped else description
            continue
        indent = len(match["indent"])
        while path and path[-1][0] >= indent:
            path.pop()
        path.append((indent, match["key"]))
        if description is not None:
            found.append((".".join(key for _, key in path), " ".join(description)))
        description = None
    return found


def default(values: dict[str, Any], dotted: str) -> str:
    node: Any = values
    for key in dotted.split("."):
        node = node[key]
    return json.dumps(node, ensure_ascii=False, separators=(", ", ": "))


def table() -> str:
    text = (CHART / "values.yaml").read_text()
    values = yaml.safe_load(text)
    rows = ["| Key | Default | Description |", "| --- | --- | --- |"]
    for dotted, description in described_keys(text):
        cell, text_ = (s.replace("|", "\\|") for s in (default(values, dotted), description))
        rows.append(f"| `{dotted}` | `{cell}` | {text_} |")
    return "\n".join(rows)


def readme_with_table(readme: str) -> str:
    before, rest = readme.split(START + "\n", 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{table()}\n{END}{after}"


def main() -> None:
    if "--print" in sys.argv[1:]:
        print(table())
        return
    path = CHART / "README.md"
    path.write_text(readme_with_table(path.read_text()))
    print(f"wrote {path.relative_to(CHART.parents[1])}")


if __name__ == "__main__":
    main()
