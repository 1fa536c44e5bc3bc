"""Finished job runs: which ones are new, and the `emrs.job_run.*` points of each. Pure.

Which runs to read: per application the state keeps `mark` (the newest createdAt listed), `open`
(runs listed before they finished, or finished but not yet delivered) and `counted` (runs delivered,
kept while ListJobRuns could still return them). A collection lists from the oldest open run (or the
mark) onwards, but never further back than `max_run_age` (EMR Serverless stops a batch run after at
most 7 days); an open run older than that is read on its own with GetJobRun. So a run is read with
GetJobRun once, when it is seen final, and sent once.

Tags and cardinality: a run's points carry the application, release, architecture, job name, state
and the job run's own tags whose keys are allow-listed (team, cost_center, …), never its id:
thousands of runs a day must stay a few series per job, not thousands of tag values. Generated job
names (a date, a UUID or a long number in the name) are folded into one name per job.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emrs_observe.metrics.catalog import RUN_TAGS
from emrs_observe.metrics.cost import Billed, Rates, architecture, cost
from emrs_observe.metrics.points import COUNT, GAUGE, Point, tags_of

FINAL_STATES = frozenset({"SUCCESS", "FAILED", "CANCELLED"})
KNOWN_STATES = frozenset({"SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "CANCELLING", "QUEUED"}) | FINAL_STATES
DEFAULT_RUN_TAG_KEYS = ("team", "owner", "cost_center", "cost-center", "costcenter", "env", "environment", "service",
                        "project")
MAX_RUN_TAGS = 8

_DATE = re.compile(
    r"(?<!\d)\d{4}-?\d{2}-?\d{2}(?:[T _-]?\d{2}[:.-]?\d{2}(?:[:.-]?\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_NUMBER = re.compile(r"\d{6,}")


def job_name(name: object, normalize: bool = True) -> str:
    """The `job_name` tag: `unnamed` for runs without a name; dates, UUIDs and numbers of 6+ digits
    replaced by DATE, UUID and N (`orders_2026-01-05T02:00` and `orders_2026-01-06T02:00` are one job)."""
    text = str(name or "").strip()
    if not text:
        return "unnamed"
    if normalize:
        text = _NUMBER.sub("N", _DATE.sub("DATE", _UUID.sub("UUID", text)))
    return text


def parse_time(value: object, where: str, name: str, required: bool = False) -> dt.datetime | None:
    """A timestamp as boto3 (datetime), the AWS CLI (ISO 8601) or a JSON export (epoch seconds) gives it."""
    if value is None or value == "":
        if required:
            raise ValueError(f"{where}: `{name}` is required")
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        parsed = dt.datetime.fromtimestamp(float(value), dt.timezone.utc)
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{where}: `{name}` {value!r} is not an ISO 8601 time") from None
    else:
        raise ValueError(f"{where}: `{name}` must be a time, found {type(value).__name__}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _number(doc: Mapping[str, Any], key: str, where: str) -> float | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{where}: `{key}` must be a non-negative number, found {value!r}")
    return float(value)


@dataclass(frozen=True)
class Application:
    """What the points need of an application (ListApplications gives all of it)."""

    account_id: str
    region: str
    application_id: str
    name: str
    release_label: str
    architecture: str  # x86_64 | arm64

    @property
    def key(self) -> str:
        return f"{self.account_id}/{self.region}/{self.application_id}"

    @property
    def scope(self) -> str:
        return f"{self.account_id}/{self.region}"


def application_from_api(doc: Mapping[str, Any], account_id: str, region: str, where: str) -> Application:
    app_id = doc.get("applicationId") or doc.get("id")
    if not isinstance(app_id, str) or not app_id:
        raise ValueError(f"{where}: `applicationId` (or `id`) is required")
    arn = doc.get("arn")
    if isinstance(arn, str):
        parts = arn.split(":")
        if len(parts) < 6 or parts[2] != "emr-serverless" or not parts[4].isdigit():
            raise ValueError(f"{where}: arn {arn!r} is not an EMR Serverless application ARN")
        region, account_id = parts[3], parts[4]
    if not account_id or not region:
        raise ValueError(f"{where}: `arn` is required to know the application's account and region")
    return Application(account_id, region, app_id, str(doc.get("name") or ""), str(doc.get("releaseLabel") or ""),
                       architecture(doc.get("architecture")))


@dataclass(frozen=True)
class FinishedRun:
    """A job run in a final state, as GetJobRun describes it."""

    application_id: str
    run_id: str
    name: str
    state: str
    created_at: dt.datetime
    ended_at: dt.datetime
    started_at: dt.datetime | None
    duration_s: float | None
    queued_s: float | None
    attempt: int
    billed: Billed | None
    release_label: str
    tags: dict[str, str]


def finished_run(doc: Mapping[str, Any], where: str) -> FinishedRun | None:
    """None when the run is not final yet; ValueError naming `where` and the field when unusable."""
    if not isinstance(doc, Mapping):
        raise ValueError(f"{where}: a job run must be an object")
    app_id = doc.get("applicationId")
    run_id = doc.get("jobRunId") or doc.get("id")
    if not isinstance(app_id, str) or not isinstance(run_id, str) or not app_id or not run_id:
        raise ValueError(f"{where}: `applicationId` and `jobRunId` are required")
    where = f"{where} (job run {run_id})"
    state = str(doc.get("state") or "")
    if state not in KNOWN_STATES:
        raise ValueError(f"{where}: `state` {state!r} is not an EMR Serverless job run state")
    if state not in FINAL_STATES:
        return None
    created = parse_time(doc.get("createdAt"), where, "createdAt", required=True)
    ended = parse_time(doc.get("endedAt"), where, "endedAt") or parse_time(
        doc.get("updatedAt"), where, "updatedAt", required=True
    )
    started = parse_time(doc.get("startedAt"), where, "startedAt")
    assert created is not None and ended is not None
    duration = _number(doc, "totalExecutionDurationSeconds", where)
    if duration is None and started is not None:
        duration = max(0.0, (ended - started).total_seconds())
    queued_ms = _number(doc, "queuedDurationMilliseconds", where)
    attempt = doc.get("attempt", 1)
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise ValueError(f"{where}: `attempt` must be a positive integer, found {attempt!r}")
    billed_doc = doc.get("billedResourceUtilization")
    billed = None
    if billed_doc is not None:
        if not isinstance(billed_doc, Mapping):
            raise ValueError(f"{where}: `billedResourceUtilization` must be an object")
        figures = [_number(billed_doc, k, f"{where} billedResourceUtilization")
                   for k in ("vCPUHour", "memoryGBHour", "storageGBHour")]
        billed = Billed(*(f or 0.0 for f in figures))
    tags = doc.get("tags") or {}
    if not isinstance(tags, Mapping):
        raise ValueError(f"{where}: `tags` must be an object of strings")
    return FinishedRun(
        app_id, run_id, str(doc.get("name") or ""), state, created, ended, started, duration,
        None if queued_ms is None else queued_ms / 1000, attempt, billed, str(doc.get("releaseLabel") or ""),
        {str(k): str(v) for k, v in tags.items()},
    )


@dataclass(frozen=True)
class TagPolicy:
    run_tag_keys: tuple[str, ...] = DEFAULT_RUN_TAG_KEYS  # the job run's own tags that become Datadog tags
    extra: tuple[tuple[str, str], ...] = ()  # --metric-tag on every point
    normalize_job_names: bool = True


def run_tags(run: FinishedRun, app: Application, policy: TagPolicy) -> tuple[str, ...]:
    ours = {
        "aws_account": app.account_id,
        "region": app.region,
        "emr_application_id": app.application_id,
        "emr_application_name": app.name or app.application_id,
        "release_label": run.release_label or app.release_label,
        "architecture": app.architecture,
        "job_name": job_name(run.name, policy.normalize_job_names),
        "state": run.state.lower(),
    }
    assert tuple(ours) == RUN_TAGS
    allowed = {k.lower() for k in policy.run_tag_keys}
    own = [(k, v) for k, v in sorted(run.tags.items()) if k.lower() in allowed and k.lower() not in ours]
    return tags_of([*ours.items(), *own[:MAX_RUN_TAGS], *policy.extra])


def run_points(
    run: FinishedRun, app: Application, rates: Rates | None, policy: TagPolicy
) -> list[Point]:
    """The `emrs.job_run.*` points of one finished run, at its end time. Cost only with rates and billed
    figures; the caller reports a run without them."""
    tags = run_tags(run, app, policy)
    at = int(run.ended_at.timestamp())
    out = [Point("emrs.job_run.count", COUNT, at, 1.0, tags),
           Point("emrs.job_run.attempts", GAUGE, at, float(run.attempt), tags)]
    if run.duration_s is not None:
        out.append(Point("emrs.job_run.duration", GAUGE, at, run.duration_s, tags))
    if run.queued_s is not None:
        out.append(Point("emrs.job_run.queued", GAUGE, at, run.queued_s, tags))
    if run.started_at is not None:
        delay = max(0.0, (run.started_at - run.created_at).total_seconds())
        out.append(Point("emrs.job_run.start_delay", GAUGE, at, delay, tags))
    if run.billed is not None:
        out += [
            Point("emrs.job_run.vcpu_hours", COUNT, at, run.billed.vcpu_hours, tags),
            Point("emrs.job_run.memory_gb_hours", COUNT, at, run.billed.memory_gb_hours, tags),
            Point("emrs.job_run.storage_gb_hours", COUNT, at, run.billed.storage_gb_hours, tags),
        ]
        if rates is not None:
            out.append(Point("emrs.job_run.cost", COUNT, at, cost(run.billed, rates), tags))
    return out


# --- which runs to read -----------------------------------------------------------------------------


@dataclass
class AppRuns:
    """One application's memory, all of it small: a mark, and run ids with their createdAt (ISO)."""

    mark: str | None = None
    open: dict[str, str] = field(default_factory=dict)
    counted: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"mark": self.mark, "open": dict(sorted(self.open.items())),
                "counted": dict(sorted(self.counted.items()))}

    @staticmethod
    def from_json(doc: Mapping[str, Any]) -> AppRuns:
        return AppRuns(
            None if doc.get("mark") is None else str(doc["mark"]),
            {str(k): str(v) for k, v in (doc.get("open") or {}).items()},
            {str(k): str(v) for k, v in (doc.get("counted") or {}).items()},
        )


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).isoformat()


def _at(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def list_from(app: AppRuns, now: dt.datetime, lookback: dt.timedelta, max_run_age: dt.timedelta) -> dt.datetime:
    """createdAtAfter for this collection's ListJobRuns."""
    if app.mark is None:
        start = now - lookback
    else:
        start = min([_at(app.mark), *(_at(c) for c in app.open.values())])
    return max(start, now - max_run_age)


@dataclass
class Listing:
    """What one application's ListJobRuns pages said, sorted into what to do."""

    to_read: dict[str, str] = field(default_factory=dict)  # final, not counted: GetJobRun each
    still_open: dict[str, str] = field(default_factory=dict)
    newest: str | None = None


def sort_listing(app: AppRuns, summaries: Iterable[Mapping[str, Any]], listed_from: dt.datetime) -> Listing:
    out = Listing(newest=app.mark)
    for summary in summaries:
        run_id = str(summary.get("id") or summary.get("jobRunId") or "")
        created = parse_time(summary.get("createdAt"), f"job run {run_id}", "createdAt") or listed_from
        created_iso = _iso(created)
        if out.newest is None or created > _at(out.newest):
            out.newest = created_iso
        if not run_id or run_id in app.counted:
            continue
        if summary.get("state") in FINAL_STATES:
            out.to_read[run_id] = created_iso
        else:
            out.still_open[run_id] = created_iso
    return out


def stragglers(app: AppRuns, listing: Listing) -> dict[str, str]:
    """Open runs the listing did not return: older than the window (long-running or streaming runs),
    or gone. Each is read on its own with GetJobRun."""
    return {
        run_id: created
        for run_id, created in app.open.items()
        if run_id not in listing.to_read and run_id not in listing.still_open
    }


def prune_counted(
    app: AppRuns, now: dt.datetime, lookback: dt.timedelta, max_run_age: dt.timedelta, offline: bool = False
) -> None:
    """Forget counted runs that no later listing can return (created before the next window). An
    exported file can hold any run, so offline the bound is the application's newest run less
    `max_run_age` instead."""
    if offline:
        if app.mark is None:
            return
        start = _at(app.mark) - max_run_age
    else:
        start = list_from(app, now, lookback, max_run_age)
    for run_id in [r for r, created in app.counted.items() if _at(created) < start]:
        del app.counted[run_id]
