"""Proposals: valid for acryl-datahub, idempotent, PATCH so writers of one table add up."""

from __future__ import annotations

import json
from pathlib import Path

from datahub.emitter.mce_builder import make_schema_field_urn
from datahub.ingestion.source.file import read_metadata_file
from datahub.metadata.schema_classes import MetadataChangeProposalClass

from emrs_observe.datahub.mcps import EmitOptions, ProposalBuilder
from emrs_observe.datahub.sinks import FileSink, RestSink
from emrs_observe.lineage.engine import compute_lineage
from emrs_observe.spline.model import JobInfo
from emrs_observe.spline.plans import parse_event, parse_plan
from tests.lineage import samples
from tests.lineage.planbuilder import PlanBuilder
from tests.servers.datahub_gms import DataHubRecorder

JOB = JobInfo(spark_app_id="spark-1", spark_app_name="orders-daily", emr_application_id="00app",
              emr_job_run_id="00run", release_label="emr-7.2.0", tags={"team": "sales"})


def proposals_for(builder: PlanBuilder, ts: int = 1_700_000_000_000, error: str | None = None,
                  options: EmitOptions | None = None) -> list:  # type: ignore[type-arg]
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
    assert sorted(io["inputDatasetEdges"]) == sorted([enriched, fx])
    assert list(io["outputDatasetEdges"]) == [out]


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


def test_file_sink_is_read_back_by_datahubs_file_source(tmp_path: Path) -> None:
    path = tmp_path / "mcps.json"
    sink = FileSink(str(path))
    sink.emit(proposals_for(samples.enriched_orders()))
    sink.flush()
    sink.emit(proposals_for(samples.country_revenue()))
    sink.close()
    expected = len(proposals_for(samples.enriched_orders())) + len(proposals_for(samples.country_revenue()))
    records = list(read_metadata_file(path))
    assert len(records) == expected
