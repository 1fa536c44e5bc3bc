"""The logger plugin end to end: a PySpark job with a separate executor JVM (local-cluster), the
jar only in spark.jars, the Datadog API key read from a real OpenBao through AppRole, logs received
by a local intake. Every test runs on PySpark 3.5 (Scala 2.12) and 4.0 (Scala 2.13, as
emr-spark-8.0.0) with the same jar.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugin.conftest import SPARK_DISTS, JobRun, events_with, plugin_conf, run_job, vault_conf
from tests.servers.datadog_intake import DatadogIntake, tags_of
from tests.servers.openbao import OpenBao

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module", params=sorted(SPARK_DISTS))
def shipped(
    request: pytest.FixtureRequest, plugin_jar: Path, openbao: OpenBao, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[JobRun, DatadogIntake]]:
    dist = SPARK_DISTS[request.param]()
    intake = DatadogIntake().start()
    workdir = tmp_path_factory.mktemp(f"happy-{dist.name}")
    conf = {
        **plugin_conf(plugin_jar, intake.logs_url),
        **vault_conf(openbao, "approle", role=openbao.role_id),
        "spark.emrs.observe.tags": "team:data,cost_center:42",
        "spark.emrs.observe.log.packages": "emrs.test",
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": f"file://{workdir}/events",
        # Spark 4 zstd-compresses the event log by default (and rolls it into a directory): the
        # secret check below reads plain text, so compression is off; rolling stays as it is.
        "spark.eventLog.compress": "false",
    }
    (workdir / "events").mkdir()
    env = {
        "VAULT_SECRET_ID": openbao.secret_id,
        "ROOT_LOG_LEVEL": "INFO",
        "LOG_LEVEL": "DEBUG",
        "EMR_SERVERLESS_APPLICATION_ID": "00fabc123",
        "EMR_SERVERLESS_JOB_RUN_ID": "00frun456",
        "EMR_RELEASE_LABEL": "emr-7.1.0",
    }
    try:
        run = run_job(workdir, conf, env, lines=5, master="local-cluster[1,1,1024]", spark=dist)
        yield run, intake
    finally:
        intake.stop()


def test_job_succeeds_and_driver_lines_arrive_tagged(shipped: tuple[JobRun, DatadogIntake]) -> None:
    run, intake = shipped
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.report["rows"] == 7
    events = intake.events()
    for i in range(5):
        matching = events_with(events, f"driver line {i}")
        assert len(matching) == 1, f"driver line {i}: {len(matching)} copies"
    event = events_with(events, "driver line 0")[0]
    tags = tags_of(event)
    assert tags["spark_app_id"] == run.report["app_id"]
    assert tags["spark_app_name"] == "emrs-plugin-test"
    assert tags["executor_id"] == "driver"
    assert tags["emr_application_id"] == "00fabc123"
    assert tags["emr_job_run_id"] == "00frun456"
    assert tags["release_label"] == "emr-7.1.0"
    assert tags["team"] == "data" and tags["cost_center"] == "42"
    assert event["status"] == "info"
    assert event["ddsource"] == "spark"
    assert event["service"] == "emrs-plugin-test"
    assert event["hostname"] == socket.gethostname()
    assert event["logger"]["name"] == "emrs.test.job"


def test_executor_lines_arrive_from_the_executor_jvm(shipped: tuple[JobRun, DatadogIntake]) -> None:
    run, intake = shipped
    executor_events = [e for e in intake.events() if tags_of(e).get("executor_id") == "0"]
    running = [e for e in executor_events if "Running task" in str(e.get("message"))]
    assert running, f"no task line from executor 0 among {len(executor_events)} executor events"
    # Each line once: the executor's console appender writes the same lines to its stderr.
    seen = [(e["timestamp"], e["logger"]["thread_name"], e["message"]) for e in executor_events]
    twice = {line for line in seen if seen.count(line) > 1}
    assert not twice, f"executor lines arrived twice: {sorted(twice)[:3]}"
    # Spark 3.1-3.5 put the task name under "mdc.taskName", Spark 4.0 under "task_name".
    task_key = "task_name" if run.report["spark_version"].startswith("4.") else "mdc.taskName"
    assert "task 0.0 in stage" in running[0].get("mdc", {}).get(task_key, ""), running[0].get("mdc")
    assert tags_of(running[0])["team"] == "data"
    assert tags_of(running[0])["spark_app_name"] == "emrs-plugin-test"


def test_exception_keeps_its_stack_trace(shipped: tuple[JobRun, DatadogIntake]) -> None:
    _, intake = shipped
    [event] = events_with(intake.events(), "driver error line")
    assert event["status"] == "error"
    assert event["error"]["kind"] == "java.lang.IllegalStateException"
    assert event["error"]["message"] == "boom for the stack trace"
    assert "\tat " in event["error"]["stack"]


def test_log_level_applies_to_the_named_packages_only(shipped: tuple[JobRun, DatadogIntake]) -> None:
    _, intake = shipped
    messages = intake.messages()
    assert "driver debug line" in messages  # emrs.test is in log.packages, LOG_LEVEL=DEBUG
    assert "other info line" in messages  # ROOT_LOG_LEVEL=INFO
    assert "other debug line" not in messages


def test_requests_carry_the_key_from_vault_gzipped(shipped: tuple[JobRun, DatadogIntake], api_key: str) -> None:
    _, intake = shipped
    assert intake.api_keys() == {api_key}
    assert all(r.header("Content-Encoding") == "gzip" for r in intake.requests)


def test_secrets_appear_nowhere(shipped: tuple[JobRun, DatadogIntake], api_key: str, openbao: OpenBao) -> None:
    run, intake = shipped
    places = {
        "driver stdout/stderr": run.stdout + run.stderr,
        "executor stdout/stderr": run.executor_logs(),
        "SparkConf": repr(run.report["conf"]),
        "Spark UI environment (REST)": run.report["ui_environment_rest"],
        "Spark UI environment page": run.report["ui_environment_html"],
        "event log": "".join(p.read_text(errors="replace") for p in (run.workdir / "events").rglob("*") if p.is_file()),
        "shipped log lines": b"".join(intake.raw_bodies()).decode("utf-8", errors="replace"),
    }
    # The places are not empty: a check over nothing would prove nothing.
    assert "Running task" in places["executor stdout/stderr"]
    assert "spark.plugins" in places["event log"] and "spark.plugins" in places["Spark UI environment page"]
    for where, text in places.items():
        assert api_key not in text, f"Datadog API key found in {where}"
        assert openbao.secret_id not in text, f"AppRole secret id found in {where}"
        assert openbao.root_token not in text, f"Vault token found in {where}"


def test_counters_are_registered_with_spark_metrics(shipped: tuple[JobRun, DatadogIntake]) -> None:
    run, _ = shipped
    gauges = run.report["gauges"]
    assert gauges["sent"] > 0
    assert gauges["dropped"] == 0
    assert gauges["failed"] == 0
    assert {"dropped.buffer_full", "dropped.rejected", "dropped.retries_exhausted", "retried"} <= set(gauges)
    assert run.warnings() == []
