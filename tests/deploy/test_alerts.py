"""The alert rules (charts/uptick/files/alerts.yaml): promtool checks them and runs their unit tests;
every alert has a test that shows it firing and a switch in values.yaml."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "uptick"
RULES = CHART / "files" / "alerts.yaml"
UNIT_TESTS = sorted((CHART / "tests" / "prometheus").glob("*.yaml"))


def alert_names(yaml) -> list[str]:
    return [rule["alert"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def test_promtool_check_rules(run_promtool):
    result = run_promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_test_rules(run_promtool):
    assert UNIT_TESTS
    result = run_promtool("test", "rules", *(str(p) for p in UNIT_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_shown_firing(yaml_module):
    fired = set()
    for path in UNIT_TESTS:
        for test in yaml_module.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                if case.get("exp_alerts"):
                    fired.add(case["alertname"])
    assert set(alert_names(yaml_module)) <= fired


def test_every_alert_has_a_switch(yaml_module):
    switches = yaml_module.safe_load((CHART / "values.yaml").read_text())["metrics"]["prometheusRule"]["rules"]
    keys = {
        name.removeprefix("Uptick")[0].lower() + name.removeprefix("Uptick")[1:] for name in alert_names(yaml_module)
    }
    assert keys == set(switches)


def test_rendered_prometheus_rule_passes_promtool(helm, yaml_module, run_promtool, tmp_path):
    (rule,) = helm.of_kind(helm.render("three-regions"), "PrometheusRule")
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(yaml_module.safe_dump({"groups": rule["spec"]["groups"]}))
    result = run_promtool("check", "rules", str(rendered))
    assert result.returncode == 0, result.stdout + result.stderr
    assert rule["spec"]["groups"] == yaml_module.safe_load(RULES.read_text())["groups"]
