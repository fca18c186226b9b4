"""The bench's verdicts on the targets, from reports made up here: no service is started."""

from __future__ import annotations

from typing import Any

from bench import report


def _verdicts(result: dict[str, Any]) -> dict[str, str]:
    return {t["target"].split(":")[0] + ("/cpu" if "CPU" in t["target"] else ""): report.verdict(t)
            for t in report.targets(result)}


def _pipeline(*, best: float | None, sustained: bool, ten: dict[str, Any] | None = None,
              stored: bool = True) -> dict[str, Any]:
    section: dict[str, Any] = {
        "max_sustained": {"checks_per_s": best},
        "every_check_stored": {"every_check_stored": stored},
        "fixed_load": {"offered_per_s": 3300, "windows": 1, "window_s": 8.1, "sustained_checks_per_s": 3290.5,
                       "lateness_p99_s": 0.8 if sustained else 15.2, "sustained_every_run": sustained},
    }
    if ten is not None:
        section["ten_minutes"] = ten
    return section


def test_met_says_met_with_the_measured_value() -> None:
    result = {"checker": {"checks_per_s": 6000.0, "per_cpu_vs_blackbox": 3.1},
              "pipeline": _pipeline(best=3600.0, sustained=True,
                                    ten={"stored_per_s": 3299.0, "lateness_p99_s": 0.9, "sustained": True}),
              "api": {"cases": {"monitor_list.10000": {"p50_ms": 19.0, "p99_ms": 22.0}}},
              "alerting": _alerting(p99=31.0, most=3)}
    assert _verdicts(result) == {
        "checker": "met; measured 6,000.0 checks/s",
        "checker/cpu": "met; measured 3.10 ×",
        "pipeline": "met; measured 3,299.0 checks/s",
        "API": "met; measured 22.0 ms",
        "alerting latency": "met; measured 31.0 s",
        "alerting storm": "met; measured 3 notifications",
    }
    assert all(t["met"] is True for t in report.targets(result))


def test_missed_says_by_how_much_and_how_many_times_better() -> None:
    result = {"checker": {"checks_per_s": 1700.0, "per_cpu_vs_blackbox": 0.98},
              "pipeline": _pipeline(best=1000.0, sustained=False),
              "api": {"cases": {"monitor_list.10000": {"p50_ms": 55.0, "p99_ms": 100.0}}}}
    assert _verdicts(result) == {
        "checker": "MISSED by 66.0% (needs ×2.94); measured 1,700.0 checks/s",
        "checker/cpu": "MISSED by 60.8% (needs ×2.55); measured 0.98 ×",
        "pipeline": "MISSED by 69.7% (needs ×3.3); measured 1,000.0 checks/s",
        "API": "MISSED by 50.0% (needs ×2.0); measured 100.0 ms",
        "alerting latency": "not measured", "alerting storm": "not measured",
    }
    api = report.targets(result)[3]
    assert api["over_by_ms"] == 50.0


def _alerting(*, p99: float, most: int, recorded: int = 1000) -> dict[str, Any]:
    sent = {"webhook": most, "slack": 2, "pagerduty": 1000}
    return {"interval_s": 30, "latency": {"monitors": 200, "told": 200, "p99_s": p99, "goal_p99_s": 33},
            "storm": {"monitors": 1000, "incidents_recorded": recorded, "down": {"notifications_per_channel": sent},
                      "resolved": {"notifications_per_channel": sent}}}


def test_alerting_misses_a_late_p99_and_a_storm_told_one_by_one_or_not_all_recorded() -> None:
    late = _verdicts({"alerting": _alerting(p99=36.3, most=2)})
    assert late["alerting latency"] == "MISSED by 9.1% (needs ×1.1); measured 36.3 s"
    assert late["alerting storm"] == "met; measured 2 notifications"  # PagerDuty's thousand do not count
    assert _verdicts({"alerting": _alerting(p99=20.0, most=40)})["alerting storm"].startswith("MISSED")
    lost = _verdicts({"alerting": _alerting(p99=20.0, most=2, recorded=999)})["alerting storm"]
    assert lost == "MISSED (999 incidents recorded of 1000); measured 2 notifications"


def test_quick_pipeline_met_in_short_windows_says_so() -> None:
    verdict = _verdicts({"pipeline": _pipeline(best=2600.0, sustained=True)})["pipeline"]
    assert verdict == "met; measured 3,290.5 checks/s (QUICK: 1 window(s) of 8.1 s, not ten minutes)"


def test_held_in_the_ladder_but_not_for_ten_minutes_is_missed_without_a_negative_gap() -> None:
    result = {"pipeline": _pipeline(best=3600.0, sustained=True,
                                    ten={"stored_per_s": 3100.0, "lateness_p99_s": 4.2, "sustained": False})}
    target = report.targets(result)[2]
    assert target["met"] is False and "missed_by_pct" not in target
    assert report.verdict(target) == ("MISSED (the ten-minute run was not sustained (p99 lateness 4.2 s)); "
                                      "measured 3,600.0 checks/s")


def test_a_lost_check_misses_the_pipeline_target() -> None:
    target = report.targets({"pipeline": _pipeline(best=2600.0, sustained=True, stored=False)})[2]
    assert target["met"] is False
    assert "not every scheduled check was stored" in report.verdict(target)


def test_nothing_measured() -> None:
    assert set(_verdicts({}).values()) == {"not measured"}
    assert "TARGETS" in report.table({"targets": report.targets({})})


def test_the_table_says_which_machine_the_figures_are_from() -> None:
    machine = {"cores": 2, "kernel": "6.18.44",
               "cpu": {"model": "AMD EPYC", "family_model": "25/1", "syscall_ns": 610, "python_loop_ns": 38.7,
                       "mitigations": {}}}
    first = report.table({"meta": {"machine": machine}, "targets": []}).splitlines()[0]
    assert first == ("machine  2 × AMD EPYC (25/1), kernel 6.18.44, a system call ≈ 610 ns, a Python loop step"
                     " ≈ 38.7 ns")


def test_the_report_reads_this_machine() -> None:
    from bench.run import _cpu

    cpu = _cpu()
    assert cpu["syscall_ns"] > 0 and cpu["python_loop_ns"] > 0
    assert isinstance(cpu["mitigations"], dict)
