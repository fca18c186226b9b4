"""The chart's `uptick-maintain` CronJob: the monitors image's script, one run at a time, locked down."""

from __future__ import annotations


def cronjob(docs):
    (job,) = [doc for doc in docs if doc["kind"] == "CronJob"]
    return job


def test_maintenance_runs_on_a_schedule_one_run_at_a_time(helm):
    job = cronjob(helm.render("default"))
    assert job["metadata"]["name"] == "uptick-maintain"
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    assert job["spec"]["timeZone"] == "Etc/UTC"
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] == ["/app/.venv/bin/uptick-maintain"]
    assert container["image"].endswith("/uptick-monitors:0.1.0")
    env = helm.env_of(container)
    assert env["UPTICK_DATABASE_URL"]["secretKeyRef"]["key"] == "UPTICK_DATABASE_URL"
    assert (env["UPTICK_TICK_RETENTION_DAYS"], env["UPTICK_MINUTE_ROLLUP_RETENTION_DAYS"]) == ("30", "35")
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["automountServiceAccountToken"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp"}


def test_retention_is_a_value_and_the_job_can_be_switched_off(helm):
    job = cronjob(helm.render("default", "--set", "maintain.tickRetentionDays=90"))
    container = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert helm.env_of(container)["UPTICK_TICK_RETENTION_DAYS"] == "90"
    assert not [d for d in helm.render("default", "--set", "maintain.enabled=false") if d["kind"] == "CronJob"]
    # Regional installations (checkers only) have no database to maintain.
    assert not [d for d in helm.render("second-cluster") if d["kind"] == "CronJob"]
