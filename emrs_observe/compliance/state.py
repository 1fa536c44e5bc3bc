"""What the scanner remembers between runs: applications seen per account/region, and open alerts.

Stored as one JSON document in a local file or an S3 object (through `emrs_observe.storage`).
It holds ids, rule ids and summaries only — never a property value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from emrs_observe.compliance.model import JobRunMark
from emrs_observe.storage import StorageError, read_optional, write_bytes

FORMAT = "emrs-observe.compliance-state"


class StateError(ValueError):
    """The state file exists but cannot be used; names it and why."""


@dataclass
class OpenAlert:
    kind: str  # "violation" | "scan" | "job-runs"
    account_id: str
    region: str | None
    application_id: str | None
    summary: str
    last_sent: str  # ISO timestamp of the last trigger delivered

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ScanState:
    scopes: dict[str, list[str]] = field(default_factory=dict)  # "account/region" -> application ids
    open_alerts: dict[str, OpenAlert] = field(default_factory=dict)  # dedup key -> alert
    exists: bool = False
    # "account/region/application" -> job runs audited up to (one small entry per application)
    job_run_marks: dict[str, JobRunMark] = field(default_factory=dict)


def load_state(uri: str | None) -> ScanState:
    if not uri:
        return ScanState()
    try:
        raw = read_optional(uri)
    except StorageError as exc:
        raise StateError(f"state {uri}: {exc}") from None
    if raw is None:
        return ScanState()
    try:
        doc = json.loads(raw)
        if doc.get("format") != FORMAT:
            raise ValueError(f"format is {doc.get('format')!r}, expected {FORMAT!r}")
        scopes = {str(k): [str(a) for a in v] for k, v in doc.get("scopes", {}).items()}
        alerts = {str(k): OpenAlert(**v) for k, v in doc.get("open_alerts", {}).items()}
        marks = {
            str(k): JobRunMark(str(v["created_at"]), tuple(str(i) for i in v.get("ids", [])))
            for k, v in doc.get("job_runs", {}).items()
        }
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise StateError(f"state {uri} is not a scanner state document ({exc}); move it away to start afresh") from None
    return ScanState(scopes, alerts, True, marks)


def save_state(uri: str, state: ScanState) -> None:
    doc = {
        "format": FORMAT,
        "version": 1,
        "scopes": {k: sorted(v) for k, v in sorted(state.scopes.items())},
        "open_alerts": {k: a.to_json() for k, a in sorted(state.open_alerts.items())},
        "job_runs": {
            k: {"created_at": m.created_at, "ids": list(m.ids)} for k, m in sorted(state.job_run_marks.items())
        },
    }
    try:
        write_bytes(uri, (json.dumps(doc, indent=1) + "\n").encode("utf-8"))
    except StorageError as exc:
        raise StateError(f"state {uri}: {exc}") from None
