"""The Grafana dashboards (charts/uptick/files/dashboards/): valid JSON, every query valid PromQL
(promtool checks each as a recording rule), using only the metrics the services export."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "charts" / "uptick" / "files" / "dashboards").glob("*.json"))

COUNTERS_AND_GAUGES = {
    "uptick_checks_total",
    "uptick_jobs_scheduled_total",
    "uptick_jobs_shed_total",
    "uptick_stream_lag",
    "uptick_stream_pending",
    "uptick_stream_length",
    "uptick_dead_letters_total",
    "uptick_ingest_ticks_total",
    "uptick_http_requests_total",
}
HISTOGRAMS = {
    "uptick_check_duration_seconds",
    "uptick_scheduling_lateness_seconds",
    "uptick_ingest_batch_size",
    "uptick_ingest_batch_duration_seconds",
    "uptick_http_request_duration_seconds",
}
ALLOWED = COUNTERS_AND_GAUGES | {f"{h}{s}" for h in HISTOGRAMS for s in ("_bucket", "_sum", "_count")} | {"up"}
KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "inf",
    "nan",
    "atan2",
}
# Grafana's own variables, given values that make the query plain PromQL.
GRAFANA_VARIABLES = {"__rate_interval": "5m", "__interval": "1m", "__range": "1h", "__range_s": "3600"}


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (f"{dashboard['uid']}/{panel['id']}/{target['refId']}", target["expr"])
        for panel in panels(dashboard)
        for target in panel.get("targets", [])
    ]


def as_promql(expr: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        return GRAFANA_VARIABLES.get(match.group(1), ".*")

    return re.sub(r"\$\{?(\w+)(?::\w+)?\}?", substitute, expr)


def metric_names(expr: str) -> set[str]:
    """The metric names of a PromQL expression (identifiers that are not functions, keywords or labels)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.:])[A-Za-z_:][\w:]*", text):
        rest = text[match.end() :].lstrip()
        if rest.startswith("(") or match.group(0) in KEYWORDS:
            continue
        names.add(match.group(0))
    return names


def test_metric_name_parser():
    expr = (
        "histogram_quantile(0.99, sum by (service, le) (rate(uptick_http_request_duration_seconds_bucket"
        '{service=~"a|b", route!="x"}[5m]))) / on (service) group_left sum(up offset 5m) > bool 0'
    )
    assert metric_names(expr) == {"uptick_http_request_duration_seconds_bucket", "up"}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_is_well_formed(path):
    dashboard = load(path)
    assert dashboard["uid"].startswith("uptick-") and dashboard["title"].startswith("Uptick")
    ids = [panel["id"] for panel in panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert "datasource" in variables
    for panel in panels(dashboard):
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"])
        if panel["type"] != "row":
            assert panel["targets"], f"panel {panel['title']!r} has no query"
            assert panel["datasource"]["uid"] == "${datasource}"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_queries_use_only_exported_metrics(path):
    dashboard = load(path)
    unknown = {}
    for where, expr in queries(dashboard):
        names = {n for n in metric_names(as_promql(expr)) if n not in ALLOWED and not n.startswith("process_")}
        if names:
            unknown[where] = sorted(names)
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            match = re.fullmatch(r"label_values\((\w+)(?:\{[^}]*\})?,\s*(\w+)\)", variable["query"]["query"])
            assert match and match.group(1) in ALLOWED, variable["query"]
    assert not unknown, unknown


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_every_query_is_scoped_to_the_chosen_cluster_and_namespace(path):
    """Two releases (or clusters) in one Prometheus: each panel shows the chosen one only."""
    dashboard = load(path)
    variables = [v["name"] for v in dashboard["templating"]["list"]]
    assert variables[:3] == ["datasource", "cluster", "namespace"]
    for where, expr in queries(dashboard):
        selectors = re.findall(r"\b(?:uptick_\w+|process_\w+|up)\{([^}]*)\}", expr)
        bare = re.findall(r"\b(?:uptick_\w+|process_\w+|up)\b(?![{\w(])", expr)
        assert selectors and not bare, f"{where}: {expr}"
        for selector in selectors:
            assert 'cluster=~"$cluster"' in selector and 'namespace=~"$namespace"' in selector, f"{where}: {expr}"


def test_queries_are_valid_promql(run_promtool, yaml_module, tmp_path):
    """promtool has no offline query check; each query becomes a recording rule that it parses."""
    rules = [
        {"record": f"uptick_dashboard:query_{i}", "expr": as_promql(expr)}
        for i, (_, expr) in enumerate(q for path in DASHBOARDS for q in queries(load(path)))
    ]
    assert rules
    path = tmp_path / "dashboard-queries.yaml"
    path.write_text(yaml_module.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = run_promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_pipeline_dashboard_shows_what_the_issue_asks():
    exprs = [expr for _, expr in queries(load(DASHBOARDS[[p.stem for p in DASHBOARDS].index("pipeline")]))]
    joined = "\n".join(exprs)
    assert any("uptick_checks_total" in e and "by (region, result)" in e for e in exprs)
    for quantile in ("0.5", "0.95", "0.99"):
        assert (
            f"histogram_quantile({quantile}, sum by (region, le) (rate(uptick_check_duration_seconds_bucket" in joined
        )
        assert (
            f"histogram_quantile({quantile}, sum by (region, le) (rate(uptick_scheduling_lateness_seconds_bucket"
            in joined
        )
    for metric in (
        "uptick_stream_lag",
        "uptick_stream_pending",
        "uptick_ingest_batch_size_bucket",
        "uptick_ingest_batch_duration_seconds_bucket",
        "uptick_ingest_ticks_total",
    ):
        assert metric in joined


def test_api_dashboard_shows_what_the_issue_asks():
    exprs = [expr for _, expr in queries(load(DASHBOARDS[[p.stem for p in DASHBOARDS].index("api")]))]
    assert any("uptick_http_requests_total" in e and "by (service, route)" in e for e in exprs)
    assert any('status_class="5xx"' in e and "/" in e for e in exprs)
    for quantile in ("0.5", "0.99"):
        assert any(f"histogram_quantile({quantile}, sum by (service, route, le)" in e for e in exprs)
