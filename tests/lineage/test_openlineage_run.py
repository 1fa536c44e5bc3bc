"""`lineage run` and `lineage show` over OpenLineage objects, alone and mixed with Spline's.

The objects are what the real listener and our transport wrote for the corpus on Spark 4, and what
the Spline agent wrote for the same jobs on Spark 3.5: one job's two captures must reach DataHub as
the same entities with the same column lineage.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from datahub.ingestion.source.file import read_metadata_file

from emrs_observe.cli import main
from tests.lineage.corpus.expected_openlineage import DIFFERENCES
from tests.servers.datahub_gms import DataHubRecorder

CORPUS = Path(__file__).resolve().parent / "corpus"
SPARK3, SPARK4 = CORPUS / "fixtures", CORPUS / "fixtures_openlineage"
JSON_LINES = Path(__file__).resolve().parent / "fixtures" / "openlineage" / "file-transport.jsonl"
SAME_ON_BOTH = ("case_when", "masking", "window_dedup", "union_all", "save_as_table")


def run(*args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(main, ["lineage", *args, "--format", "json"] if args[0] == "run" else
                                ["lineage", *args], catch_exceptions=False)
    summary = json.loads(result.stdout) if args[0] == "run" else {}
    return result.exit_code, summary, result.stdout + result.stderr


def _copy(jobs: tuple[str, ...], fixtures: Path, folder: Path, day: str) -> None:
    """Objects as the writers lay them out: `dt=…/hour=…/<app>/<name>`."""
    for job in jobs:
        for path in sorted((fixtures / job).glob("*.json")):
            target = folder / f"dt={day}/hour=10/{fixtures.name}" / f"{job}-{path.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)


def _entities(server: DataHubRecorder) -> dict[str, Any]:
    """What DataHub holds apart from runs and times: URNs, inputs and outputs, column lineage."""
    out: dict[str, Any] = {}
    for key, value in server.snapshot().items():
        urn, aspect = key.split(" ", 1)
        if urn.startswith("urn:li:dataProcessInstance"):
            continue
        if aspect == "dataJobInputOutput":
            value = {"inputs": sorted(e["destinationUrn"] for e in value["inputDatasetEdges"]),
                     "outputs": [e["destinationUrn"] for e in value["outputDatasetEdges"]],
                     "columns": value["fineGrainedLineages"]}
        elif aspect == "upstreamLineage":
            value = {"upstreams": sorted(value["upstreams"]), "columns": value["fineGrainedLineages"]}
        elif aspect == "dataJobInfo":
            value = {k: v for k, v in value.items() if k != "customProperties"}
        out[key] = value
    return out


def test_a_job_on_spark_3_and_on_spark_4_reaches_datahub_as_the_same_entities(tmp_path: Path) -> None:
    assert not set(SAME_ON_BOTH) & set(DIFFERENCES)
    spline, openlineage = tmp_path / "spark3", tmp_path / "spark4"
    _copy(SAME_ON_BOTH, SPARK3, spline, "2026-12-07")
    _copy(SAME_ON_BOTH, SPARK4, openlineage, "2026-12-07")
    servers = [DataHubRecorder().start(), DataHubRecorder().start()]
    try:
        for server, folder in zip(servers, (spline, openlineage), strict=True):
            code, _, output = run("run", "--source", str(folder), "--sink", f"datahub:{server.url}",
                                  "--include-indirect", "--warehouse", "/tmp/emrs-corpus/warehouse")
            assert code == 0, output
            assert not server.parse_errors
        spark3, spark4 = (_entities(server) for server in servers)
        assert spark3 == spark4
        assert any("INDIRECT_CONDITIONAL" in json.dumps(v) for v in spark4.values())
        assert any("glue,sales.customer_names" in key for key in spark4)
        runs = [k for k in servers[1].snapshot() if "dataProcessInstanceProperties" in k]
        assert len(runs) == len(SAME_ON_BOTH) + 1  # saveAsTable is two executions
    finally:
        for server in servers:
            server.stop()


def _mixed_source(folder: Path) -> Path:
    _copy(("join_inner", "group_by"), SPARK3, folder, "2026-12-06")
    _copy(("case_when", "ctas"), SPARK4, folder, "2026-12-07")
    (folder / "dt=2026-12-07/hour=11").mkdir(parents=True)
    shutil.copy(JSON_LINES, folder / "dt=2026-12-07/hour=11/openlineage.jsonl")
    damaged = json.loads((SPARK4 / "pivot" / "01.json").read_bytes())
    damaged["events"][0]["run"]["runId"] = "not-a-run-id"  # its START: the COMPLETE still ends the run
    bad = folder / "dt=2026-12-07/hour=12/app/damaged.json"
    bad.parent.mkdir(parents=True)
    bad.write_text(json.dumps(damaged))
    return bad


def test_a_folder_mixing_spline_and_openlineage_to_a_datahub_file_then_nothing_new(tmp_path: Path) -> None:
    folder, out, state = tmp_path / "lineage", tmp_path / "mcps.json", tmp_path / "state.json"
    bad = _mixed_source(folder)
    args = ("run", "--source", str(folder), "--sink", f"file:{out}", "--state", str(state))
    code, summary, output = run(*args)
    assert code == 3, output  # one event of one object refused: said, and everything else sent
    (rejected,) = summary["rejected"]
    assert rejected["object"] == str(bad)
    assert rejected["reason"] == "events[0] (run not-a-run-id): run.runId 'not-a-run-id' is not a UUID", rejected
    assert summary["by_form"] == {"emrs-observe-object": 2, "emrs-observe-openlineage": 5, "openlineage-events": 1}
    # Spline: join_inner, group_by; OpenLineage objects: case_when, the CTAS's two writes (its DROP TABLE
    # is none), the damaged pivot's; the JSON lines: join_inner, group_by and the CTAS's two writes again.
    assert summary["executions"] == 2 + 4 + 4
    records = list(read_metadata_file(out))
    assert len(records) == summary["proposals"]
    runs = [r for r in records if getattr(r, "aspectName", "") == "dataProcessInstanceProperties"]
    properties = [r.aspect.customProperties for r in runs]  # type: ignore[union-attr]
    assert sum("runId" in p for p in properties) == 8 and sum("planId" in p for p in properties) == 2

    code, again, output = run(*args)
    assert code == 0, output
    assert again["objects"]["already_processed"] == summary["objects"]["read"] and again["executions"] == 0
    assert len(list(read_metadata_file(out))) == len(records)


def test_sending_openlineage_objects_twice_leaves_datahub_as_once(tmp_path: Path) -> None:
    folder = tmp_path / "lineage"
    _mixed_source(folder)
    once, twice = DataHubRecorder().start(), DataHubRecorder().start()
    try:
        assert run("run", "--source", str(folder), "--sink", f"datahub:{once.url}")[0] == 3
        for _ in range(2):
            assert run("run", "--source", str(folder), "--sink", f"datahub:{twice.url}")[0] == 3
        assert once.snapshot() == twice.snapshot()
    finally:
        once.stop()
        twice.stop()


def test_show_prints_the_lineage_of_an_openlineage_object() -> None:
    path = SPARK4 / "case_when" / "01.json"
    code, _, output = run("show", str(path))
    assert code == 0, output
    assert "file:/tmp/emrs-corpus/out/case_when" in output and "paid_amount" in output
    assert "(condition)" in output and "CONDITIONAL" in output
    code, _, output = run("show", str(path), "--format", "json")
    (shown,) = json.loads(output)
    paid = next(c for c in shown["columns"] if c["column"] == "paid_amount")
    assert paid["edges"] == [{"upstream": "file:/tmp/emrs-corpus/in/orders.amount", "transform": "TRANSFORMATION",
                              "masking": False, "confidence": 1.0}]
    assert paid["conditional"] == ["file:/tmp/emrs-corpus/in/orders.status"]
    assert shown["planId"] == json.loads(path.read_bytes())["events"][0]["run"]["runId"]


def test_show_reads_json_lines_and_names_an_object_without_a_write() -> None:
    code, _, output = run("show", str(JSON_LINES), "--format", "json")
    assert code == 0, output
    assert len(json.loads(output)) == 4
    drop = SPARK4 / "ctas" / "01.json"
    code, _, output = run("show", str(drop))
    assert code == 3 and f"{drop}: holds no write to show lineage for" in output
