"""`emrs-observe lineage run|show` end to end: real files, a real moto S3, a DataHub recorder."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner
from datahub.emitter.mce_builder import make_dataset_urn, make_schema_field_urn
from datahub.ingestion.source.file import read_metadata_file

from emrs_observe import storage
from emrs_observe.cli import main
from emrs_observe.lineage.naming import DatasetNamer
from tests.conftest import free_port
from tests.lineage import samples
from tests.lineage.planbuilder import PlanBuilder, lineage_object
from tests.servers.datahub_gms import DataHubRecorder
from tests.servers.recorder import Fault

REVENUE = "urn:li:dataset:(urn:li:dataPlatform:glue,sales.country_revenue,PROD)"
ENRICHED = "urn:li:dataset:(urn:li:dataPlatform:s3,acme-lake/curated/enriched_orders,PROD)"
FX = "urn:li:dataset:(urn:li:dataPlatform:glue,sales.fx_rates,PROD)"
EXPECTED_REVENUE = {
    "country": ([make_schema_field_urn(ENRICHED, "country")], "IDENTITY"),
    "revenue_eur": (sorted([make_schema_field_urn(FX, "rate"), make_schema_field_urn(ENRICHED, "amount")]),
                    "AGGREGATION"),
    "order_count": ([make_schema_field_urn(ENRICHED, "id")], "AGGREGATION"),
}


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["lineage", *args], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def summary_of(stdout: str) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads(stdout)
    return summary


@pytest.fixture
def source(tmp_path: Path, examples: Path) -> Path:
    folder = tmp_path / "lineage"
    shutil.copytree(examples / "lineage", folder)
    return folder


def write_object(folder: Path, key: str, builder: PlanBuilder, ts: int = 1_763_719_300_000) -> Path:
    path = folder / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(lineage_object(builder.plan(), builder.event(ts), samples.JOB)))
    return path


def simple_builder(index: int) -> PlanBuilder:
    b = PlanBuilder(name="orders-daily", plan_id=f"00000000-0000-0000-0000-{index:012d}")
    src = b.read([f"s3://lake/in/t{index}"], ["a", "b"])
    b.write(b.project(src, [b.alias(b.fn("concat", src["a"], src["b"]), "ab")]), f"s3://lake/out/t{index}")
    return b


def test_folder_to_file_sink_then_nothing_new(source: Path, tmp_path: Path) -> None:
    out, state = tmp_path / "mcps.json", tmp_path / "state.json"
    code, stdout, _ = run("run", "--source", str(source), "--sink", f"file:{out}", "--state", str(state))
    assert code == 0
    summary = summary_of(stdout)
    assert summary["objects"]["read"] == 2 and summary["executions"] == 2
    # enriched_orders: 7 columns, 5 of them from both orders partitions (12 edges); country_revenue: 4 edges
    assert summary["lineage_edges"] == 16
    records = list(read_metadata_file(out))
    assert len(records) == summary["proposals"]

    code, stdout, _ = run("run", "--source", str(source), "--sink", f"file:{out}", "--state", str(state))
    assert code == 0
    again = summary_of(stdout)
    assert again["objects"]["already_processed"] == 2 and again["objects"]["read"] == 0
    assert len(list(read_metadata_file(out))) == len(records)


def test_rest_sink_receives_the_exact_column_lineage(source: Path, datahub: DataHubRecorder) -> None:
    code, stdout, _ = run("run", "--source", str(source), "--sink", f"datahub:{datahub.url}")
    assert code == 0, stdout
    assert datahub.column_lineage(REVENUE) == EXPECTED_REVENUE
    assert datahub.column_lineage(ENRICHED)["customer_name"] == (
        [make_schema_field_urn("urn:li:dataset:(urn:li:dataPlatform:s3,acme-lake/raw/customers,PROD)", "name")],
        "TRANSFORMATION")
    assert not datahub.parse_errors


def test_bad_objects_are_reported_and_remembered_and_good_ones_still_go(source: Path, tmp_path: Path,
                                                                       datahub: DataHubRecorder) -> None:
    bad = source / "dt=2025-11-21/hour=11/app/truncated.json"
    bad.parent.mkdir(parents=True)
    bad.write_text('{"format": "emrs-observe.lineage", "version": 1, "executionPlan": {"id"')
    (source / "dt=2025-11-21/hour=11/app/notes.txt").write_text("not lineage at all\n")
    state = tmp_path / "state.json"
    args = ("run", "--source", str(source), "--sink", f"datahub:{datahub.url}", "--state", str(state))
    code, stdout, _ = run(*args)
    assert code == 3
    summary = summary_of(stdout)
    reasons = {Path(r["object"]).name: r["reason"] for r in summary["rejected"]}
    assert reasons["truncated.json"].startswith("truncated JSON")
    assert "neither JSON nor console" in reasons["notes.txt"]
    assert datahub.column_lineage(REVENUE) == EXPECTED_REVENUE

    code, stdout, _ = run(*args)
    assert code == 0 and summary_of(stdout)["objects"]["already_processed"] == 4

    bad.write_text(json.dumps(lineage_object(simple_builder(1).plan(), None, samples.JOB)))
    code, stdout, _ = run(*args)
    assert code == 0 and summary_of(stdout)["executions"] == 1


def test_late_object_sorting_before_the_checkpoint_is_processed(source: Path, tmp_path: Path) -> None:
    state, out = tmp_path / "state.json", tmp_path / "out.json"
    args = ("run", "--source", str(source), "--sink", f"file:{out}", "--state", str(state))
    assert run(*args)[0] == 0
    write_object(source, "dt=2025-11-20/hour=23/late-app/1-late.json", simple_builder(7))
    code, stdout, _ = run(*args)
    assert code == 0
    summary = summary_of(stdout)
    assert summary["executions"] == 1 and summary["objects"]["already_processed"] == 2


def test_failing_sink_exits_4_and_keeps_the_checkpoint(source: Path, tmp_path: Path,
                                                       datahub: DataHubRecorder) -> None:
    state = tmp_path / "state.json"
    args = ("run", "--source", str(source), "--sink", f"datahub:{datahub.url}", "--state", str(state))
    datahub.inject(*[Fault(500, body=b'{"message": "GMS is down"}')] * 20)
    code, stdout, _ = run(*args)
    assert code == 4
    assert "did not accept" in summary_of(stdout)["sink_error"]
    assert not state.exists() or json.loads(state.read_text())["processed"] == {}
    datahub.faults.clear()
    code, stdout, _ = run(*args)
    assert code == 0 and summary_of(stdout)["executions"] == 2
    assert datahub.column_lineage(REVENUE) == EXPECTED_REVENUE


def test_unreachable_datahub_is_named_and_the_token_never_printed(source: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    token = "eyJhbGciOiJIUzI1NiJ9.secret-gms-token-4711"
    code, stdout, stderr = run("run", "--source", str(source), "--sink", f"datahub:{url}",
                               env={"DATAHUB_GMS_TOKEN": token})
    assert code == 4
    assert url in summary_of(stdout)["sink_error"]
    assert token not in stdout + stderr and "secret-gms-token" not in stdout + stderr


def test_token_is_sent_as_bearer_but_not_echoed_when_rejected(source: Path, datahub: DataHubRecorder) -> None:
    token = "secret-gms-token-0815"
    datahub.inject(*[Fault(401, body=b'{"message": "Unauthorized", "status": 401}')] * 10)
    code, stdout, stderr = run("run", "--source", str(source), "--sink", f"datahub:{datahub.url}",
                               env={"DATAHUB_GMS_TOKEN": token})
    assert code == 4
    assert token not in stdout + stderr
    datahub.faults.clear()
    assert run("run", "--source", str(source), "--sink", f"datahub:{datahub.url}",
               env={"DATAHUB_GMS_TOKEN": token})[0] == 0
    assert {r.header("Authorization") for r in datahub.requests} == {f"Bearer {token}"}


def test_bare_plans_and_events_pair_across_files(tmp_path: Path, datahub: DataHubRecorder) -> None:
    folder = tmp_path / "bare"
    folder.mkdir()
    builder = samples.country_revenue()
    (folder / "a-event.json").write_text(json.dumps(builder.event(samples.REVENUE_TS)))  # event sorts first
    (folder / "b-plan.json").write_text(json.dumps(builder.plan()))
    (folder / "c-lonely-event.json").write_text(json.dumps(simple_builder(3).event(5)))
    state = tmp_path / "state.json"
    code, stdout, _ = run("run", "--source", str(folder), "--sink", f"datahub:{datahub.url}", "--state", str(state))
    assert code == 3
    (rejected,) = summary_of(stdout)["rejected"]
    assert rejected["object"].endswith("c-lonely-event.json") and "no plan with that id" in rejected["reason"]
    runs = [v for k, v in datahub.snapshot().items() if "RunEvent" in k and v.get("status") == "COMPLETE"]
    assert [r["result"]["type"] for r in runs] == ["SUCCESS"]
    assert datahub.column_lineage(REVENUE) == EXPECTED_REVENUE
    assert set(json.loads(state.read_text())["processed"]) == {"a-event.json", "b-plan.json"}


def test_dry_run_sends_and_saves_nothing(source: Path, tmp_path: Path, datahub: DataHubRecorder) -> None:
    state = tmp_path / "state.json"
    code, stdout, _ = run("run", "--source", str(source), "--sink", f"datahub:{datahub.url}", "--state",
                          str(state), "--dry-run")
    assert code == 0 and summary_of(stdout)["executions"] == 2
    assert datahub.requests == [] and not state.exists()


def test_spark_data_files_next_to_lineage_are_skipped(tmp_path: Path, examples: Path) -> None:
    table = tmp_path / "warehouse/sales.db/country_revenue"
    table.mkdir(parents=True)
    shutil.copy(examples / "spline-forms/hdfs/sales.db/country_revenue/_LINEAGE", table / "_LINEAGE")
    (table / "part-00000-1.snappy.parquet").write_bytes(b"PAR1\x00\x00PAR1")
    (table / "_SUCCESS").write_text("")
    (table / ".part-00000-1.snappy.parquet.crc").write_bytes(b"crc")
    code, stdout, _ = run("run", "--source", str(tmp_path / "warehouse"), "--sink", f"file:{tmp_path / 'o.json'}")
    assert code == 0
    summary = summary_of(stdout)
    assert summary["objects"] == {"listed": 4, "skipped_not_lineage": 3, "already_processed": 0, "read": 1,
                                  "rejected": 0, "unreadable": 0}
    assert summary["by_form"] == {"spline-hdfs": 1}


@pytest.fixture
def s3(aws_env: str) -> Iterator[Any]:
    storage.s3_client.cache_clear()  # the cached client must pick up this test's endpoint
    client = boto3.client("s3")
    yield client
    storage.s3_client.cache_clear()


def test_s3_source_and_checkpoint_on_moto(s3: Any, examples: Path, datahub: DataHubRecorder) -> None:
    # The moto server is shared by the whole session: a bucket of this test's own.
    s3.create_bucket(Bucket="lineage-run")
    for path in sorted((examples / "lineage").rglob("*.json")):
        key = "emrs/" + path.relative_to(examples / "lineage").as_posix()
        s3.put_object(Bucket="lineage-run", Key=key, Body=path.read_bytes())
    old = simple_builder(9)
    s3.put_object(Bucket="lineage-run", Key="emrs/dt=2025-10-01/hour=00/app/1-old.json",
                  Body=json.dumps(lineage_object(old.plan(), old.event(1), samples.JOB)).encode())
    args = ("run", "--source", "s3://lineage-run/emrs/", "--sink", f"datahub:{datahub.url}",
            "--state", "s3://lineage-run/state/checkpoint.json", "--since", "2025-11-01", "--workers", "4")
    code, stdout, _ = run(*args)
    assert code == 0, stdout
    summary = summary_of(stdout)
    assert summary["executions"] == 2 and summary["objects"]["read"] == 2
    assert datahub.column_lineage(REVENUE) == EXPECTED_REVENUE
    checkpoint = json.loads(s3.get_object(Bucket="lineage-run", Key="state/checkpoint.json")["Body"].read())
    assert sorted(checkpoint["processed"]) == sorted(
        "dt=2025-11-21/hour=10/" + p.relative_to(examples / "lineage/dt=2025-11-21/hour=10").as_posix()
        for p in (examples / "lineage").rglob("*.json"))
    code, stdout, _ = run(*args)
    assert code == 0 and summary_of(stdout)["executions"] == 0


def test_denied_bucket_is_a_clear_error(s3: Any) -> None:
    code, _, stderr = run("run", "--source", "s3://no-such-bucket/lineage/", "--sink", "file:/dev/null")
    assert code == 5
    assert "cannot list s3://no-such-bucket/lineage/" in stderr and "NoSuchBucket" in stderr


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "emrs_observe", "lineage", *args]


def test_killed_mid_run_then_rerun_gives_the_same_datahub_state(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    for i in range(8):
        write_object(folder, f"dt=2025-11-21/hour=10/app/{i:03d}.json", simple_builder(i), ts=1_000 + i)
    state = tmp_path / "state.json"
    crashed = DataHubRecorder()
    crashed.latency_s = 0.3
    crashed.start()
    clean = DataHubRecorder().start()
    try:
        args = ("run", "--source", str(folder), "--sink", f"datahub:{crashed.url}", "--state", str(state),
                "--batch-size", "1", "--workers", "1", "--format", "json")
        proc = subprocess.Popen(_cli(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert crashed.wait_for(lambda reqs: sum(r.method == "POST" for r in reqs) >= 3, timeout_s=60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        saved = json.loads(state.read_text())["processed"]
        assert 2 <= len(saved) < 8  # progress was checkpointed, and the run really was cut short

        crashed.latency_s = 0.0
        rerun = subprocess.run(_cli(*args), capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        summary = json.loads(rerun.stdout)
        assert summary["objects"]["already_processed"] == len(saved)
        assert summary["executions"] == 8 - len(saved)

        fresh = subprocess.run(_cli("run", "--source", str(folder), "--sink", f"datahub:{clean.url}",
                                    "--format", "json"), capture_output=True, text=True, timeout=120)
        assert fresh.returncode == 0, fresh.stderr
        assert crashed.snapshot() == clean.snapshot()
    finally:
        crashed.stop()
        clean.stop()


def test_show_prints_table_dot_and_json(examples: Path) -> None:
    (path,) = sorted(examples.glob("lineage/**/1763719262000-*.json"))
    code, stdout, _ = run("show", str(path))
    assert code == 0
    assert "glue:sales.country_revenue" in stdout and "revenue_eur" in stdout and "AGGREGATION" in stdout
    code, stdout, _ = run("show", str(path), "--format", "dot")
    assert code == 0 and stdout.startswith("digraph lineage {")
    assert ('"glue:sales.fx_rates.rate" -> "glue:sales.country_revenue.revenue_eur" '
            '[label="AGGREGATION", style=solid];') in stdout
    code, stdout, _ = run("show", str(path), "--format", "json")
    (shown,) = json.loads(stdout)
    revenue = shown["columns"][1]
    assert (revenue["column"], revenue["transform"], revenue["functions"]) == ("revenue_eur", "AGGREGATION", ["sum"])
    assert revenue["edges"] == [
        {"upstream": "glue:sales.fx_rates.rate", "transform": "AGGREGATION", "masking": False, "confidence": 1.0},
        {"upstream": "s3:acme-lake/curated/enriched_orders.amount", "transform": "AGGREGATION", "masking": False,
         "confidence": 1.0},
    ]


def test_show_names_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"executionPlan": {"id": "p1", "operations": {}}}')
    code, _, stderr = run("show", str(path))
    assert code == 3
    assert str(path) in stderr and "operations.write must be a JSON object" in stderr


CORPUS = Path(__file__).resolve().parent / "corpus" / "fixtures"


def _console(*objects: dict[str, Any]) -> str:
    """Driver stdout as Spline's console dispatcher prints it (AbstractJsonLineageDispatcher)."""
    parts = ["26/11/30 04:00:00 WARN Utils: Your hostname resolves to a loopback address"]
    for obj in objects:
        parts.append("ExecutionPlan (apiVersion: 1.2):\n" + json.dumps(obj["executionPlan"]))
        parts.append("ExecutionEvent (apiVersion: 1.2):\n" + json.dumps(obj["executionEvent"]))
    return "\n".join(parts) + "\n"


def test_one_bad_plan_rejects_that_plan_only(tmp_path: Path, datahub: DataHubRecorder) -> None:
    """Plans the real agent wrote, one of them with a write to `s3://[bucket` (not a valid URI) and one
    cut short: the run goes on, the good plan reaches DataHub, each bad one is named with its reason."""
    good = json.loads((CORPUS / "join_inner" / "01.json").read_text())
    bad = json.loads((CORPUS / "group_by" / "01.json").read_text())
    bad["executionPlan"]["operations"]["write"]["outputSource"] = "s3://[bucket/out/group_by"
    folder = tmp_path / "logs"
    folder.mkdir()
    cut = _console(json.loads((CORPUS / "pivot" / "01.json").read_text()))
    (folder / "stdout").write_text(_console(good, bad) + cut[: len(cut) // 2])
    code, stdout, stderr = run("run", "--source", str(folder), "--sink", f"datahub:{datahub.url}",
                               "--format", "json")
    assert code == 3, stdout + stderr
    summary = summary_of(stdout)
    assert summary["executions"] == 1 and summary["objects"]["read"] == 1
    reasons = [r["reason"] for r in summary["rejected"]]
    assert len(reasons) == 2, reasons
    assert any(bad["executionPlan"]["id"] in r and "s3://[bucket" in r for r in reasons), reasons
    assert any("truncated or invalid JSON" in r for r in reasons), reasons
    assert "Traceback" not in stdout + stderr
    out = DatasetNamer().for_uri(good["executionPlan"]["operations"]["write"]["outputSource"])
    joined = make_dataset_urn(out.platform, out.name, "PROD")
    assert set(datahub.column_lineage(joined)) == {"order_id", "name", "amount"}


def test_show_names_the_real_functions_of_a_captured_plan() -> None:
    """Spline writes `aggregate.Sum` under an `aggregate.AggregateExpression`: shown as `sum`, not the wrapper."""
    code, stdout, stderr = run("show", str(CORPUS / "group_by" / "01.json"), "--format", "json")
    assert code == 0, stderr
    (shown,) = json.loads(stdout)
    functions = {c["column"]: c["functions"] for c in shown["columns"]}
    assert functions == {"country": [], "revenue": ["sum"], "orders": ["count"], "last_ts": ["max"]}
    code, stdout, _ = run("show", str(CORPUS / "python_udf" / "01.json"))
    assert code == 0 and "pythonudf:<lambda>" in stdout and "aggregateexpression" not in stdout
