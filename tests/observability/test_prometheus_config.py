"""The Prometheus configuration uptick_devstack.prometheus writes for a running stack (no stack needed)."""

from __future__ import annotations

import json
import subprocess
import sys

from uptick_devstack import prometheus
from uptick_devstack.infra import ROOT

PORTS = {"auth": 4001, "monitors": 4002, "poller": 4003, "ingest": 4004, "checker-eu-west": 4005,
         "checker-us-east": 4006, "router": 8080}


def test_one_job_per_process_labelled_as_in_the_cluster():
    config = prometheus.config(PORTS)
    assert config["global"] == {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"}
    assert config["rule_files"] == [str(ROOT / "k8s" / "alerts.yaml")]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {f"uptick-{name}" for name in PORTS if name != "router"}
    assert all(job["honor_labels"] for job in jobs.values())
    assert jobs["uptick-checker-us-east"]["static_configs"] == [
        {"targets": ["127.0.0.1:4006"], "labels": {"pod": "checker-us-east", "service": "checker", "region": "us-east"}}
    ]
    assert jobs["uptick-auth"]["static_configs"] == [
        {"targets": ["127.0.0.1:4001"], "labels": {"pod": "auth", "service": "auth"}}
    ]


def test_promtool_accepts_the_configuration_and_its_rule_file(promtool_bin, tmp_path):
    path = prometheus.write(PORTS, tmp_path / "prometheus.yml")
    result = subprocess.run([promtool_bin, "check", "config", str(path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert f"Checking {prometheus.ALERT_RULES}" in output and "rules found" in output, output


def test_the_command_line_writes_it_from_a_ports_file(tmp_path):
    ports, out = tmp_path / "ports.json", tmp_path / "out" / "prometheus.yml"
    ports.write_text(json.dumps(PORTS))
    result = subprocess.run([sys.executable, "-m", "uptick_devstack.prometheus", "--ports", str(ports),
                             "--out", str(out), "--interval", "5s"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    written = out.read_text()
    assert json.loads(written.split("\n", 1)[1]) == prometheus.config(PORTS, scrape_interval="5s")
