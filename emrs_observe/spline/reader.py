"""Recognises every form of Spline output and reads it into `LineageRecord`s.

Forms (see docs/architecture.md): the emrs-observe lineage object; Spline's `hdfs` dispatcher
`_LINEAGE` file (internal model); `console`/`logging` dispatcher text; bare producer-API plan and
event documents. Anything else raises `LineageReadError` naming the object and the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import msgspec

from emrs_observe.spline.errors import LineageReadError
from emrs_observe.spline.model import ExecutionEvent, ExecutionPlan, JobInfo, LineageRecord
from emrs_observe.spline.plans import PlanError, parse_event, parse_plan

LINEAGE_OBJECT_FORMAT = "emrs-observe.lineage"
SUPPORTED_OBJECT_VERSIONS = (1,)

FORM_OBJECT = "emrs-observe-object"
FORM_HDFS = "spline-hdfs"
FORM_TEXT = "spline-console"
FORM_PLAN = "spline-plan"
FORM_EVENT = "spline-event"

# `ExecutionPlan (apiVersion: 1.2): {...}` as printed by the console and logging dispatchers.
_TEXT_MARKER = re.compile(r"Execution(Plan|Event) \(apiVersion: ([0-9.]+)\):\s*")
# Newer agents print `["plan", {...}]` / `["event", {...}]`, one per line.
_ARRAY_MARKER = re.compile(r'\[\s*"(plan|event)"\s*,\s*')


@dataclass
class ReadResult:
    """Records with their plans, plus events whose plan was not in the same object."""

    records: list[LineageRecord] = field(default_factory=list)
    orphan_events: list[ExecutionEvent] = field(default_factory=list)
    form: str = ""
    # Plans of a multi-plan object (a driver log) that could not be read: each names where and why.
    # The object's other plans are still read.
    errors: list[str] = field(default_factory=list)


def read_lineage(source: str, data: bytes) -> ReadResult:
    """Parses one object; raises `LineageReadError` for anything that is not Spline lineage."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LineageReadError(source, f"not UTF-8 text (byte {exc.start}); not a Spline lineage object") from None
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise LineageReadError(source, "the object is empty")
    try:
        if stripped[0] == "{":
            return _read_json_document(source, _loads(source, stripped))
        if _TEXT_MARKER.search(text) or _ARRAY_MARKER.search(text):
            return _read_text(source, text)
        if stripped[0] == "[":
            raise LineageReadError(source, "a JSON array that is not a Spline console record")
    except PlanError as exc:
        raise LineageReadError(source, str(exc)) from None
    raise LineageReadError(source, "not Spline lineage: neither JSON nor console/logging dispatcher output")


# msgspec decodes the same JSON to the same Python values as json.loads, faster (a third on the
# captured corpus' 5 KB objects, a tenth on 200 KB plans; benchmarks/lineage_throughput.py).
_DECODER = msgspec.json.Decoder()


def _loads(source: str, text: str) -> Any:
    try:
        return _DECODER.decode(text)
    except msgspec.DecodeError:
        pass  # json.loads decides: it takes what msgspec refuses (NaN, 1e400, lone surrogates), names line and column
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        reason = "truncated JSON" if exc.pos >= len(text.rstrip()) else "invalid JSON"
        raise LineageReadError(source, f"{reason}: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _job_from_spline(plan: ExecutionPlan, event: ExecutionEvent | None) -> JobInfo:
    app_id = (event.extra.get("appId") if event else None) or plan.extra_info.get("appId")
    app_name = plan.extra_info.get("appName") or plan.name or None
    return JobInfo(spark_app_id=str(app_id) if app_id else None, spark_app_name=app_name)


def _read_json_document(source: str, doc: dict[str, Any]) -> ReadResult:
    if "format" in doc:
        return _read_object(source, doc)
    if "executionPlan" in doc:
        plan = parse_plan(doc["executionPlan"], consume=True)
        event = parse_event(doc["executionEvent"]) if doc.get("executionEvent") is not None else None
        _check_pair(plan, event)
        return ReadResult([LineageRecord(source, FORM_HDFS, plan, event, _job_from_spline(plan, event))],
                          form=FORM_HDFS)
    if "operations" in doc:
        plan = parse_plan(doc, consume=True)
        return ReadResult([LineageRecord(source, FORM_PLAN, plan, None, _job_from_spline(plan, None))],
                          form=FORM_PLAN)
    if "planId" in doc:
        return ReadResult(orphan_events=[parse_event(doc)], form=FORM_EVENT)
    keys = ", ".join(sorted(doc)[:6]) or "none"
    raise LineageReadError(source, f"a JSON object that is not Spline lineage (top-level keys: {keys})")


def _read_object(source: str, doc: dict[str, Any]) -> ReadResult:
    if doc.get("format") != LINEAGE_OBJECT_FORMAT:
        raise LineageReadError(source, f"unknown format {doc.get('format')!r}; expected {LINEAGE_OBJECT_FORMAT!r}")
    version = doc.get("version")
    if version not in SUPPORTED_OBJECT_VERSIONS:
        raise LineageReadError(source, f"{LINEAGE_OBJECT_FORMAT} version {version!r} is not supported "
                                       f"(this reader knows {list(SUPPORTED_OBJECT_VERSIONS)})")
    if "executionPlan" not in doc:
        raise LineageReadError(source, "the lineage object has no executionPlan")
    plan = parse_plan(doc["executionPlan"], consume=True)
    event = parse_event(doc["executionEvent"]) if doc.get("executionEvent") is not None else None
    _check_pair(plan, event)
    job_doc = doc.get("job") or {}
    if not isinstance(job_doc, dict):
        raise LineageReadError(source, "job must be a JSON object")
    tags = job_doc.get("tags") or {}
    fallback = _job_from_spline(plan, event)
    job = JobInfo(
        spark_app_id=job_doc.get("sparkAppId") or fallback.spark_app_id,
        spark_app_name=job_doc.get("sparkAppName") or fallback.spark_app_name,
        emr_application_id=job_doc.get("emrApplicationId"),
        emr_job_run_id=job_doc.get("emrJobRunId"),
        release_label=job_doc.get("releaseLabel"),
        tags={str(k): str(v) for k, v in tags.items()} if isinstance(tags, dict) else {},
    )
    return ReadResult([LineageRecord(source, FORM_OBJECT, plan, event, job)], form=FORM_OBJECT)


def _check_pair(plan: ExecutionPlan, event: ExecutionEvent | None) -> None:
    if event is not None and event.plan_id != plan.id:
        raise PlanError(f"the execution event belongs to plan {event.plan_id}, not to plan {plan.id}")


def _read_text(source: str, text: str) -> ReadResult:
    """Console/logging output: any number of plans and events between unrelated log lines."""
    decoder = json.JSONDecoder()
    plans: list[ExecutionPlan] = []
    events: list[ExecutionEvent] = []
    errors: list[str] = []
    for marker in (_TEXT_MARKER, _ARRAY_MARKER):
        for match in marker.finditer(text):
            kind = match.group(1).lower()
            start = match.end()
            line = text.count("\n", 0, start) + 1
            try:
                doc, _ = decoder.raw_decode(text, start)
            except json.JSONDecodeError as exc:
                errors.append(f"Execution{kind.title()} at line {line}: truncated or invalid JSON ({exc.msg})")
                continue
            try:
                if kind == "plan":
                    plans.append(parse_plan(doc, consume=True))
                else:
                    events.append(parse_event(doc))
            except PlanError as exc:
                errors.append(f"Execution{kind.title()} at line {line}: {exc}")
    if errors and not plans and not events:
        raise LineageReadError(source, "; ".join(errors))
    events_by_plan = {event.plan_id: event for event in events}
    result = ReadResult(form=FORM_TEXT, errors=errors)
    for plan in plans:
        event = events_by_plan.pop(plan.id, None)
        result.records.append(LineageRecord(source, FORM_TEXT, plan, event, _job_from_spline(plan, event)))
    result.orphan_events = list(events_by_plan.values())
    return result
