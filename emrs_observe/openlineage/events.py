"""OpenLineage run events as the reader sees them: the part of the spec lineage needs, decoded by msgspec.

Only what the processor reads is declared: the run, the job, the datasets with their `columnLineage`,
`symlinks`, `schema` and `lifecycleStateChange` facets, and the run facets that name the Spark
application or the error. msgspec skips everything else without building it (OpenLineage events
repeat every dataset's schema and the Spark properties on every event, most of their bytes), and
checks the types of what it keeps: a malformed event is refused with the JSON path of the first
wrong value (`$.outputs[0].facets.columnLineage.fields`). Field names are the spec's, checked
against OpenLineage's own Python client classes in `tests/lineage/test_openlineage_reader.py`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import msgspec

# Every class is a msgspec Struct (C-level construction, no per-field Python code). Names are the
# spec's camelCase, so that no renaming sits between the wire and the model.


class Transformation(msgspec.Struct):
    type: str
    subtype: str | None = None
    masking: bool | None = None


class InputField(msgspec.Struct):
    namespace: str
    name: str
    field: str
    transformations: list[Transformation] | None = None


class FieldLineage(msgspec.Struct):
    inputFields: list[InputField]
    # Deprecated by the spec (facet 1-1-0), still sent by older producers: `IDENTITY` or `MASKED`.
    transformationType: str | None = None


class ColumnLineageFacet(msgspec.Struct):
    fields: dict[str, FieldLineage]
    # What shapes the whole dataset (filter, join, group-by, sort, window keys): OpenLineage writes
    # them here when `columnLineage.datasetLineageEnabled` is set, on every field otherwise.
    dataset: list[InputField] | None = None


class SymlinkIdentifier(msgspec.Struct):
    namespace: str
    name: str
    type: str | None = None


class SymlinksFacet(msgspec.Struct):
    identifiers: list[SymlinkIdentifier]


class SchemaField(msgspec.Struct):
    name: str
    type: str | None = None


class SchemaFacet(msgspec.Struct):
    fields: list[SchemaField] | None = None


class LifecycleStateChangeFacet(msgspec.Struct):
    lifecycleStateChange: str | None = None


class OutputFacets(msgspec.Struct):
    columnLineage: ColumnLineageFacet | None = None
    symlinks: SymlinksFacet | None = None
    schema: SchemaFacet | None = None
    lifecycleStateChange: LifecycleStateChangeFacet | None = None


class InputFacets(msgspec.Struct):
    symlinks: SymlinksFacet | None = None


class OutputDataset(msgspec.Struct):
    namespace: str
    name: str
    facets: OutputFacets | None = None


class InputDataset(msgspec.Struct):
    namespace: str
    name: str
    facets: InputFacets | None = None


class ErrorMessageFacet(msgspec.Struct):
    message: str | None = None


class ApplicationDetailsFacet(msgspec.Struct):
    """OpenLineage's Spark integration's `spark_applicationDetails` run facet."""

    appName: str | None = None
    applicationId: str | None = None


class SparkPropertiesFacet(msgspec.Struct):
    properties: dict[str, str] | None = None


class ParentJob(msgspec.Struct):
    name: str


class ParentRunFacet(msgspec.Struct):
    """The run's parent: for a Spark SQL execution, the Spark application's own run (its job name is
    OpenLineage's form of the application name, `lineage_corpus` for `lineage-corpus`)."""

    job: ParentJob | None = None


class RunFacets(msgspec.Struct):
    errorMessage: ErrorMessageFacet | None = None
    spark_applicationDetails: ApplicationDetailsFacet | None = None
    spark_properties: SparkPropertiesFacet | None = None
    parent: ParentRunFacet | None = None


class Run(msgspec.Struct):
    runId: str
    facets: RunFacets | None = None


class Job(msgspec.Struct):
    namespace: str
    name: str


class RunEvent(msgspec.Struct):
    eventTime: str
    run: Run
    job: Job
    eventType: str | None = None
    inputs: list[InputDataset] | None = None
    outputs: list[OutputDataset] | None = None


class Envelope(msgspec.Struct):
    """Our lineage object (docs/architecture.md); each event stays raw until it is decoded on its own,
    so that one malformed event is refused alone."""

    format: str
    version: object = None
    events: list[msgspec.Raw] | None = None
    job: dict[str, object] | None = None


EVENT_TYPES = frozenset({"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"})
TERMINAL = frozenset({"COMPLETE", "ABORT", "FAIL"})
EVENT_DECODER = msgspec.json.Decoder(RunEvent)
ENVELOPE_DECODER = msgspec.json.Decoder(Envelope)


class EventError(ValueError):
    """An event that is not a usable OpenLineage run event; the message says what is wrong."""


def decode_event(raw: bytes | msgspec.Raw) -> RunEvent:
    """One run event, decoded and checked; `EventError` names what is wrong."""
    try:
        event = EVENT_DECODER.decode(raw)
    except msgspec.ValidationError as exc:
        raise EventError(f"not an OpenLineage run event: {exc}") from None
    except msgspec.DecodeError as exc:
        raise EventError(f"invalid JSON: {exc}") from None
    check(event)
    return event


def check(event: RunEvent) -> None:
    """What the spec says beyond types: a UUID run id, a date-time with a time, a known event type."""
    try:
        uuid.UUID(event.run.runId)
    except ValueError:
        raise EventError(f"run.runId {event.run.runId!r} is not a UUID") from None
    event_time_ms(event)
    if event.eventType is not None and event.eventType not in EVENT_TYPES:
        raise EventError(f"eventType {event.eventType!r} is none of {', '.join(sorted(EVENT_TYPES))}")


def event_time_ms(event: RunEvent) -> int:
    """The event time as milliseconds since the epoch (UTC when the time has no offset)."""
    text = event.eventTime
    try:
        if "T" not in text.upper():
            raise ValueError("no time of day")
        # Python 3.10's fromisoformat does not take `Z`, which OpenLineage's Java client writes.
        when = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise EventError(f"eventTime {text!r} is not an ISO 8601 date-time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return (when - _EPOCH) // _MILLISECOND  # exact: no float on the way


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MILLISECOND = timedelta(milliseconds=1)
