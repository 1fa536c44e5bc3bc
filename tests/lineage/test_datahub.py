"""Proposals: valid for acryl-datahub, idempotent; a job's own aspects replaced, a dataset's lineage patched."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from datahub.emitter.mce_builder import make_schema_field_urn
from datahub.ingestion.api.common import PipelineContext
from datahub.ingestion.source.file import GenericFileSource, read_metadata_file
from datahub.metadata.schema_classes import MetadataChangeProposalClass

from emrs_observe.datahub.mcps import EmitOptions, Proposal, ProposalBuilder
from emrs_observe.datahub.sinks import FileSink, RestSink, SinkError
from emrs_observe.lineage.engine import compute_lineage
from emrs_observe.spline.model import JobInfo
from emrs_observe.spline.plans import parse_event, parse_plan
from tests.lineage import samples
from tests.lineage.planbuilder import PlanBuilder
from tests.servers.datahub_gms import DataHubRecorder

JOB = JobInfo(spark_app_id="spark-1", spark_app_name="orders-daily", emr_application_id="00app",
              emr_job_run_id="00run", release_label="emr-7.2.0", tags={"team": "sales"})


def proposals_for(builder: PlanBuilder, ts: int = 1_700_000_000_000, error: str | None = None,
                  options: EmitOptions | None = None) -> list[Proposal]:
    plan = parse_plan(builder.plan())
    event = parse_event(builder.event(ts, error=error))
    return ProposalBuilder(options).build(compute_lineage(plan), JOB, plan.name, event)


def test_every_proposal_is_a_valid_datahub_mcp() -> None:
    for proposal in proposals_for(samples.country_revenue()):
        obj = proposal.to_obj()
        parsed = MetadataChangeProposalClass.from_obj(json.loads(json.dumps(obj)))
        assert parsed.validate(), obj


def test_lineage_reaches_datahub_with_exact_columns(datahub: DataHubRecorder) -> None:
    sink = RestSink(datahub.url)
    sink.emit(proposals_for(samples.country_revenue()))
    out = "urn:li:dataset:(urn:li:dataPlatform:glue,sales.country_revenue,PROD)"
    enriched = "urn:li:dataset:(urn:li:dataPlatform:s3,acme-lake/curated/enriched_orders,PROD)"
    fx = "urn:li:dataset:(urn:li:dataPlatform:glue,sales.fx_rates,PROD)"
    assert datahub.column_lineage(out) == {
        "country": ([make_schema_field_urn(enriched, "country")], "IDENTITY"),
        "revenue_eur": (sorted([make_schema_field_urn(fx, "rate"), make_schema_field_urn(enriched, "amount")]),
                        "AGGREGATION"),
        "order_count": ([make_schema_field_urn(enriched, "id")], "AGGREGATION"),
    }
    assert sorted(datahub.aspect(out, "upstreamLineage")["upstreams"]) == sorted([enriched, fx])
    flow = "urn:li:dataFlow:(spark,orders-daily,PROD)"
    assert datahub.aspect(flow, "dataFlowInfo")["customProperties"] == {
        "sparkAppName": "orders-daily", "emrApplicationId": "00app", "releaseLabel": "emr-7.2.0",
        "tag.team": "sales"}
    job = f"urn:li:dataJob:({flow},write.glue.sales.country_revenue)"
    io = datahub.aspect(job, "dataJobInputOutput")
    assert [e["destinationUrn"] for e in io["inputDatasetEdges"]] == sorted([enriched, fx])
    assert [e["destinationUrn"] for e in io["outputDatasetEdges"]] == [out]
    # The job carries the column lineage too: that is where DataHub's UI draws it for a Spark job.
    job_columns = {fgl["downstreams"][0].rsplit(",", 1)[1].rstrip(")"): fgl["transformOperation"]
                   for fgl in io["fineGrainedLineages"]}
    assert job_columns == {column: transform for column, (_, transform) in datahub.column_lineage(out).items()}


def test_run_result_follows_the_event(datahub: DataHubRecorder) -> None:
    sink = RestSink(datahub.url)
    sink.emit(proposals_for(samples.enriched_orders(), ts=1_000_000))
    sink.emit(proposals_for(samples.country_revenue(), ts=2_000_000, error="java.io.IOException: disk full"))
    results = {value["result"]["type"]: key for key, value in datahub.snapshot().items()
               if "dataProcessInstanceRunEvent" in key and value.get("status") == "COMPLETE"}
    assert set(results) == {"SUCCESS", "FAILURE"}
    props = [v for k, v in datahub.snapshot().items() if k.endswith("dataProcessInstanceProperties")]
    assert any(p["customProperties"].get("error", "").startswith("java.io.IOException") for p in props)


def test_sending_the_same_execution_twice_changes_nothing(datahub: DataHubRecorder) -> None:
    sink = RestSink(datahub.url)
    sink.emit(proposals_for(samples.country_revenue()))
    first = datahub.snapshot()
    sink.emit(proposals_for(samples.country_revenue()))
    assert datahub.snapshot() == first
    assert len(datahub.proposals) == 2 * len(proposals_for(samples.country_revenue()))


def test_two_jobs_writing_one_table_both_keep_their_lineage(datahub: DataHubRecorder) -> None:
    first, second = PlanBuilder(name="job-a"), PlanBuilder(name="job-b")
    a = first.read(["s3://lake/a"], ["x"])
    first.write(a, "s3://lake/shared", append=True)
    b = second.read(["s3://lake/b"], ["x"])
    second.write(b, "s3://lake/shared", append=True)
    sink = RestSink(datahub.url)
    sink.emit(proposals_for(first))
    sink.emit(proposals_for(second))
    shared = "urn:li:dataset:(urn:li:dataPlatform:s3,lake/shared,PROD)"
    upstreams, transform = datahub.column_lineage(shared)["x"]
    assert transform == "IDENTITY"
    assert upstreams == [make_schema_field_urn(f"urn:li:dataset:(urn:li:dataPlatform:s3,lake/{n},PROD)", "x")
                         for n in ("a", "b")]


def test_env_platform_instance_and_indirect_options() -> None:
    options = EmitOptions(env="DEV", platform_instance="emr-eu", include_indirect=True)
    objs = [p.to_obj() for p in proposals_for(samples.country_revenue(), options=options)]
    text = json.dumps(objs)
    assert "urn:li:dataset:(urn:li:dataPlatform:glue,emr-eu.sales.country_revenue,DEV)" in text
    assert "INDIRECT_GROUP_BY" in text and "INDIRECT_JOIN" in text
    assert "INDIRECT_" not in json.dumps([p.to_obj() for p in proposals_for(samples.country_revenue())])


def test_a_job_owns_its_aspects_and_shares_the_datasets_lineage() -> None:
    kinds = {(p.aspectName, p.changeType) for p in proposals_for(samples.country_revenue())}
    assert ("dataJobInputOutput", "UPSERT") in kinds and ("dataJobInfo", "UPSERT") in kinds
    assert ("dataFlowInfo", "UPSERT") in kinds and ("upstreamLineage", "PATCH") in kinds
    assert ("dataJobInputOutput", "PATCH") not in kinds and ("upstreamLineage", "UPSERT") not in kinds


def test_a_job_that_stops_reading_a_table_stops_showing_it(datahub: DataHubRecorder) -> None:
    def job(inputs: list[str], ts: int) -> list[Proposal]:
        b = PlanBuilder(name="nightly")
        reads = [b.read([f"s3://lake/{name}"], ["x"]) for name in inputs]
        joined = reads[0] if len(reads) == 1 else b.join(reads[0], reads[1], b.fn(
            "equalto", reads[0]["x"], reads[1]["x"], class_name="EqualTo"))
        b.write(b.project(joined, [joined.output[0]]), "s3://lake/out", append=True)
        return proposals_for(b, ts=ts)

    sink = RestSink(datahub.url)
    sink.emit(job(["a", "b"], ts=1_000))
    sink.emit(job(["a"], ts=2_000))
    flow = "urn:li:dataFlow:(spark,orders-daily,PROD)"
    io = datahub.aspect(f"urn:li:dataJob:({flow},write.s3.lake/out)", "dataJobInputOutput")
    a = "urn:li:dataset:(urn:li:dataPlatform:s3,lake/a,PROD)"
    assert [e["destinationUrn"] for e in io["inputDatasetEdges"]] == [a]
    assert {u for fgl in io["fineGrainedLineages"] for u in fgl["upstreams"]} == {make_schema_field_urn(a, "x")}
    # The dataset's lineage is shared with other writers, so it is only ever added to.
    shared = datahub.aspect("urn:li:dataset:(urn:li:dataPlatform:s3,lake/out,PROD)", "upstreamLineage")
    assert a in shared["upstreams"]
    assert not datahub.parse_errors


def proposals_in_order(*builders: PlanBuilder) -> list[Proposal]:
    return [p for i, b in enumerate(builders) for p in proposals_for(b, ts=1_000 + i)]


def test_file_sink_is_read_back_by_datahubs_file_source(tmp_path: Path) -> None:
    path = tmp_path / "mcps.json"
    sink = FileSink(str(path))
    sink.emit(proposals_for(samples.enriched_orders()))
    sink.flush()
    sink.emit(proposals_for(samples.country_revenue()))
    sink.close()
    expected = [p.to_obj() for p in proposals_in_order(samples.enriched_orders(), samples.country_revenue())]
    assert len(list(read_metadata_file(path))) == len(expected)
    # What `datahub ingest` runs for `type: file`, in both its read modes. acryl-datahub leaves
    # GenericFileSource.create and the source's get_report unannotated: the source stays untyped.
    create_file_source = cast(Callable[[dict[str, Any], PipelineContext], Any], GenericFileSource.create)
    for mode in ("STREAM", "BATCH"):
        source = create_file_source({"path": str(path), "read_mode": mode}, PipelineContext(run_id="t"))
        units = list(source.get_workunits())
        assert len(units) == len(expected) and not source.get_report().failures
        assert all(u.metadata.validate() for u in units)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mcps.json"]  # no marker or scratch file left


def test_file_sink_appends_a_batch_without_rewriting_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mcps.json"
    sink = FileSink(str(path))
    sink.emit(proposals_for(samples.enriched_orders()))
    sink.flush()
    before, inode = path.read_bytes(), path.stat().st_ino
    sink.emit(proposals_for(samples.country_revenue()))
    sink.flush()
    after = path.read_bytes()
    assert path.stat().st_ino == inode  # the same file, written in place, not a rewritten copy
    # Everything but the closing bracket is left as it was; the batch follows it.
    assert after.startswith(before[:-1]) and after.endswith(b"\n]")
    assert len(json.loads(after)) == len(json.loads(before)) + len(proposals_for(samples.country_revenue()))


def test_file_sink_rolls_back_a_batch_a_crash_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "mcps.json"
    FileSink(str(path)).close()  # nothing emitted: no file
    assert not path.exists()
    first = FileSink(str(path))
    first.emit(proposals_for(samples.enriched_orders()))
    first.flush()
    good = path.read_bytes()
    # What a process killed in the middle of its next flush leaves: the marker, and half a batch.
    (tmp_path / ".mcps.json.pending").write_text(str(len(good) - 1))
    with open(path, "r+b") as f:
        f.seek(len(good) - 1)
        f.write(b',\n{"entityType": "dataset", "entityUrn": "urn:li:dat')
    rerun = FileSink(str(path))
    rerun.emit(proposals_for(samples.country_revenue()))
    rerun.flush()
    records = json.loads(path.read_text())
    assert len(records) == len(json.loads(good)) + len(proposals_for(samples.country_revenue()))
    assert len(list(read_metadata_file(path))) == len(records)


def test_file_sink_refuses_a_file_that_is_not_a_metadata_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text('{"not": "an array"}')
    sink = FileSink(str(path))
    sink.emit(proposals_for(samples.country_revenue()))
    with pytest.raises(SinkError, match="not a DataHub metadata file"):
        sink.flush()
    assert path.read_text() == '{"not": "an array"}'


def test_file_sink_that_cannot_write_says_where(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    sink = FileSink(str(blocker / "mcps.json"))
    sink.emit(proposals_for(samples.country_revenue()))
    with pytest.raises(SinkError, match=r"cannot write .*a-file/mcps.json"):
        sink.flush()
