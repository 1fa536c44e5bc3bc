"""Every log a job writes, end to end on PySpark 3.5 and 4.0: a job started by spark-submit (the JVM
launches the Python driver, as on EMR Serverless) on a local-cluster with an executor JVM, which

- reconfigures log4j twice (its own log4j2.properties through LoggerContext.setConfigLocation, with
  a logger of additivity=false, then Configurator.reconfigure()) and keeps logging;
- prints, writes to stderr and logs with Python's logging on the driver, prints in Python workers;
- dies of an uncaught, chained Python exception with its SparkContext still running.

Each line must arrive exactly once (log4j's console appender writes the same lines to stderr), the
console must still show everything, and the plugin's own warnings must not be shipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugin.conftest import SPARK_DISTS, JobRun, events_with, plugin_conf, run_job, vault_conf
from tests.servers.datadog_intake import DatadogIntake, tags_of
from tests.servers.openbao import OpenBao

pytestmark = pytest.mark.spark

JOB_LOG4J = """\
status = warn
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = JOBCFG %p %c - %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
logger.quiet.name = emrs.quiet
logger.quiet.level = info
logger.quiet.additivity = false
logger.quiet.appenderRef.console.ref = console
"""


@pytest.fixture(scope="module", params=sorted(SPARK_DISTS))
def job(
    request: pytest.FixtureRequest, plugin_jar: Path, openbao: OpenBao, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[JobRun, DatadogIntake]]:
    dist = SPARK_DISTS[request.param]()
    intake = DatadogIntake().start()
    workdir = tmp_path_factory.mktemp(f"every-line-{dist.name}")
    props = workdir / "job-log4j2.properties"
    props.write_text(JOB_LOG4J)
    conf = {**plugin_conf(plugin_jar, intake.logs_url), **vault_conf(openbao, "approle", role=openbao.role_id)}
    # LOG_LEVEL without log.packages: a warning printed after the capture started, which must
    # reach stderr and not Datadog.
    env = {"VAULT_SECRET_ID": openbao.secret_id, "ROOT_LOG_LEVEL": "INFO", "LOG_LEVEL": "DEBUG"}
    try:
        run = run_job(
            workdir,
            conf,
            env,
            lines=3,
            master="local-cluster[1,1,1024]",
            spark=dist,
            submit=True,
            python_output=True,
            reconfigure=props.as_uri(),
        )
        yield run, intake
    finally:
        intake.stop()


def test_the_job_ran_and_failed_of_its_python_exception(job: tuple[JobRun, DatadogIntake]) -> None:
    run, _ = job
    assert run.report.get("rows") == 7, run.stderr[-3000:]
    assert run.returncode != 0
    # The console is unchanged: the Python driver's output and traceback are still on stdout.
    assert run.stdout.count("py-print: hello from the driver") == 1
    assert "ValueError: py-boom: the job failed" in run.stdout


def test_shipping_continues_across_log4j_reconfigurations(job: tuple[JobRun, DatadogIntake]) -> None:
    run, intake = job
    events = intake.events()
    for text, logger in (
        ("after setConfigLocation line", "emrs.test.job"),
        ("non-additive line", "emrs.quiet.job"),
        ("after reconfigure line", "emrs.test.job"),
    ):
        found = events_with(events, text)
        assert len(found) == 1, f"{text!r}: {len(found)} events"
        assert found[0]["logger"]["name"] == logger
    # The job's own configuration is in force on the console, and its lines are not shipped again.
    assert "JOBCFG INFO emrs.test.job - after setConfigLocation line" in run.stderr
    assert not events_with(events, "JOBCFG")
    assert run.report["gauges"]["reattached"] >= 2


def test_python_driver_output_arrives_once_as_stdout_events(job: tuple[JobRun, DatadogIntake]) -> None:
    _, intake = job
    events = intake.events()
    for text, status in (
        ("py-print: hello from the driver", "info"),
        # The driver's Python stderr reaches the JVM merged into its stdout (PythonRunner).
        ("py-stderr: to stderr", "info"),
        ("WARNING:emrs.pyjob:py-logging: careful", "warn"),
    ):
        found = events_with(events, text)
        assert len(found) == 1, f"{text!r}: {len(found)} events"
        assert found[0]["logger"]["name"] == "stdout"
        assert found[0]["status"] == status
        assert tags_of(found[0])["executor_id"] == "driver"


def test_python_worker_output_arrives_from_the_executor(job: tuple[JobRun, DatadogIntake]) -> None:
    run, intake = job
    assert "py-worker: partition 0" in run.executor_logs()  # the executor's console still has it
    for i in range(2):
        found = events_with(intake.events(), f"py-worker: partition {i}")
        assert len(found) == 1, f"partition {i}: {len(found)} events"
        assert found[0]["logger"]["name"] == "stderr"
        assert tags_of(found[0])["executor_id"] == "0"


def test_an_uncaught_python_exception_is_one_event_with_its_stack(job: tuple[JobRun, DatadogIntake]) -> None:
    _, intake = job
    events = intake.events()
    [event] = [e for e in events if e.get("error", {}).get("kind") == "ValueError"]
    assert event["status"] == "error"
    assert event["message"] == "ValueError: py-boom: the job failed"
    assert event["error"]["message"] == "py-boom: the job failed"
    stack = event["error"]["stack"]
    assert stack.startswith("Traceback (most recent call last):")
    assert "KeyError: 'missing'" in stack  # the chained cause stays in the same event
    assert "The above exception was the direct cause of the following exception:" in stack
    assert not [e for e in events if str(e.get("message", "")).lstrip().startswith('File "')]
    assert not events_with(events, "Traceback (most recent call last)")


def test_log4j_lines_are_not_shipped_again_from_the_console(job: tuple[JobRun, DatadogIntake]) -> None:
    run, intake = job
    events = intake.events()
    assert len(events_with(events, "driver line 0")) == 1
    assert "driver line 0" in run.stderr  # the console appender did write it
    console = [e for e in events if e["logger"]["name"] in ("stdout", "stderr")]
    log4j_like = [e for e in console if " INFO " in str(e["message"]) or "Running task" in str(e["message"])]
    assert not log4j_like, log4j_like[:3]
    assert any("Running task" in str(e["message"]) for e in events)  # from the executor's log4j, once


def test_no_secret_is_shipped_or_printed(job: tuple[JobRun, DatadogIntake], api_key: str, openbao: OpenBao) -> None:
    run, intake = job
    shipped = b"".join(intake.raw_bodies()).decode("utf-8", errors="replace")
    assert "py-worker: partition 0" in shipped  # the capture's output is in there
    for where, text in (("shipped events", shipped), ("console", run.stdout + run.stderr + run.executor_logs())):
        assert api_key not in text, f"Datadog API key in {where}"
        assert openbao.secret_id not in text, f"AppRole secret id in {where}"


def test_the_plugins_own_warnings_stay_on_the_console(job: tuple[JobRun, DatadogIntake]) -> None:
    run, intake = job
    assert "emrs-observe WARNING: logging set-up problems:" in run.warnings()
    assert "LOG_LEVEL=DEBUG is set but spark.emrs.observe.log.packages names no package" in run.stderr
    assert not events_with(intake.events(), "emrs-observe WARNING")
    assert not events_with(intake.events(), "LOG_LEVEL=DEBUG is set but")
