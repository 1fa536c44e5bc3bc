"""Reads OpenLineage run events into `RunRecord`s: our lineage objects and OpenLineage's own output.

Forms: the emrs-observe OpenLineage object (`{"format": "emrs-observe.openlineage", "version": 1,
"events": […], "job": {…}}`, one SQL execution, docs/architecture.md) and the JSON lines of
OpenLineage's `file` transport (one run event per line, the runs of a whole application mixed:
grouped by run id); a single run event document is read as one line. An event that is not a valid
run event is refused alone, named by its place (`events[2]`, `line 17`) and, where it can be read,
its run id: the object's other events, and the other runs, are still read. An object that is none
of this, or in which nothing can be read, raises `LineageReadError` naming the object and why.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import msgspec

from emrs_observe.openlineage.events import ENVELOPE_DECODER, EventError, RunEvent, decode_event
from emrs_observe.openlineage.runs import RunRecord, merge_run
from emrs_observe.spline.errors import LineageReadError
from emrs_observe.spline.model import JobInfo

OPENLINEAGE_OBJECT_FORMAT = "emrs-observe.openlineage"
SUPPORTED_OBJECT_VERSIONS = (1,)
FORM_OPENLINEAGE_OBJECT = "emrs-observe-openlineage"
FORM_OPENLINEAGE_EVENTS = "openlineage-events"

_OBJECT_FORMAT = re.compile(rb'"format"\s*:\s*"emrs-observe\.openlineage"')
_SPLINE_OBJECT = re.compile(rb'^\s*\{\s*"format"\s*:\s*"emrs-observe\.lineage"')
_SNIFF_BYTES = 65_536
_MAX_ERRORS = 20  # a file of garbage is named by its first errors, not by a million lines


@dataclass
class RunReadResult:
    records: list[RunRecord] = field(default_factory=list)
    form: str = ""
    # Events that were refused while the object's other events were read: each names where and why.
    errors: list[str] = field(default_factory=list)
    runs_without_output: int = 0  # runs that wrote no dataset (the application's own run, reads only)


def sniff(data: bytes) -> str | None:
    """The OpenLineage form `data` looks like, from its first bytes; None when it is not OpenLineage.
    Cheap for Spline objects, which every object of a Spark 3 prefix is: their first key says so."""
    head = data[:256].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{") or _SPLINE_OBJECT.match(head):
        return None
    if _OBJECT_FORMAT.search(data, 0, _SNIFF_BYTES):
        return FORM_OPENLINEAGE_OBJECT
    if data.find(b'"eventTime"', 0, _SNIFF_BYTES) >= 0 and data.find(b'"runId"', 0, _SNIFF_BYTES) >= 0:
        return FORM_OPENLINEAGE_EVENTS
    return None


def read_openlineage(source: str, data: bytes) -> RunReadResult:
    if sniff(data) == FORM_OPENLINEAGE_OBJECT:
        return _read_object(source, data)
    return _read_events(source, data)


def _read_object(source: str, data: bytes) -> RunReadResult:
    try:
        envelope = ENVELOPE_DECODER.decode(data)
    except msgspec.ValidationError as exc:
        raise LineageReadError(source, f"not an {OPENLINEAGE_OBJECT_FORMAT} object: {exc}") from None
    except msgspec.DecodeError:
        raise LineageReadError(source, _json_problem(data)) from None
    if envelope.format != OPENLINEAGE_OBJECT_FORMAT:
        raise LineageReadError(source, f"unknown format {envelope.format!r}; expected {OPENLINEAGE_OBJECT_FORMAT!r}")
    if envelope.version not in SUPPORTED_OBJECT_VERSIONS or isinstance(envelope.version, bool):
        raise LineageReadError(source, f"{OPENLINEAGE_OBJECT_FORMAT} version {envelope.version!r} is not supported "
                                       f"(this reader knows {list(SUPPORTED_OBJECT_VERSIONS)})")
    if not envelope.events:
        raise LineageReadError(source, "the lineage object has no events")
    events: list[RunEvent] = []
    errors: list[str] = []
    for index, raw in enumerate(envelope.events):
        try:
            events.append(decode_event(raw))
        except EventError as exc:
            errors.append(f"events[{index}]{_which_run(raw)}: {exc}")
    result = _records(source, FORM_OPENLINEAGE_OBJECT, events, _job(envelope.job), errors)
    if not events:
        raise LineageReadError(source, "; ".join(result.errors))
    return result


def _read_events(source: str, data: bytes) -> RunReadResult:
    """JSON lines of run events; a document that is one event (even pretty-printed) is one line."""
    events: list[RunEvent] = []
    errors: list[str] = []
    lines = data.split(b"\n")
    if sum(1 for line in lines if line.strip()) > 1:
        try:
            msgspec.json.decode(data)
            lines = [data]  # one document over several lines
        except msgspec.DecodeError:
            pass  # JSON lines, as the file transport writes them
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            events.append(decode_event(line))
        except EventError as exc:
            if len(errors) < _MAX_ERRORS:
                errors.append(f"line {number}{_which_run(line)}: {exc}")
            elif len(errors) == _MAX_ERRORS:
                errors.append("further malformed lines not listed")
    result = _records(source, FORM_OPENLINEAGE_EVENTS, events, None, errors)
    if not events and result.errors:
        raise LineageReadError(source, "; ".join(result.errors))
    return result


def _records(source: str, form: str, events: list[RunEvent], job: JobInfo | None, errors: list[str]) -> RunReadResult:
    runs: dict[str, list[RunEvent]] = {}
    for event in events:
        runs.setdefault(event.run.runId, []).append(event)
    result = RunReadResult(form=form, errors=errors)
    for run_id, run_events in runs.items():
        writes = merge_run(run_id, run_events, job)
        if not writes:
            result.runs_without_output += 1
        result.records.extend(RunRecord(source, form, write, outcome, run_job) for write, outcome, run_job in writes)
    return result


def _job(doc: dict[str, Any] | None) -> JobInfo:
    doc = doc or {}
    tags = doc.get("tags") or {}

    def text(key: str) -> str | None:
        value = doc.get(key)
        return value if isinstance(value, str) and value else None

    return JobInfo(spark_app_id=text("sparkAppId"), spark_app_name=text("sparkAppName"),
                   emr_application_id=text("emrApplicationId"), emr_job_run_id=text("emrJobRunId"),
                   release_label=text("releaseLabel"),
                   tags={str(k): str(v) for k, v in tags.items()} if isinstance(tags, dict) else {})


def _which_run(raw: bytes | msgspec.Raw) -> str:
    """` (run <id>)` when a refused event still says which run it belongs to: only on the error path."""
    try:
        doc = json.loads(bytes(raw))
        run_id = doc["run"]["runId"]
    except (ValueError, TypeError, KeyError):
        return ""
    return f" (run {run_id})" if isinstance(run_id, str) and run_id else ""


def _json_problem(data: bytes) -> str:
    """What json.loads says is wrong with a document msgspec refused, with line and column."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text (byte {exc.start}); not a lineage object"
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        # A string left open runs to the end of the text: cut off, wherever json says it started.
        cut = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        reason = "truncated JSON" if cut else "invalid JSON"
        return f"{reason}: {exc.msg} at line {exc.lineno} column {exc.colno}"
    return "a JSON value this reader cannot take"
