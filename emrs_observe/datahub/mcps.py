"""Lineage → DataHub metadata change proposals, built with acryl-datahub's own classes.

What an aspect belongs to decides how it is sent. A job owns its aspects: per Spark application a
DataFlow, per write a DataJob whose `dataJobInfo` and `dataJobInputOutput` (inputs, outputs and
column lineage) are replaced (UPSERT), as DataHub's own Spark agent does, so a job that stops
reading a table stops showing it. What several jobs share is patched: the output dataset's
`upstreamLineage` (and its column lineage), so two jobs writing one table add up instead of
overwriting each other. Per execution event a DataProcessInstance carries the run's result. Every
URN and timestamp derives from the plan and event, never from the clock, so sending the same
object twice leaves DataHub in the same state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from datahub.api.entities.dataprocess.dataprocess_instance import InstanceRunResult
from datahub.emitter.mce_builder import (
    datahub_guid,
    make_data_flow_urn,
    make_data_job_urn_with_flow,
    make_data_process_instance_urn,
    make_dataset_urn_with_platform_instance,
    make_schema_field_urn,
)
from datahub.emitter.mcp import MetadataChangeProposalWrapper
from datahub.metadata.schema_classes import (
    AuditStampClass,
    DataFlowInfoClass,
    DataJobInfoClass,
    DataJobInputOutputClass,
    DataProcessInstanceInputClass,
    DataProcessInstanceOutputClass,
    DataProcessInstancePropertiesClass,
    DataProcessInstanceRelationshipsClass,
    DataProcessInstanceRunEventClass,
    DataProcessInstanceRunResultClass,
    DataProcessRunStatusClass,
    DataProcessTypeClass,
    EdgeClass,
    FineGrainedLineageClass,
    FineGrainedLineageDownstreamTypeClass,
    FineGrainedLineageUpstreamTypeClass,
    MetadataChangeProposalClass,
    PartitionSpecClass,
    PartitionTypeClass,
)

from emrs_observe.datahub.patches import upstream_lineage_patch
from emrs_observe.lineage.engine import WriteLineage
from emrs_observe.lineage.naming import DatasetRef
from emrs_observe.spline.model import ExecutionEvent, JobInfo

Proposal = MetadataChangeProposalWrapper | MetadataChangeProposalClass
ORCHESTRATOR = "spark"
ACTOR = "urn:li:corpuser:datahub"
# What DataProcessInstanceRunEvent defaults to; built once, because the class builds its default
# from the avro schema on every construction (18 µs of the 20 µs an event costs). Never mutated.
_WHOLE_TABLE = PartitionSpecClass(partition="FULL_TABLE_SNAPSHOT", type=PartitionTypeClass.FULL_TABLE)
_UNSAFE_ID = re.compile(r"[,()\s]+")


@dataclass(frozen=True)
class EmitOptions:
    env: str = "PROD"
    platform_instance: str | None = None
    include_indirect: bool = False


def flow_id(job: JobInfo, plan_name: str) -> str:
    """The DataFlow's id (and name): the Spark application's name, made safe for a URN."""
    return _UNSAFE_ID.sub("_", job.spark_app_name or plan_name or job.emr_application_id or "spark-app").strip("_")


class ProposalBuilder:
    def __init__(self, options: EmitOptions | None = None) -> None:
        self.options = options or EmitOptions()
        # URN construction validates every part; a run names the same datasets and fields again and again.
        self._dataset_urns: dict[DatasetRef, str] = {}
        self._field_urns: dict[tuple[str, str], str] = {}
        self._flow_urns: dict[str, str] = {}
        self._job_urns: dict[tuple[str, str], str] = {}

    def dataset_urn(self, dataset: DatasetRef) -> str:
        urn = self._dataset_urns.get(dataset)
        if urn is None:
            urn = self._dataset_urns[dataset] = make_dataset_urn_with_platform_instance(
                dataset.platform, dataset.name, self.options.platform_instance, self.options.env
            )
        return urn

    def field_urn(self, dataset_urn: str, column: str) -> str:
        key = (dataset_urn, column)
        urn = self._field_urns.get(key)
        if urn is None:
            urn = self._field_urns[key] = make_schema_field_urn(dataset_urn, column)
        return urn

    def flow_urn(self, flow: str) -> str:
        """The URN of the DataFlow whose id is `flow` (see `flow_id`)."""
        urn = self._flow_urns.get(flow)
        if urn is None:
            urn = self._flow_urns[flow] = make_data_flow_urn(ORCHESTRATOR, flow, self.options.env)
        return urn

    def job_urn(self, flow_urn: str, lineage: WriteLineage) -> str:
        """The URN of the DataJob that writes the lineage's output, in the flow `flow_urn`."""
        key = (flow_urn, f"write.{lineage.output.platform}.{lineage.output.name}")
        urn = self._job_urns.get(key)
        if urn is None:
            urn = self._job_urns[key] = make_data_job_urn_with_flow(flow_urn, _UNSAFE_ID.sub("_", key[1]))
        return urn

    def build(self, lineage: WriteLineage, job: JobInfo, plan_name: str,
              event: ExecutionEvent | None, run_id_property: str = "planId") -> list[Proposal]:
        """`plan_name` names the DataFlow when the job has no application name; `run_id_property` is the
        run's custom property holding `lineage.plan_id` (a Spline plan id, or an OpenLineage `runId`)."""
        flow = flow_id(job, plan_name)
        flow_urn = self.flow_urn(flow)
        job_urn = self.job_urn(flow_urn, lineage)
        output_urn = self.dataset_urn(lineage.output)
        input_urns = [self.dataset_urn(d) for d in lineage.inputs]
        for_job, for_dataset = fine_grained_lineages(lineage, self.dataset_urn, self.field_urn,
                                                     self.options.include_indirect)
        when = event.timestamp_ms if event else 0
        stamp = AuditStampClass(time=when, actor=ACTOR)

        proposals: list[Proposal] = [
            MetadataChangeProposalWrapper(entityUrn=flow_urn, aspect=DataFlowInfoClass(
                name=flow, customProperties=_job_properties(job))),
            MetadataChangeProposalWrapper(entityUrn=job_urn, aspect=DataJobInfoClass(
                name=f"write {lineage.output.name}", type="SPARK", flowUrn=flow_urn,
                customProperties={"writeOperation": lineage.write_operation,
                                   "append": str(lineage.append).lower(),
                                   "outputPlatform": lineage.output.platform})),
        ]

        # The job's own inputs, outputs and column lineage: replaced whole, like DataHub's Spark agent does.
        proposals.append(MetadataChangeProposalWrapper(entityUrn=job_urn, aspect=DataJobInputOutputClass(
            inputDatasets=[], outputDatasets=[],
            inputDatasetEdges=[EdgeClass(destinationUrn=u, lastModified=stamp) for u in sorted(input_urns)],
            outputDatasetEdges=[EdgeClass(destinationUrn=output_urn, lastModified=stamp)],
            fineGrainedLineages=for_job,
        )))

        # The output dataset's lineage is shared by every job writing it: patched, never replaced.
        proposals.extend(upstream_lineage_patch(output_urn, input_urns, for_dataset, when, ACTOR))

        if event is not None:
            proposals.extend(self._run(lineage, job, job_urn, input_urns, output_urn, event, run_id_property))
        return proposals

    def _run(self, lineage: WriteLineage, job: JobInfo, job_urn: str, inputs: list[str], output: str,
             event: ExecutionEvent, run_id_property: str) -> list[Proposal]:
        """The execution as a DataProcessInstance run of the job: the aspects DataHub's own
        `DataProcessInstance` helper emits (properties, relationships, inputs, outputs, start and end
        events), built directly from the model classes because the helper parses back every URN it is
        given (tests/lineage/test_datahub_oracle.py holds the two equal)."""
        end = event.timestamp_ms
        start = end - (event.duration_ns or 0) // 1_000_000
        # The plan id alone repeats for every daily run of the same job; the event time makes it one run.
        name = f"{lineage.plan_id}-{end}"
        # The guid DataProcessInstanceKey(cluster, orchestrator, id).guid() makes, without building
        # the pydantic key (a third of this method's time); the oracle test holds the two equal.
        urn = make_data_process_instance_urn(
            datahub_guid({"cluster": self.options.env, "orchestrator": ORCHESTRATOR, "id": name}))
        properties = {k: v for k, v in {
            run_id_property: lineage.plan_id,
            "sparkAppId": job.spark_app_id or "",
            "emrJobRunId": job.emr_job_run_id or "",
            "error": "" if event.succeeded else _short(event.error),
        }.items() if v}
        result = InstanceRunResult.SUCCESS if event.succeeded else InstanceRunResult.FAILURE
        aspects = [
            DataProcessInstancePropertiesClass(
                name=name, created=AuditStampClass(time=start, actor=ACTOR),
                type=DataProcessTypeClass.BATCH_SCHEDULED, customProperties=properties),
            DataProcessInstanceRelationshipsClass(upstreamInstances=[], parentTemplate=job_urn),
            *([DataProcessInstanceInputClass(inputs=list(inputs))] if inputs else []),
            DataProcessInstanceOutputClass(outputs=[output]),
            DataProcessInstanceRunEventClass(
                status=DataProcessRunStatusClass.STARTED, timestampMillis=start, partitionSpec=_WHOLE_TABLE),
            DataProcessInstanceRunEventClass(
                status=DataProcessRunStatusClass.COMPLETE, timestampMillis=end, partitionSpec=_WHOLE_TABLE,
                result=DataProcessInstanceRunResultClass(type=result, nativeResultType=ORCHESTRATOR),
                durationMillis=(end - start) if start else None),
        ]
        return [MetadataChangeProposalWrapper(entityUrn=urn, aspect=aspect) for aspect in aspects]


def fine_grained_lineages(
    lineage: WriteLineage, dataset_urn: Callable[[DatasetRef], str], field_urn: Callable[[str, str], str],
    include_indirect: bool,
) -> tuple[list[FineGrainedLineageClass], list[FineGrainedLineageClass]]:
    """The engine's column lineage as DataHub FineGrainedLineage, for the job and the dataset alike.

    The one place that knows both the engine's WriteLineage and DataHub's lineage classes. A column's
    edges are grouped by what happened on them: `AGGREGATION`, `TRANSFORMATION`, `IDENTITY`, with
    `:MASKED` through a one-way hash and the edge's confidence (0.5 for guessed edges); the columns that
    only decide which value it takes are `INDIRECT_CONDITIONAL`. Dependencies of the whole write
    (filter, join, group-by… keys) are sent once per kind with every written column as downstreams.

    Returns the entries for the job's aspect and for the dataset's patch: the same column entries,
    built once; DataHub's dataset patch keys entries by one downstream, so there the write-wide
    dependencies are split per column.
    """
    output_urn = dataset_urn(lineage.output)
    items: list[FineGrainedLineageClass] = []

    def entry(upstreams: Iterable[str], downstreams: list[str], operation: str,
              confidence: float = 1.0) -> FineGrainedLineageClass:
        return FineGrainedLineageClass(
            upstreamType=FineGrainedLineageUpstreamTypeClass.FIELD_SET, upstreams=sorted(upstreams),
            downstreamType=(FineGrainedLineageDownstreamTypeClass.FIELD if len(downstreams) == 1
                            else FineGrainedLineageDownstreamTypeClass.FIELD_SET),
            downstreams=downstreams, transformOperation=operation, confidenceScore=confidence)

    for column in lineage.columns:
        downstream = [field_urn(output_urn, column.column)]
        groups: dict[tuple[str, float], list[str]] = {}
        for edge in column.edges:
            operation = edge.transform.value + (":MASKED" if edge.masking else "")
            groups.setdefault((operation, edge.confidence), []).append(
                field_urn(dataset_urn(edge.upstream.dataset), edge.upstream.column))
        items.extend(entry(ups, downstream, op, conf) for (op, conf), ups in sorted(groups.items()))
        if column.conditional:
            items.append(entry((field_urn(dataset_urn(c.dataset), c.column) for c in column.conditional),
                               downstream, "INDIRECT_CONDITIONAL"))
    if not (include_indirect and lineage.indirect and lineage.columns):
        return items, items
    by_kind: dict[str, set[str]] = {}
    for dep in lineage.indirect:
        by_kind.setdefault(dep.kind.value, set()).add(field_urn(dataset_urn(dep.column.dataset), dep.column.column))
    written = [field_urn(output_urn, column.column) for column in lineage.columns]
    for_job, for_dataset = list(items), list(items)
    for kind, upstreams in sorted(by_kind.items()):
        for_job.append(entry(upstreams, written, f"INDIRECT_{kind}"))
        for_dataset.extend(entry(upstreams, [column], f"INDIRECT_{kind}") for column in written)
    return for_job, for_dataset


def _short(error: object, limit: int = 500) -> str:
    text = str(error)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _job_properties(job: JobInfo) -> dict[str, str]:
    props = {
        "sparkAppName": job.spark_app_name,
        "emrApplicationId": job.emr_application_id,
        "releaseLabel": job.release_label,
    }
    out = {k: v for k, v in props.items() if v}
    out.update({f"tag.{k}": v for k, v in sorted(job.tags.items())})
    return out
