"""The alert rules: charts/uptick/files/alerts.yaml is their source (with ${…} placeholders for the
values of metrics.prometheusRule), k8s/alerts.yaml the same rendered with the default values.
promtool checks the rendered rules and runs their unit tests; every alert keeps `namespace`, has a
switch and thresholds in values.yaml, a test that shows it firing, and a runbook section."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "uptick"
SOURCE = CHART / "files" / "alerts.yaml"
RENDERED = ROOT / "k8s" / "alerts.yaml"
RUNBOOKS = ROOT / "docs" / "runbooks.md"
UNIT_TESTS = sorted((CHART / "tests" / "prometheus").glob("*.yaml"))
RUNBOOK_URL = "https://github.com/uptick/uptick/blob/main/docs/runbooks.md"


def rules(yaml: Any, path: Path = RENDERED) -> list[dict[str, Any]]:
    return [rule for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"]]


def alert_names(yaml: Any) -> list[str]:
    return [rule["alert"] for rule in rules(yaml)]


def switch(name: str) -> str:
    return name.removeprefix("Uptick")[0].lower() + name.removeprefix("Uptick")[1:]


def rendered_rules(helm, *args: str) -> list[dict[str, Any]]:
    (rule,) = helm.of_kind(helm.render("default", "--set", "metrics.prometheusRule.enabled=true", *args),
                           "PrometheusRule")
    return rule["spec"]["groups"]


def test_promtool_check_rules(run_promtool):
    result = run_promtool("check", "rules", str(RENDERED))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_test_rules(run_promtool):
    assert UNIT_TESTS
    result = run_promtool("test", "rules", *(str(p) for p in UNIT_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_shown_firing_with_its_namespace(yaml_module):
    fired = set()
    for path in UNIT_TESTS:
        for test in yaml_module.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                for alert in case.get("exp_alerts", []):
                    assert alert["exp_labels"].get("namespace"), f"{case['alertname']} without namespace"
                    fired.add(case["alertname"])
    assert set(alert_names(yaml_module)) <= fired


def test_every_aggregation_keeps_the_namespace(yaml_module):
    """Each `by (…)` and `on (…)` names namespace (promtool's tests show the rest)."""
    for rule in rules(yaml_module):
        for clause in re.findall(r"\b(?:by|on)\s*\(([^)]*)\)", rule["expr"]):
            assert "namespace" in [label.strip() for label in clause.split(",")], f"{rule['alert']}: ({clause})"


def test_the_required_alerts_exist(yaml_module):
    names = set(alert_names(yaml_module))
    assert {"UptickPollerAbsent", "UptickSchedulingLate", "UptickTargetDown", "UptickRegionNoChecks"} <= names
    (target_down,) = [r for r in rules(yaml_module) if r["alert"] == "UptickTargetDown"]
    assert re.search(r"\bup\{[^}]*\}\s*==\s*0", target_down["expr"])


def test_region_without_checks_fires_within_five_minutes(yaml_module):
    (rule,) = [r for r in rules(yaml_module) if r["alert"] == "UptickRegionNoChecks"]
    window = int(re.search(r"\[(\d+)m\]", rule["expr"]).group(1))
    assert window + int(rule["for"].removesuffix("m")) <= 5


def test_every_alert_has_a_switch_and_its_thresholds_as_values(yaml_module):
    switches = yaml_module.safe_load((CHART / "values.yaml").read_text())["metrics"]["prometheusRule"]["rules"]
    assert {switch(name) for name in alert_names(yaml_module)} == set(switches)
    source = {rule["alert"]: yaml_module.safe_dump(rule) for rule in rules(yaml_module, SOURCE)}
    for name, text in source.items():
        params = set(re.findall(r"\$\{(\w+)\}", text)) - {"runbookUrl", "remoteRegions"}
        assert {"for", "severity"} <= params, name
        assert params == set(switches[switch(name)]) - {"enabled"}, name


def test_every_alert_links_its_runbook(yaml_module):
    sections = {
        re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")
        for heading in re.findall(r"^## (.+)$", RUNBOOKS.read_text(), re.M)
    }
    for rule in rules(yaml_module):
        url = rule["annotations"]["runbook_url"]
        assert url == f"{RUNBOOK_URL}#{rule['alert'].lower()}", url
        assert rule["alert"].lower() in sections, f"docs/runbooks.md has no section {rule['alert']}"
    assert len(sections) == len(alert_names(yaml_module)), "a runbook section per alert, no more"


def test_rendered_prometheus_rule_is_the_plain_rule_file(helm, yaml_module):
    """The chart with its defaults renders k8s/alerts.yaml's groups; three-regions adds its team label."""
    assert rendered_rules(helm) == yaml_module.safe_load(RENDERED.read_text())["groups"]
    (rule,) = helm.of_kind(helm.render("three-regions"), "PrometheusRule")
    for group in rule["spec"]["groups"]:
        for alert in group["rules"]:
            assert alert["labels"]["team"] == "sre"


def test_thresholds_come_from_values(helm, yaml_module, run_promtool, tmp_path):
    groups = rendered_rules(
        helm,
        "--set", "metrics.prometheusRule.rules.regionLagGrowing.lag=250",
        "--set-json", "metrics.prometheusRule.rules.apiErrorRate.ratio=0.2",
        "--set", "metrics.prometheusRule.rules.regionNoChecks.for=1m",
        "--set", "metrics.prometheusRule.rules.targetDown.severity=critical",
        "--set", "metrics.prometheusRule.runbookUrl=https://wiki.example.com/uptick",
    )
    alerts = {rule["alert"]: rule for group in groups for rule in group["rules"]}
    assert "> 250" in alerts["UptickRegionLagGrowing"]["expr"]
    assert "> 0.2" in alerts["UptickApiErrorRate"]["expr"]
    assert alerts["UptickRegionNoChecks"]["for"] == "1m"
    assert alerts["UptickTargetDown"]["labels"]["severity"] == "critical"
    assert alerts["UptickTargetDown"]["annotations"]["runbook_url"] == "https://wiki.example.com/uptick#upticktargetdown"
    path = tmp_path / "rules.yaml"
    path.write_text(yaml_module.safe_dump({"groups": groups}))
    result = run_promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_remote_regions_are_left_to_their_own_cluster(helm, yaml_module, run_promtool, tmp_path):
    """The central Prometheus does not see ap-south's checkers: no alert that can never clear."""
    groups = rendered_rules(helm, "--set", "metrics.prometheusRule.remoteRegions={ap-south}")
    (tmp_path / "rules.yaml").write_text(yaml_module.safe_dump({"groups": groups}))
    (tmp_path / "test.yaml").write_text(yaml_module.safe_dump({
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                {"series": f'uptick_jobs_scheduled_total{{namespace="uptick", region="{region}"}}', "values": "0+60x30"}
                for region in ("eu-west", "ap-south")
            ],
            "alert_rule_test": [{
                "eval_time": "20m",
                "alertname": "UptickRegionNoChecks",
                "exp_alerts": [{
                    "exp_labels": {"namespace": "uptick", "region": "eu-west", "severity": "critical"},
                    "exp_annotations": {
                        "summary": "No checks from region eu-west",
                        "description": "The poller schedules jobs for eu-west in uptick but no checker of that"
                                       " region has finished a check for 3m.",
                        "runbook_url": f"{RUNBOOK_URL}#uptickregionnochecks",
                    },
                }],
            }],
        }],
    }))
    result = run_promtool("test", "rules", "test.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("rule", ["regionNoChecks", "pollerAbsent"])
def test_alert_rules_can_be_switched_off(helm, yaml_module, rule):
    groups = rendered_rules(helm, "--set", f"metrics.prometheusRule.rules.{rule}.enabled=false")
    names = {switch(alert["alert"]) for group in groups for alert in group["rules"]}
    assert rule not in names and len(names) == len(alert_names(yaml_module)) - 1
