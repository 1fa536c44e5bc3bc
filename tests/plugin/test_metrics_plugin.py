"""The metrics path end to end: PySpark jobs with a separate executor JVM per executor
(local-cluster), the jar only in spark.jars, the Datadog API key read from a real OpenBao, metric
payloads received by a local series API that checks each one with datadog-api-client's own model.

What a job makes knowable is compared with what Spark itself says: the REST API (the application
status store, which Datadog's Spark check reads) and the files the job wrote. Two runs, one per
Spark version (the same jar), back most tests, each in its own way: on 3.5 the interval is longer
than the job, so everything arrives in the collection each JVM makes at shutdown, which is what a
short job depends on; on 4.0 each JVM collects every second while the intake throttles the first
payloads (429 with Retry-After, 503). A third run (3.5, one JVM) has the intake down.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from emrs_observe.metrics import catalog
from tests.plugin.conftest import ROOT, SPARK_DISTS, JobRun, closed_port, plugin_conf, run_job, spark35, vault_conf
from tests.servers.datadog_intake import DatadogIntake, tags_of
from tests.servers.datadog_series import DatadogSeriesIntake, Point
from tests.servers.openbao import OpenBao
from tests.servers.recorder import Fault

pytestmark = pytest.mark.spark

JOB = Path(__file__).resolve().parent / "metrics_job.py"
ROWS = 20_000
EMR_ENV = {
    "EMR_SERVERLESS_APPLICATION_ID": "00fabc123",
    "EMR_SERVERLESS_JOB_RUN_ID": "00frun456",
    "EMR_RELEASE_LABEL": "emr-7.1.0",
}
COMMON_TAGS = {
    "service": "emrs-metrics-test",
    "spark_app_name": "emrs-metrics-test",
    "emr_application_id": "00fabc123",
    "emr_job_run_id": "00frun456",
    "release_label": "emr-7.1.0",
    "team": "data",
}
# Tags whose values grow without bound with a job's work: never on a series.
UNBOUNDED_TAGS = {"job_id", "stage_id", "task_id", "attempt", "query", "query_name", "partition", "sql_id"}


@dataclass
class Measured:
    run: JobRun
    series: DatadogSeriesIntake
    logs: DatadogIntake

    @property
    def report(self) -> dict[str, Any]:
        return self.run.report


def measure(
    workdir: Path,
    dist_name: str,
    openbao: OpenBao,
    jar: Path,
    *,
    interval_ms: int,
    faults: list[Fault],
    sleep_s: float = 0,
    metrics_url: str | None = None,
    master: str = "local-cluster[2,1,1024]",
    extra_conf: dict[str, str] | None = None,
) -> Measured:
    series = DatadogSeriesIntake().start()
    logs = DatadogIntake().start()
    series.inject(*faults)
    conf = {
        **plugin_conf(jar, logs.logs_url),
        **vault_conf(openbao, "approle", role=openbao.role_id),
        "spark.emrs.observe.tags": "team:data",
        "spark.emrs.observe.metrics.enabled": "true",
        "spark.emrs.observe.metrics.intervalMs": str(interval_ms),
        "spark.emrs.observe.datadog.metricsUrl": metrics_url or series.series_url,
        **(extra_conf or {}),
    }
    env = {"VAULT_SECRET_ID": openbao.secret_id, "ROOT_LOG_LEVEL": "INFO", **EMR_ENV}
    try:
        run = run_job(
            workdir, conf, env, master=master, spark=SPARK_DISTS[dist_name](), script=JOB, sleep_s=sleep_s,
            extra={"out": str(workdir / "out"), "rows": ROWS},
        )
    finally:
        series.stop()
        logs.stop()
    return Measured(run, series, logs)


@pytest.fixture(scope="module")
def shutdown_only(plugin_jar: Path, openbao: OpenBao, tmp_path_factory: pytest.TempPathFactory) -> Measured:
    """PySpark 3.5, an interval longer than the job: each JVM's one collection is the one at shutdown,
    and the intake throttles the first payload (429 with Retry-After)."""
    return measure(
        tmp_path_factory.mktemp("metrics-3.5"), "3.5", openbao, plugin_jar, interval_ms=600_000,
        faults=[Fault(429, headers={"Retry-After": "1"}, body=b'{"errors":["Too many requests"]}')],
    )


@pytest.fixture(scope="module")
def every_second(plugin_jar: Path, openbao: OpenBao, tmp_path_factory: pytest.TempPathFactory) -> Measured:
    """PySpark 4.0, a collection every second while the intake answers 429 and 503 to the first payloads."""
    faults = [Fault(429, headers={"Retry-After": "1"}), Fault(503), Fault(429, headers={"Retry-After": "1"})]
    return measure(
        tmp_path_factory.mktemp("metrics-4.0"), "4.0", openbao, plugin_jar, interval_ms=1_000, faults=faults,
        sleep_s=2,
    )


@pytest.fixture(params=["3.5", "4.0"])
def measured(request: pytest.FixtureRequest) -> Measured:
    """Each of the two runs above, for what both must show."""
    run: Measured = request.getfixturevalue("shutdown_only" if request.param == "3.5" else "every_second")
    return run


def rest_jobs(report: dict[str, Any], field: str, status: str | None = None) -> int:
    return sum(int(j[field]) for j in report["jobs"] if status is None or j["status"] == status)


def rest_stages(report: dict[str, Any], field: str) -> int:
    return sum(int(s[field]) for s in report["stages"])


def rest_executors(report: dict[str, Any], field: str) -> int:
    return sum(int(e[field]) for e in report["allexecutors"] if e["id"] != "driver")


def total(m: Measured, metric: str, **tags: str) -> float:
    # A rate's value times its interval is a count up to the last bits of a double.
    return round(m.series.total(metric, **tags), 6)


def assert_figures_equal_sparks(m: Measured) -> None:
    """Every task, stage and job figure, added up over all points, equals what the REST API says."""
    r = m.report
    assert r["jobs"] and r["stages"]
    for status in ("SUCCEEDED", "FAILED"):
        expected = len([j for j in r["jobs"] if j["status"] == status])
        assert total(m, "spark.job.count", status=status.lower()) == expected, status
    for figure, field in [
        ("spark.job.num_completed_tasks", "numCompletedTasks"),
        ("spark.job.num_failed_tasks", "numFailedTasks"),
        ("spark.job.num_skipped_tasks", "numSkippedTasks"),
        ("spark.job.num_completed_stages", "numCompletedStages"),
        ("spark.job.num_skipped_stages", "numSkippedStages"),
    ]:
        assert round(total(m, figure)) == rest_jobs(r, field), figure
    for status in ("COMPLETE", "SKIPPED", "FAILED"):
        expected = len([s for s in r["stages"] if s["status"] == status])
        assert total(m, "spark.stage.count", status=status.lower()) == expected, status
    for figure, field in [
        ("spark.stage.num_complete_tasks", "numCompleteTasks"),
        ("spark.stage.num_failed_tasks", "numFailedTasks"),
        ("spark.stage.input_records", "inputRecords"),
        ("spark.stage.output_records", "outputRecords"),
        ("spark.stage.output_bytes", "outputBytes"),
        ("spark.stage.shuffle_read_bytes", "shuffleReadBytes"),
        ("spark.stage.shuffle_write_records", "shuffleWriteRecords"),
    ]:
        assert round(total(m, figure)) == rest_stages(r, field), figure
    for figure, field in [
        ("spark.executor.completed_tasks", "completedTasks"),
        ("spark.executor.failed_tasks", "failedTasks"),
        ("spark.executor.total_shuffle_write", "totalShuffleWrite"),
    ]:
        assert round(total(m, figure)) == rest_executors(r, field), figure


def test_the_job_succeeds_and_every_payload_is_one_datadog_accepts(measured: Measured, api_key: str) -> None:
    m = measured
    assert m.run.returncode == 0, m.run.stderr[-3000:]
    assert m.series.invalid() == []
    accepted = m.series.accepted()
    assert len(accepted) >= 3  # the driver and both executors
    assert {r.header("DD-API-KEY") for r in accepted} == {api_key}
    assert not m.series.faults  # every throttled payload was answered, and sent again (nothing dropped below)
    warnings = m.run.warnings()
    assert warnings == [], warnings


def test_tasks_and_stages_equal_what_sparks_status_store_says(measured: Measured) -> None:
    assert_figures_equal_sparks(measured)


def test_records_and_bytes_written_equal_what_the_job_wrote(measured: Measured) -> None:
    m = measured
    assert m.report["written_bytes"] > 0
    # From the driver's status store (Datadog's Spark check's names) ...
    assert total(m, "spark.stage.output_records") == ROWS
    assert total(m, "spark.stage.output_bytes") == m.report["written_bytes"]
    # ... and from the executors' own metrics systems, added up over executors.
    assert total(m, "emrs.spark.executor.records_written") == ROWS
    assert total(m, "emrs.spark.executor.bytes_written") == m.report["written_bytes"]


def test_a_failed_task_is_counted_where_spark_counts_it(measured: Measured) -> None:
    m = measured
    assert rest_jobs(m.report, "numFailedTasks") == 1
    assert total(m, "spark.job.num_failed_tasks") == 1
    assert total(m, "spark.stage.num_failed_tasks") == 1
    assert total(m, "spark.executor.failed_tasks") == 1
    # The job retried its task and succeeded: no job is counted as failed.
    assert total(m, "spark.job.count", status="failed") == 0
    assert total(m, "spark.job.count", status="succeeded") == len(m.report["jobs"])


def test_each_executors_series_arrive_with_its_tags(measured: Measured) -> None:
    m = measured
    executors = [e for e in m.report["allexecutors"] if e["id"] != "driver"]
    assert len(executors) == 2
    for e in executors:
        mine = [p for p in m.series.points() if p.tag_map.get("executor_id") == e["id"]]
        names = {p.metric for p in mine}
        assert {"emrs.spark.jvm.heap.used", "emrs.spark.executor.run_time", "emrs.plugin.logs.sent"} <= names, e["id"]
        for p in mine:
            assert {k: p.tag_map.get(k) for k in COMMON_TAGS} == COMMON_TAGS, p
            assert p.tag_map["spark_app_id"] == m.report["app_id"], p
        # The executor's own count of its tasks agrees with the driver's.
        succeeded = sum(p.amount for p in mine if p.metric == "emrs.spark.executor.succeeded_tasks")
        assert succeeded == e["completedTasks"], e["id"]
    driver = [p for p in m.series.points() if p.tag_map.get("executor_id") == "driver"]
    assert {"emrs.spark.dag_scheduler.job.all_jobs", "emrs.spark.block_manager.memory.max_mem_mb"} <= {
        p.metric for p in driver
    }


def test_application_figures_carry_the_logs_tags_and_nothing_unbounded(measured: Measured) -> None:
    m = measured
    points = m.series.points()
    prefixes = ("spark.job.", "spark.stage.", "spark.executor.", "spark.driver.")
    app_level = [p for p in points if p.metric.startswith(prefixes)]
    assert app_level
    for p in app_level:
        assert "executor_id" not in p.tag_map, p  # application figures are not per executor
        assert set(p.tag_map) - set(COMMON_TAGS) - {"spark_app_id", "status"} == set(), p
    for p in points:
        assert not set(p.tag_map) & UNBOUNDED_TAGS, p
    assert {p.tag_map["status"] for p in points if p.metric == "spark.job.count"} <= {"running", "succeeded", "failed"}


def test_types_and_units_are_those_of_datadogs_spark_check(measured: Measured) -> None:
    m = measured

    def one(metric: str) -> Point:
        return next(m.series.named(metric))

    # spark/metadata.csv: counters of the check are rates per second, its "fraction" figures gauges.
    assert (one("spark.job.num_completed_tasks").type, one("spark.job.num_completed_tasks").unit) == (2, "task")
    assert (one("spark.stage.output_bytes").type, one("spark.stage.output_bytes").unit) == (2, "byte")
    assert (one("spark.stage.executor_run_time").type, one("spark.stage.executor_run_time").unit) == (3, "fraction")
    assert (one("spark.executor.memory_used").type, one("spark.executor.memory_used").unit) == (3, "byte")
    assert one("spark.job.count").type == 1
    # Counters of Spark's metrics system and of the plugin: counts of their change.
    assert one("emrs.spark.executor.run_time").type == 1 and one("emrs.spark.executor.run_time").unit == "millisecond"
    assert one("emrs.plugin.logs.sent").type == 1
    assert one("emrs.spark.jvm.heap.used").type == 3
    for p in m.series.points():
        if p.type in (1, 2):
            assert p.interval and p.interval >= 1, p


def test_the_platform_catalog_names_what_the_plugin_sends_with_its_types(measured: Measured) -> None:
    """`emrs-observe metrics dashboard` queries only metrics of its catalog: each one the plugin
    sends must arrive under that name and type, or the dashboard's widgets and monitors stay empty."""
    types = {"count": 1, "rate": 2, "gauge": 3}
    received: dict[str, set[int]] = {}
    for p in measured.series.points():
        received.setdefault(p.metric, set()).add(p.type)
    documented = (ROOT / "docs" / "plugin.md").read_text()
    for spec in catalog.PLUGIN_METRICS + catalog.SPARK_METRICS:
        parts = spec.name.split(".")  # the table names `a.b.c`, then `d` or `b.d` beside it
        assert any(f"`{'.'.join(parts[-n:])}`" in documented for n in (len(parts), 2, 1)), spec.name
        if spec.name in received:
            assert received[spec.name] == {types[spec.type]}, (spec.name, spec.type, received[spec.name])
        else:  # a change that never happened is not sent; a level always is
            assert spec.type in ("count", "rate"), f"{spec.name} is a level in the catalog but never arrived"
    sent = [s for s in catalog.PLUGIN_METRICS + catalog.SPARK_METRICS if s.name in received]
    assert len(sent) >= len(catalog.SPARK_METRICS), sorted(s.name for s in sent)


def test_the_last_interval_before_shutdown_arrives(shutdown_only: Measured) -> None:
    m = shutdown_only
    assert m.report["ran_s"] < 600  # shorter than the interval: only the collection at shutdown ran
    stamps: dict[str, set[int]] = {}
    for p in m.series.points():
        stamps.setdefault(p.tag_map.get("executor_id", "app"), set()).add(p.timestamp)
    assert set(stamps) == {"app", "driver", "0", "1"}
    assert all(len(s) == 1 for s in stamps.values()), stamps
    # The driver's last collection came after its logs' last flush: every event that reached the
    # logs intake is counted in emrs.plugin.logs.sent.
    for executor in ("driver", "0", "1"):
        shipped = [e for e in m.logs.events() if tags_of(e).get("executor_id") == executor]
        assert total(m, "emrs.plugin.logs.sent", executor_id=executor) == len(shipped) > 0, executor


def test_the_plugin_reports_its_own_health_as_counts(measured: Measured) -> None:
    m = measured
    assert total(m, "emrs.plugin.metrics.dropped") == 0
    assert total(m, "emrs.plugin.logs.dropped") == 0
    assert m.report["gauges"]["metrics.dropped"] == 0
    assert m.report["gauges"]["logs.sent"] > 0


def test_no_secret_in_any_payload_or_log(measured: Measured, api_key: str, openbao: OpenBao) -> None:
    m = measured
    places = {
        "metric payloads": b"".join(m.series.raw_bodies()).decode("utf-8", errors="replace"),
        "driver stdout/stderr": m.run.stdout + m.run.stderr,
        "executor stdout/stderr": m.run.executor_logs(),
        "SparkConf": repr(m.report["conf"]),
    }
    assert "spark.job.num_completed_tasks" in places["metric payloads"]
    assert "Running task" in places["executor stdout/stderr"]
    for where, text in places.items():
        for secret in (api_key, openbao.secret_id, openbao.root_token):
            assert secret not in text, f"a secret found in {where}"


def test_every_interval_is_sent_and_the_counts_add_up_across_intervals(every_second: Measured) -> None:
    m = every_second
    for executor in ("driver", "0", "1"):
        stamps = {p.timestamp for p in m.series.points() if p.tag_map.get("executor_id") == executor}
        assert len(stamps) >= 3, (executor, stamps)
    # Jobs seen running in one collection and finished in a later one are counted once each.
    assert len({p.timestamp for p in m.series.named("spark.job.count")}) >= 2
    # Levels seen while the job ran: the driver and both executors, as the REST API listed them.
    assert max(p.value for p in m.series.named("spark.executor.count")) == len(m.report["executors"]) == 3


def test_an_intake_that_is_down_costs_the_job_nothing(plugin_jar: Path, tmp_path: Path) -> None:
    logs = DatadogIntake().start()
    try:
        conf = {
            **plugin_conf(plugin_jar, logs.logs_url),
            "spark.emrs.observe.metrics.enabled": "true",
            "spark.emrs.observe.metrics.intervalMs": "1000",
            "spark.emrs.observe.datadog.metricsUrl": f"http://127.0.0.1:{closed_port()}/api/v2/series",
        }
        run = run_job(
            # local[2,2]: two attempts per task, so the job's deliberately failing task is retried
            tmp_path, conf, {"DD_API_KEY": "0" * 32}, master="local[2,2]", spark=spark35(), script=JOB, sleep_s=1,
            extra={"out": str(tmp_path / "out"), "rows": ROWS},
        )
    finally:
        logs.stop()
    assert run.returncode == 0, run.stderr[-3000:]
    # The logs path is not affected, and the job is not held at shutdown by retries: one retry only.
    assert any("Running task" in str(e.get("message")) for e in logs.events())
    assert run.report["stop_s"] < 5, run.report["stop_s"]
    summary = [w for w in run.warnings() if "Datadog metrics: sent 0 metric points" in w]
    assert len(summary) == 1, run.warnings()
    assert "dropped" in summary[0] and "shutdown_timeout=" in summary[0]
    # Each kind of loss is warned once, however many payloads it cost (one a second here).
    metric_warnings = [w for w in run.warnings() if "Datadog series intake" in w]
    assert 1 <= len(metric_warnings) <= 2, metric_warnings
