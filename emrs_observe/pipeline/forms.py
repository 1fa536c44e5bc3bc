"""Every input form through one path: which reader reads an object, and how each record is traced.

Spline output (`emrs_observe.spline`) and OpenLineage run events (`emrs_observe.openlineage`) are
read into records of their own kind, a `LineageRecord` holding a Spline plan or a `RunRecord`
holding an OpenLineage run's write; from there both are the engine's `WriteLineage` and the same
DataHub proposals. `lineage run` and `lineage show` call these three functions and nothing
form-specific.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from emrs_observe.datahub.mcps import Proposal, ProposalBuilder
from emrs_observe.lineage.engine import WriteLineage, compute_lineage
from emrs_observe.lineage.naming import DatasetNamer
from emrs_observe.openlineage.lineage import run_lineage
from emrs_observe.openlineage.reader import read_openlineage, sniff
from emrs_observe.openlineage.runs import RunRecord
from emrs_observe.spline.model import ExecutionEvent, LineageRecord
from emrs_observe.spline.reader import read_lineage

Record = LineageRecord | RunRecord


@dataclass
class Read:
    """What one object holds, whatever its form."""

    records: Sequence[Record] = ()
    orphan_events: list[ExecutionEvent] = field(default_factory=list)  # Spline events waiting for their plan
    form: str = ""
    errors: list[str] = field(default_factory=list)  # parts of the object refused while the rest was read


def read_object(source: str, data: bytes) -> Read:
    """Reads any input form; raises `LineageReadError` naming the object and the reason."""
    if sniff(data) is not None:
        runs = read_openlineage(source, data)
        return Read(runs.records, [], runs.form, runs.errors)
    spline = read_lineage(source, data)
    return Read(spline.records, spline.orphan_events, spline.form, spline.errors)


def trace(record: Record, namer: DatasetNamer) -> WriteLineage:
    if isinstance(record, RunRecord):
        return run_lineage(record.write, namer)
    return compute_lineage(record.plan, namer)


def proposals(builder: ProposalBuilder, record: Record, lineage: WriteLineage) -> list[Proposal]:
    if isinstance(record, RunRecord):
        return builder.build(lineage, record.job, record.write.app_name, record.event, run_id_property="runId")
    return builder.build(lineage, record.job, record.plan.name, record.event)


def without_graph(record: Record) -> Record:
    """What the processor keeps of a record once its lineage is computed (a Spline plan's graph is freed)."""
    if isinstance(record, RunRecord):
        return record
    return replace(record, plan=record.plan.without_graph())
