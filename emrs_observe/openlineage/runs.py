"""A run's events merged into what it wrote: one `RunWrite` per output dataset, and the run's outcome.

OpenLineage's Spark integration sends START, RUNNING… and COMPLETE (or FAIL/ABORT) per SQL
execution, and the column lineage can be on any of them (an event built after the plan was
released may have none). So, as docs/architecture.md's envelope contract says: the latest
`columnLineage` per output dataset, inputs and outputs over all events, the state and the end time
from the last event that ends the run, the start time from the first event.
"""

from __future__ import annotations

from dataclasses import dataclass

from emrs_observe.openlineage.events import (
    TERMINAL,
    ColumnLineageFacet,
    InputDataset,
    OutputDataset,
    RunEvent,
    SymlinkIdentifier,
    event_time_ms,
)
from emrs_observe.spline.model import ExecutionEvent, JobInfo

DatasetKey = tuple[str, str]
# An "output" OpenLineage reports for a statement that wrote no data: `DROP TABLE` names the table
# it dropped (Spline reports no plan for it).
_NOT_WRITTEN = frozenset({"DROP"})  # (namespace, name), as OpenLineage identifies a dataset


@dataclass(frozen=True, slots=True)
class RunWrite:
    """One output dataset of one run, with everything its column lineage is computed from."""

    id: str  # the run id; with the output's position appended when the run wrote several datasets
    run_id: str
    job_name: str
    app_name: str  # names the DataFlow when the object has no job metadata, as a Spline plan's name does
    namespace: str
    name: str
    symlinks: tuple[SymlinkIdentifier, ...]
    column_lineage: ColumnLineageFacet | None
    columns: tuple[tuple[str, str | None], ...]  # (name, type) from the schema facet, in order
    lifecycle: str | None  # OVERWRITE, CREATE…; None for an append
    inputs: tuple[InputDataset, ...]


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One output of one run: the OpenLineage counterpart of a Spline `LineageRecord`."""

    source: str
    form: str
    write: RunWrite
    event: ExecutionEvent | None
    job: JobInfo


def merge_run(run_id: str, events: list[RunEvent], job: JobInfo | None) -> list[tuple[RunWrite, ExecutionEvent | None,
                                                                                       JobInfo]]:
    """The writes of one run from its events in emission order (all of one run id, each checked)."""
    outputs: dict[DatasetKey, OutputDataset] = {}
    lineage: dict[DatasetKey, ColumnLineageFacet] = {}
    symlinks: dict[DatasetKey, tuple[SymlinkIdentifier, ...]] = {}
    inputs: dict[DatasetKey, InputDataset] = {}
    app_name = app_id = parent_name = None
    for event in events:
        for dataset in event.inputs or ():
            key = (dataset.namespace, dataset.name)
            known = inputs.get(key)
            if known is None or (dataset.facets is not None and dataset.facets.symlinks is not None):
                inputs[key] = dataset
        for output in event.outputs or ():
            key = (output.namespace, output.name)
            outputs[key] = output
            facets = output.facets
            if facets is not None:
                if facets.columnLineage is not None:
                    lineage[key] = facets.columnLineage
                if facets.symlinks is not None:
                    symlinks[key] = tuple(facets.symlinks.identifiers)
        run_facets = event.run.facets
        if run_facets is not None:
            details = run_facets.spark_applicationDetails
            if details is not None:
                app_name = details.appName or app_name
                app_id = details.applicationId or app_id
            properties = run_facets.spark_properties
            if app_name is None and properties is not None and properties.properties:
                app_name = properties.properties.get("spark.app.name")
            if run_facets.parent is not None and run_facets.parent.job is not None:
                parent_name = run_facets.parent.job.name

    last = events[-1]
    job_name = last.job.name
    job = job or JobInfo()
    job = JobInfo(spark_app_id=job.spark_app_id or app_id, spark_app_name=job.spark_app_name or app_name,
                  emr_application_id=job.emr_application_id, emr_job_run_id=job.emr_job_run_id,
                  release_label=job.release_label, tags=job.tags)
    outcome = _outcome(run_id, events)
    writes = []
    written = [(key, output) for key, output in outputs.items() if _lifecycle(output) not in _NOT_WRITTEN]
    for position, (key, output) in enumerate(written):
        facets = output.facets
        schema = facets.schema if facets is not None else None
        writes.append((RunWrite(
            id=run_id if len(written) == 1 else f"{run_id}-{position}",
            run_id=run_id,
            job_name=job_name,
            # Without job metadata or the application facets (`defaults render` disables them: the
            # object's job part says it), the parent run's job is the application.
            app_name=job.spark_app_name or parent_name or job_name,
            namespace=key[0],
            name=key[1],
            symlinks=symlinks.get(key, ()),
            column_lineage=lineage.get(key),
            columns=tuple((f.name, f.type) for f in schema.fields or ()) if schema is not None else (),
            lifecycle=_lifecycle(output),
            inputs=tuple(inputs.values()),
        ), outcome, job))
    return writes


def _lifecycle(output: OutputDataset) -> str | None:
    state = output.facets.lifecycleStateChange if output.facets is not None else None
    return state.lifecycleStateChange if state is not None else None


def _outcome(run_id: str, events: list[RunEvent]) -> ExecutionEvent | None:
    """The run's result as the execution event a Spline run has; None while no event has ended it."""
    end = next((event for event in reversed(events) if event.eventType in TERMINAL), None)
    if end is None:
        return None
    end_ms = event_time_ms(end)
    start_ms = min(event_time_ms(event) for event in events)
    error: str | None = None
    if end.eventType != "COMPLETE":
        facet = end.run.facets.errorMessage if end.run.facets is not None else None
        error = (facet.message if facet is not None else None) or f"the run ended with {end.eventType}"
    return ExecutionEvent(plan_id=run_id, timestamp_ms=end_ms, duration_ns=(end_ms - start_ms) * 1_000_000,
                          error=error)
