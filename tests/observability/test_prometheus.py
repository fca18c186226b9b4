"""The dashboards and alerts against a real Prometheus that scrapes the running stack.

Every process of the stack is scraped each second while it checks a few monitors (one target up, one
answering 500); then every query of every Grafana dashboard (charts/uptick/files/dashboards/) must
parse and return data, except the few listed in EXPECTED_EMPTY, and every alert rule
(k8s/alerts.yaml, the chart's rules with their default thresholds) must load, evaluate without error, and stay silent.
"""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.e2e.helpers import Target, eventually, sign_up_and_log_in

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "charts" / "uptick" / "files" / "dashboards").glob("*.json"))
ALERTS = ROOT / "k8s" / "alerts.yaml"  # the chart's rules with their default thresholds
PASSWORD = "a long enough password"
# Grafana's own variables, given values that make sense for a run of a minute; other variables
# (the dashboards' $region and $service) become ".*", as "All" does.
GRAFANA_VARIABLES = {"__rate_interval": "1m", "__interval": "15s", "__range": "5m", "__range_s": "300"}
# Panel queries that have no data on a healthy stack after a minute, and why. Keep this list short:
# a query that returns nothing for any other reason is a broken panel.
EXPECTED_EMPTY: dict[str, str] = {}  # every panel has data on a healthy stack (counters start at zero)
DATA_TIMEOUT_S = 75


def dashboard_queries() -> dict[str, str]:
    """"<dashboard uid>/<panel title>/<refId>" → the query as plain PromQL."""
    found = {}
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        panels = [p for top in dashboard["panels"] for p in (top, *top.get("panels", []))]
        for panel in panels:
            for query in panel.get("targets", []):
                found[f"{dashboard['uid']}/{panel['title']}/{query['refId']}"] = as_promql(query["expr"])
    return found


def as_promql(expr: str) -> str:
    return re.sub(r"\$\{?(\w+)(?::\w+)?\}?", lambda m: GRAFANA_VARIABLES.get(m.group(1), ".*"), expr)


def alert_rules() -> dict[str, str]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"] if "alert" in rule}


def has_data(answer: dict[str, Any]) -> bool:
    """A successful answer with at least one sample that is a number (NaN is what 0/0 and a quantile of
    an empty histogram give: nothing to draw)."""
    if answer.get("status") != "success":
        return False
    data = answer["data"]
    samples = [data["result"]] if data["resultType"] == "scalar" else [s["value"] for s in data["result"]]
    return any(not math.isnan(float(value)) for _, value in samples)


def describe(answer: dict[str, Any]) -> str:
    if answer.get("status") != "success":
        return f"{answer.get('errorType')}: {answer.get('error')}"
    data = answer["data"]
    if data["resultType"] == "scalar":
        return f"scalar {data['result'][1]}"
    shown = [f"{s['metric']}={float(s['value'][1]):.4g}" for s in data["result"][:4]]
    more = f" (+{len(data['result']) - 4} more)" if len(data["result"]) > 4 else ""
    return f"{len(data['result'])} series: {', '.join(shown)}{more}" if shown else "empty"


async def make_traffic(stack, up: Target, down: Target) -> None:
    """A user with two monitors that are up and one that is down, checked from every region."""
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        auth = await sign_up_and_log_in(client, "grafana@example.com", PASSWORD)
        for name, url in (("up", up.url), ("up again", up.url + "?again"), ("down", down.url)):
            created = await client.post("/api/monitors", headers=auth, json={
                "url": url, "name": name, "interval_seconds": 10, "timeout_seconds": 2})
            assert created.status_code == 201, created.text
        assert (await client.get("/api/monitors", headers=auth)).status_code == 200
        assert (await client.get("/api/auth/me", headers=auth)).status_code == 200


@pytest.mark.timeout(240)
async def test_dashboards_and_alerts_against_a_real_prometheus(stack, target, failing_target, prometheus) -> None:
    started = time.time()
    queries, rules = dashboard_queries(), alert_rules()
    assert queries and rules
    assert set(EXPECTED_EMPTY) <= set(queries), set(EXPECTED_EMPTY) - set(queries)

    # Prometheus scrapes every process before the first check, so every counter starts from a sample.
    async def all_targets_up() -> list[dict[str, Any]] | None:
        active = (await prometheus.api("targets", state="active"))["data"]["activeTargets"]
        return active if active and all(t["health"] == "up" for t in active) else None

    active = await eventually(all_targets_up, timeout=20)
    expected_jobs = {f"uptick-{name}" for name in stack.ports() if name != "router"}
    assert {t["labels"]["job"] for t in active} == expected_jobs
    await make_traffic(stack, target, failing_target)

    # Checks from every region, up and down; then every panel with data, or the time is up.
    regions = {name.removeprefix("checker-") for name in stack.ports() if name.startswith("checker-")}

    async def checked_everywhere() -> bool:
        answer = await prometheus.query("sum by (region, result) (increase(uptick_checks_total[1m])) > 0")
        seen = {(s["metric"]["region"], s["metric"]["result"]) for s in answer["data"]["result"]}
        return seen == {(r, result) for r in regions for result in ("up", "down")}

    await eventually(checked_everywhere, timeout=45)
    answers: dict[str, dict[str, Any]] = {}

    async def every_panel_has_data() -> bool:
        for where, expr in queries.items():
            answers[where] = await prometheus.query(expr)
        return all(has_data(answers[w]) for w in queries if w not in EXPECTED_EMPTY)

    try:
        await eventually(every_panel_has_data, timeout=max(5.0, DATA_TIMEOUT_S - (time.time() - started)), every=2)
    except AssertionError:
        pass  # the table below says which
    report = [f"{'ok  ' if has_data(a) else 'EMPTY'} {w}: {describe(a)}" for w, a in answers.items()]
    print("\n".join(["dashboard queries:", *report]))

    invalid = {w: describe(a) for w, a in answers.items() if a.get("status") != "success"}
    assert not invalid, f"queries Prometheus refuses: {invalid}"
    empty = sorted(w for w, a in answers.items() if not has_data(a) and w not in EXPECTED_EMPTY)
    assert not empty, f"panels without data on a stack that checks monitors: {empty}\n" + "\n".join(report)
    unexpected = sorted(w for w in EXPECTED_EMPTY if has_data(answers[w]))
    assert not unexpected, f"these now have data: take them out of EXPECTED_EMPTY: {unexpected}"

    # Every alert rule loaded, evaluated without error, and silent on a healthy stack.
    async def rules_evaluated() -> dict[str, dict[str, Any]] | None:
        groups = (await prometheus.api("rules", type="alert"))["data"]["groups"]
        loaded = {rule["name"]: rule for group in groups for rule in group["rules"]}
        evaluated = all(not rule["lastEvaluation"].startswith("0001-") for rule in loaded.values())
        return loaded if loaded and evaluated else None

    loaded = await eventually(rules_evaluated, timeout=20)
    assert set(loaded) == set(rules), "Prometheus loaded other alerts than alerts.yaml holds"
    unhealthy = {name: rule.get("lastError") for name, rule in loaded.items() if rule["health"] != "ok"}
    assert not unhealthy, f"alert rules that fail to evaluate: {unhealthy}"
    conditions: dict[str, dict[str, Any]] = {}

    async def every_alert_condition_false() -> bool:
        for name, expr in rules.items():
            conditions[name] = await prometheus.query(expr)
        return all(a.get("status") == "success" and not a["data"]["result"] for a in conditions.values())

    # Right after start-up a condition may hold for a moment (a counter's first sample is no increase
    # yet); every rule waits minutes before it fires, so only a condition that stays true is a finding.
    try:
        await eventually(every_alert_condition_false, timeout=20, every=1)
    except AssertionError:
        pass  # the table below says which
    so_far = await prometheus.query("max by (alertname, alertstate) (max_over_time(ALERTS[10m]))")
    print("\n".join(["alert rules:", *(f"{n}: {describe(a)}" for n, a in conditions.items()),
                      f"pending or firing during the run: {describe(so_far)}"]))
    invalid = {n: describe(a) for n, a in conditions.items() if a.get("status") != "success"}
    assert not invalid, f"alert expressions Prometheus refuses: {invalid}"
    holding = {n: describe(a) for n, a in conditions.items() if a["data"]["result"]}
    assert not holding, f"alerts whose condition holds on a healthy stack: {holding}"
    firing = [a for a in (await prometheus.api("alerts"))["data"]["alerts"] if a["state"] == "firing"]
    assert not firing, f"alerts firing on a healthy stack: {firing}"
    assert not stack.crashed(), f"processes that died: {stack.crashed()}"
