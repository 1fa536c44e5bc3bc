"""The operator's behaviours under real Airflow (dag.test) against moto and the local PagerDuty receiver."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emrs_observe.airflow import naming
from tests.airflow.conftest import REGION, ROUTING_KEY, Team, run_dag, stored_texts
from tests.airflow.emr_proxy import EmrJobProxy, job_run
from tests.compliance.conftest import Estate
from tests.servers.pagerduty import TlsPagerDutyReceiver

pytestmark = pytest.mark.usefixtures("airflow_db")
DEDUP = naming.dedup_key  # the key a DAG/task's incident is filed under


def _dag(name: str) -> object:
    from tests.airflow.dags import scenarios

    return getattr(scenarios, name)


def test_a_failed_job_run_is_retried_and_the_retry_succeeds_without_paging(
    team: Team, aws_proxy: EmrJobProxy, pagerduty: TlsPagerDutyReceiver, capfd: pytest.CaptureFixture[str]
) -> None:
    aws_proxy.script(("FAILED", "Job failed, please check complete logs in configured logging destination."))
    outcome = run_dag(_dag("retry"))
    out = capfd.readouterr().out
    assert outcome.state == "success", out[-4000:]
    assert outcome.tries == {"job": ("success", 2)}
    first, second = aws_proxy.started
    assert job_run(team.account, REGION, team.application_id, first["jobRunId"]).state == "FAILED"
    # The first try failed with the job run's own stateDetails, not a bare waiter error.
    assert f"EMR Serverless job run {first['jobRunId']} of application {team.application_id} is FAILED" in out
    assert "please check complete logs" in out
    # Each try has its own idempotency token: the retry is a new job run, not the failed one again.
    assert first["clientToken"] == naming.client_token(outcome.dag_id, "job", outcome.run_id, 1)
    assert second["clientToken"] == naming.client_token(outcome.dag_id, "job", outcome.run_id, 2)
    assert pagerduty.events() == []  # the failure was not final, and nothing was open to resolve


def test_a_final_failure_pages_once_and_the_next_success_resolves(
    team: Team, aws_proxy: EmrJobProxy, pagerduty: TlsPagerDutyReceiver, capfd: pytest.CaptureFixture[str]
) -> None:
    aws_proxy.script(("FAILED", "Driver OOM: java.lang.OutOfMemoryError"))
    failed = run_dag(_dag("final_failure"))
    assert failed.state == "failed"
    (trigger,) = pagerduty.events()
    assert trigger["event_action"] == "trigger"
    assert trigger["dedup_key"] == DEDUP("emrs_test_final_failure", "job")
    assert trigger["routing_key"] == ROUTING_KEY  # from the Airflow connection
    assert trigger["payload"]["severity"] == "critical"
    assert "Driver OOM" in trigger["payload"]["summary"]
    assert trigger["payload"]["custom_details"]["job_run_id"] == aws_proxy.started[0]["jobRunId"]

    succeeded = run_dag(_dag("final_failure"))  # the next run: moto's job run succeeds
    assert succeeded.state == "success"
    resolve = pagerduty.events()[1]
    assert (resolve["event_action"], resolve["dedup_key"]) == ("resolve", trigger["dedup_key"])

    run_dag(_dag("final_failure"))  # a further success has nothing open: no third event
    assert len(pagerduty.events()) == 2

    # The routing key never reached a task log, a rendered template field, an XCom or the stored DAG.
    out = capfd.readouterr()
    assert ROUTING_KEY not in out.out + out.err
    for run in (failed, succeeded):
        stored = stored_texts(run.dag_id, run.run_id)
        assert "emrs_test_final_failure" in stored  # the check reads what the UI shows
        assert ROUTING_KEY not in stored


def test_spark_conf_that_would_drop_lineage_is_refused_before_submission_and_not_retried(
    team: Team, aws_proxy: EmrJobProxy, pagerduty: TlsPagerDutyReceiver, capfd: pytest.CaptureFixture[str]
) -> None:
    outcome = run_dag(_dag("refused"))
    out = capfd.readouterr().out
    assert outcome.state == "failed"
    assert outcome.tries == {"job": ("failed", 1)}  # retries=3, but a refusal is not retried
    assert aws_proxy.started == []
    assert "job refused before submission" in out
    assert "spark.spline.lineageDispatcher" in out
    (page,) = pagerduty.events()
    assert "spark.spline.lineageDispatcher" in page["payload"]["summary"]


def test_an_explicit_opt_out_submits_the_override_and_says_so(
    team: Team, aws_proxy: EmrJobProxy, capfd: pytest.CaptureFixture[str]
) -> None:
    outcome = run_dag(_dag("override"))
    out = capfd.readouterr().out
    assert outcome.state == "success", out[-4000:]
    (started,) = aws_proxy.started
    props = started["configurationOverrides"]["applicationConfiguration"][0]["properties"]
    assert props == {"spark.spline.lineageDispatcher": "kafka"}
    assert "allow_observability_override=True: spark_conf's spark.spline.lineageDispatcher replaces" in out


def test_airflow_timeout_cancels_the_job_run(
    team: Team, aws_proxy: EmrJobProxy, pagerduty: TlsPagerDutyReceiver, capfd: pytest.CaptureFixture[str]
) -> None:
    aws_proxy.script(("RUNNING", None))  # a job run that never ends on its own
    outcome = run_dag(_dag("timeout"))
    assert outcome.state == "failed", capfd.readouterr().out[-4000:]
    (started,) = aws_proxy.started
    assert job_run(team.account, REGION, team.application_id, started["jobRunId"]).state == "CANCELLED"
    cancel_path = f"/applications/{team.application_id}/jobruns/{started['jobRunId']}"
    assert [r.method for r in aws_proxy.requests if r.path == cancel_path and r.method == "DELETE"] == ["DELETE"]
    assert started["executionTimeoutMinutes"] == 6  # EMR's own backstop: Airflow's 3 s rounded up, plus 5
    (page,) = pagerduty.events()
    assert page["event_action"] == "trigger"


def test_a_denied_team_role_fails_with_the_role_named(
    team: Team, aws_proxy: EmrJobProxy, capfd: pytest.CaptureFixture[str]
) -> None:
    aws_proxy.deny_roles.add(team.emr_role)
    outcome = run_dag(_dag("final_failure"))
    out = capfd.readouterr().out
    assert outcome.state == "failed"
    assert aws_proxy.started == []
    assert f"cannot read EMR Serverless application {team.application_id} as {team.emr_role}" in out
    assert "AccessDenied" in out


def test_an_unreachable_pagerduty_is_logged_and_the_task_keeps_its_own_error(
    team: Team, aws_proxy: EmrJobProxy, pagerduty: TlsPagerDutyReceiver, capfd: pytest.CaptureFixture[str]
) -> None:
    pagerduty.stop()  # the connection still points at it: nothing listens there any more
    aws_proxy.script(("FAILED", "Exit code 1 from the driver"))
    outcome = run_dag(_dag("final_failure"))
    out = capfd.readouterr().out
    assert outcome.state == "failed"
    assert "is FAILED: Exit code 1 from the driver" in out
    assert "PagerDuty alert emrs-observe/airflow/emrs_test_final_failure/job not sent" in out
    assert "PagerDuty not reachable" in out
    assert ROUTING_KEY not in out


def test_a_connection_that_already_assumes_a_role_is_refused_with_both_roles_named(
    team: Team, aws_proxy: EmrJobProxy, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    other = f"arn:aws:iam::{team.account}:role/platform"
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps({"conn_type": "aws", "extra": {"role_arn": other}}))
    outcome = run_dag(_dag("final_failure"))
    out = capfd.readouterr().out
    assert outcome.state == "failed"
    assert aws_proxy.started == []
    assert f"AWS connection 'aws_default' already assumes {other}; aws_assume_role {team.emr_role}" in out


def test_unreadable_application_defaults_are_logged_and_the_job_still_runs(
    team: Team, aws_proxy: EmrJobProxy, capfd: pytest.CaptureFixture[str]
) -> None:
    # What GetApplication can carry (its model makes every value a string): a key Spark would not see.
    broken = [
        {"classification": "spark-defaults", "properties": {" spark.plugins": "emrs.observe.spark.LoggerSparkPlugin"}}
    ]
    Estate(aws_proxy.url).set_runtime(team.account, REGION, team.application_id, broken)
    outcome = run_dag(_dag("final_failure"))
    out = capfd.readouterr().out
    assert outcome.state == "success", out[-4000:]
    assert "runtimeConfiguration[0].properties[' spark.plugins'] has spaces around the key" in out
    assert "do not register emrs.observe.spark.LoggerSparkPlugin" in out  # what is left lacks the plugin


def test_without_the_connection_the_routing_key_comes_from_the_environment(
    team: Team,
    aws_proxy: EmrJobProxy,
    pagerduty: TlsPagerDutyReceiver,
    tls_cert: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    env_key = "ENVR0UT1NGKEYdoNotLeak000000042"
    monkeypatch.delenv("AIRFLOW_CONN_EMRS_OBSERVE_PAGERDUTY_CRITICAL")
    monkeypatch.setenv("EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY", env_key)
    monkeypatch.setenv("EMRS_OBSERVE_PAGERDUTY_URL", pagerduty.url)
    monkeypatch.setenv("EMRS_OBSERVE_PAGERDUTY_CA_BUNDLE", str(tls_cert[0]))
    aws_proxy.script(("FAILED", "Exit code 1 from the driver"))
    outcome = run_dag(_dag("final_failure"))
    assert outcome.state == "failed"
    (trigger,) = pagerduty.events()
    assert trigger["routing_key"] == env_key
    out = capfd.readouterr()
    assert "triggered (environment)" in out.out
    assert env_key not in out.out + out.err
    assert env_key not in stored_texts(outcome.dag_id, outcome.run_id)
