"""The proposals we build without DataHub's convenience builders equal what those builders write.

`emrs_observe.datahub.patches` writes the dataset's upstreamLineage PATCH without
`DatasetPatchBuilder`, and `ProposalBuilder` writes a run's aspects without the `DataProcessInstance`
helper, both for speed (see their docstrings). Here the builders themselves are the oracle, on every
plan the real Spline agent wrote for the corpus (tests/lineage/corpus) and on a failed run: if a
DataHub release changes what they write, this fails instead of DataHub receiving something else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from datahub.api.entities.dataprocess.dataprocess_instance import DataProcessInstance, InstanceRunResult
from datahub.metadata.schema_classes import AuditStampClass, DatasetLineageTypeClass, UpstreamClass
from datahub.metadata.urns import DataJobUrn, DatasetUrn
from datahub.specific.dataset import DatasetPatchBuilder

from emrs_observe.datahub.mcps import ORCHESTRATOR, EmitOptions, ProposalBuilder, fine_grained_lineages, flow_id
from emrs_observe.datahub.patches import upstream_lineage_patch
from emrs_observe.lineage.engine import WriteLineage, compute_lineage
from emrs_observe.lineage.naming import DatasetNamer
from emrs_observe.spline.model import ExecutionEvent, LineageRecord
from emrs_observe.spline.reader import read_lineage

FIXTURES = Path(__file__).resolve().parent / "corpus" / "fixtures"
FILES = sorted(FIXTURES.glob("*/*.json"))


def _writes() -> list[tuple[str, LineageRecord, WriteLineage]]:
    namer = DatasetNamer()
    out = []
    for path in FILES:
        for record in read_lineage(path.name, path.read_bytes()).records:
            out.append((f"{path.parent.name}/{path.name}", record, compute_lineage(record.plan, namer)))
    return out


WRITES = _writes()


def _objs(proposals: list[Any]) -> list[Any]:
    """Proposals as DataHub serialises them, with a patch's JSON body parsed so that key order is moot."""
    out = []
    for proposal in proposals:
        obj = json.loads(json.dumps(proposal.to_obj()))
        if proposal.changeType == "PATCH":
            obj["aspect"]["value"] = json.loads(obj["aspect"]["value"])
        out.append(obj)
    return out


def test_the_corpus_has_writes_with_column_lineage() -> None:
    assert len(WRITES) >= 40
    assert sum(lineage.edge_count() for _, _, lineage in WRITES) >= 80


@pytest.mark.parametrize("include_indirect", [False, True])
def test_dataset_patch_is_what_datasetpatchbuilder_writes(include_indirect: bool) -> None:
    builder = ProposalBuilder(EmitOptions(include_indirect=include_indirect))
    for where, record, lineage in WRITES:
        output = builder.dataset_urn(lineage.output)
        inputs = [builder.dataset_urn(d) for d in lineage.inputs]
        _, for_dataset = fine_grained_lineages(lineage, builder.dataset_urn, builder.field_urn, include_indirect)
        when = record.event.timestamp_ms if record.event else 0
        oracle = DatasetPatchBuilder(output)
        stamp = AuditStampClass(time=when, actor="urn:li:corpuser:datahub")
        for urn in inputs:
            oracle.add_upstream_lineage(UpstreamClass(dataset=urn, type=DatasetLineageTypeClass.TRANSFORMED,
                                                      auditStamp=stamp))
        for item in for_dataset:
            oracle.add_fine_grained_lineage(item)
        assert _objs(upstream_lineage_patch(output, inputs, for_dataset, when)) == _objs(oracle.build()), where


def test_path_parts_are_escaped_as_the_builder_escapes_them() -> None:
    output = "urn:li:dataset:(urn:li:dataPlatform:s3,b/out,PROD)"
    upstream = "urn:li:dataset:(urn:li:dataPlatform:s3,b/a~b/c,PROD)"
    oracle = DatasetPatchBuilder(output).add_upstream_lineage(
        UpstreamClass(dataset=upstream, type=DatasetLineageTypeClass.TRANSFORMED,
                      auditStamp=AuditStampClass(time=7, actor="urn:li:corpuser:datahub")))
    ours = upstream_lineage_patch(output, [upstream], [], 7)
    assert _objs(ours) == _objs(oracle.build())
    assert "b~1a~0b~1c" in _objs(ours)[0]["aspect"]["value"][0]["path"]
    assert upstream_lineage_patch(output, [], [], 7) == [] == DatasetPatchBuilder(output).build()


def _helper_run(builder: ProposalBuilder, record: LineageRecord, lineage: WriteLineage,
                event: ExecutionEvent) -> list[Any]:
    """The run as DataHub's DataProcessInstance helper writes it (what ProposalBuilder did before)."""
    job_urn = builder.job_urn(builder.flow_urn(flow_id(record.job, record.plan.name)), lineage)
    end = event.timestamp_ms
    start = end - (event.duration_ns or 0) // 1_000_000
    instance = DataProcessInstance(
        id=f"{lineage.plan_id}-{end}", orchestrator=ORCHESTRATOR, cluster=builder.options.env,
        template_urn=DataJobUrn.from_string(job_urn),
        properties={k: v for k, v in {
            "planId": lineage.plan_id, "sparkAppId": record.job.spark_app_id or "",
            "emrJobRunId": record.job.emr_job_run_id or "",
            "error": "" if event.succeeded else str(event.error)[:500]}.items() if v},
        inlets=[DatasetUrn.from_string(builder.dataset_urn(d)) for d in lineage.inputs],
        outlets=[DatasetUrn.from_string(builder.dataset_urn(lineage.output))],
    )
    result = InstanceRunResult.SUCCESS if event.succeeded else InstanceRunResult.FAILURE
    return [*instance.generate_mcp(created_ts_millis=start, materialize_iolets=False),
            *instance.start_event_mcp(start_timestamp_millis=start),
            *instance.end_event_mcp(end_timestamp_millis=end, result=result, result_type="spark",
                                    start_timestamp_millis=start)]


def _run_part(builder: ProposalBuilder, record: LineageRecord, lineage: WriteLineage,
              event: ExecutionEvent) -> list[Any]:
    proposals = builder.build(lineage, record.job, record.plan.name, event)
    return [p for p in proposals if p.entityType == "dataProcessInstance"]


def test_run_aspects_are_what_the_dataprocessinstance_helper_writes() -> None:
    builder = ProposalBuilder()
    compared = 0
    for where, record, lineage in WRITES:
        if record.event is None:
            continue
        compared += 1
        assert _objs(_run_part(builder, record, lineage, record.event)) == \
            _objs(_helper_run(builder, record, lineage, record.event)), where
    assert compared >= 40


def test_a_failed_run_is_what_the_helper_writes_too() -> None:
    builder = ProposalBuilder()
    _, record, lineage = next(w for w in WRITES if w[1].event is not None and w[2].inputs)
    assert record.event is not None
    failed = ExecutionEvent(plan_id=record.event.plan_id, timestamp_ms=record.event.timestamp_ms,
                            duration_ns=2_500_000_000, error="java.io.IOException: disk full", extra={})
    ours = _objs(_run_part(builder, record, lineage, failed))
    assert ours == _objs(_helper_run(builder, record, lineage, failed))
    end_event = ours[-1]["aspect"]["value"]
    assert json.loads(end_event)["result"]["type"] == "FAILURE"
