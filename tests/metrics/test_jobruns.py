"""Which job runs are new and final, and the points of each: tags, cardinality, merging. Pure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from emrs_observe.metrics.jobruns import (
    MAX_RUN_TAGS,
    Application,
    AppRuns,
    TagPolicy,
    finished_run,
    job_name,
    list_from,
    prune_counted,
    run_points,
    sort_listing,
    stragglers,
)
from emrs_observe.metrics.points import COUNT, GAUGE, Point, merge

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
APP = Application("111111111111", "eu-west-1", "00fapp", "orders", "emr-7.2.0", "arm64")


def run_doc(run_id: str = "00run1", name: str = "daily_orders", state: str = "SUCCESS", **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "applicationId": "00fapp", "jobRunId": run_id, "name": name, "state": state,
        "createdAt": "2026-03-10T10:00:00+00:00", "startedAt": "2026-03-10T10:01:00+00:00",
        "endedAt": "2026-03-10T10:31:00+00:00", "updatedAt": "2026-03-10T10:31:02+00:00",
        "totalExecutionDurationSeconds": 1800, "queuedDurationMilliseconds": 45000, "attempt": 2,
        "billedResourceUtilization": {"vCPUHour": 4.0, "memoryGBHour": 16.0, "storageGBHour": 0.5},
        "releaseLabel": "emr-7.2.0", "tags": {"team": "data", "airflow_run_id": f"scheduled__{run_id}"},
    }
    doc.update(extra)
    return doc


def test_generated_job_names_fold_into_one_job() -> None:
    assert job_name("orders_2026-01-05T02:00:00Z") == job_name("orders_2026-01-06T02:00:00Z") == "orders_DATE"
    assert job_name("backfill-20260105") == "backfill-DATE"
    assert job_name("adhoc-3f2b8c1e-1d2a-4b7e-9c3d-0123456789ab") == "adhoc-UUID"
    assert job_name("ingest-batch-1749201234") == "ingest-batch-N"
    assert job_name("etl_v2_step3") == "etl_v2_step3"  # short numbers are part of the name
    assert job_name("") == job_name(None) == "unnamed"
    assert job_name("orders_2026-01-05", normalize=False) == "orders_2026-01-05"


def test_a_run_is_tagged_by_its_job_never_by_its_id_and_only_with_allow_listed_tags() -> None:
    run = finished_run(run_doc(tags={"team": "data", "airflow_run_id": "x", "state": "forged", "Cost_Center": "42"}),
                       "test")
    assert run is not None
    (count,) = [p for p in run_points(run, APP, None, TagPolicy()) if p.metric == "emrs.job_run.count"]
    assert count.tags == (
        "architecture:arm64", "aws_account:111111111111", "cost_center:42", "emr_application_id:00fapp",
        "emr_application_name:orders", "job_name:daily_orders", "region:eu-west-1", "release_label:emr-7.2.0",
        "state:success", "team:data",
    )
    assert not any("00run1" in t or "airflow" in t for t in count.tags)
    many = {f"k{i}": "v" for i in range(20)}
    run = finished_run(run_doc(tags=many), "test")
    assert run is not None
    policy = TagPolicy(run_tag_keys=tuple(many), extra=(("env", "prod"),))
    tags = run_points(run, APP, None, policy)[0].tags
    assert sum(t.startswith("k") for t in tags) == MAX_RUN_TAGS and "env:prod" in tags


def test_a_thousand_runs_of_a_daily_job_are_one_series_per_metric_and_state() -> None:
    points = []
    for day in range(1000):
        at = NOW - dt.timedelta(days=day)
        doc = run_doc(f"00r{day}", f"orders_{at:%Y-%m-%d}", "FAILED" if day % 10 == 0 else "SUCCESS",
                      createdAt=at.isoformat(), endedAt=(at + dt.timedelta(minutes=5)).isoformat())
        run = finished_run(doc, "test")
        assert run is not None
        points += run_points(run, APP, None, TagPolicy())
    series = {(p.metric, p.tags) for p in points if p.metric == "emrs.job_run.count"}
    assert len(series) == 2  # success and failed, whatever the run ids and dated names


def test_points_of_one_series_and_second_merge_instead_of_overwriting() -> None:
    tags = ("job_name:a",)
    merged = merge([
        Point("emrs.job_run.count", COUNT, 100, 1.0, tags), Point("emrs.job_run.count", COUNT, 100, 1.0, tags),
        Point("emrs.job_run.cost", COUNT, 100, 0.25, tags), Point("emrs.job_run.cost", COUNT, 100, 0.5, tags),
        Point("emrs.job_run.queued", GAUGE, 100, 30.0, tags), Point("emrs.job_run.queued", GAUGE, 100, 90.0, tags),
        Point("emrs.job_run.count", COUNT, 101, 1.0, tags),
    ])
    values = {(p.metric, p.timestamp): p.value for p in merged}
    assert values == {("emrs.job_run.count", 100): 2.0, ("emrs.job_run.cost", 100): 0.75,
                      ("emrs.job_run.queued", 100): 90.0, ("emrs.job_run.count", 101): 1.0}


def test_each_figure_comes_from_get_job_run_at_the_runs_end() -> None:
    run = finished_run(run_doc(), "test")
    assert run is not None
    points = {p.metric: p for p in run_points(run, APP, None, TagPolicy())}
    end = int(dt.datetime(2026, 3, 10, 10, 31, tzinfo=UTC).timestamp())
    assert {p.timestamp for p in points.values()} == {end}
    assert {m: p.value for m, p in points.items()} == {
        "emrs.job_run.count": 1.0, "emrs.job_run.attempts": 2.0, "emrs.job_run.duration": 1800.0,
        "emrs.job_run.queued": 45.0, "emrs.job_run.start_delay": 60.0, "emrs.job_run.vcpu_hours": 4.0,
        "emrs.job_run.memory_gb_hours": 16.0, "emrs.job_run.storage_gb_hours": 0.5,
    }  # no cost without rates: the caller reports the run as unpriced
    cancelled = finished_run(run_doc(state="CANCELLED", startedAt=None, totalExecutionDurationSeconds=None,
                                     endedAt=None), "test")
    assert cancelled is not None and cancelled.ended_at == dt.datetime(2026, 3, 10, 10, 31, 2, tzinfo=UTC)
    metrics = {p.metric for p in run_points(cancelled, APP, None, TagPolicy())}
    assert "emrs.job_run.duration" not in metrics and "emrs.job_run.start_delay" not in metrics
    assert finished_run(run_doc(state="RUNNING"), "test") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"state": "DONE"}, "`state` 'DONE' is not an EMR Serverless job run state"),
        ({"createdAt": None}, "`createdAt` is required"),
        ({"endedAt": None, "updatedAt": None}, "`updatedAt` is required"),
        ({"createdAt": "yesterday"}, "`createdAt` 'yesterday' is not an ISO 8601 time"),
        ({"attempt": 0}, "`attempt` must be a positive integer"),
        ({"billedResourceUtilization": {"vCPUHour": -1}}, "`vCPUHour` must be a non-negative number"),
        ({"tags": ["team"]}, "`tags` must be an object"),
        ({"jobRunId": None}, "`applicationId` and `jobRunId` are required"),
    ],
)
def test_an_unusable_job_run_is_named_with_the_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=r"^export\.json entry \[3\]") as caught:
        finished_run(run_doc(**change), "export.json entry [3]")
    assert message in str(caught.value)


def iso(hours_ago: float) -> str:
    return (NOW - dt.timedelta(hours=hours_ago)).isoformat()


def test_the_listing_starts_at_the_oldest_open_run_but_never_before_the_maximum_age() -> None:
    day, week = dt.timedelta(hours=24), dt.timedelta(days=7)
    assert list_from(AppRuns(), NOW, day, week) == NOW - day  # first collection: the look-back
    app = AppRuns(mark=iso(1), open={"a": iso(5), "b": iso(2)})
    assert list_from(app, NOW, day, week) == NOW - dt.timedelta(hours=5)
    app.open["streaming"] = iso(24 * 30)
    assert list_from(app, NOW, day, week) == NOW - week


def test_listed_runs_sort_into_read_open_and_skipped_and_unlisted_open_runs_are_read_alone() -> None:
    app = AppRuns(mark=iso(3), open={"old-stream": iso(24 * 30), "was-running": iso(2)}, counted={"done": iso(2)})
    summaries = [
        {"id": "done", "state": "SUCCESS", "createdAt": NOW - dt.timedelta(hours=2)},
        {"id": "was-running", "state": "FAILED", "createdAt": NOW - dt.timedelta(hours=2)},
        {"id": "new-final", "state": "SUCCESS", "createdAt": NOW - dt.timedelta(minutes=30)},
        {"id": "new-running", "state": "RUNNING", "createdAt": NOW - dt.timedelta(minutes=10)},
    ]
    listing = sort_listing(app, summaries, NOW - dt.timedelta(hours=3))
    assert set(listing.to_read) == {"was-running", "new-final"}  # the counted one is never read again
    assert set(listing.still_open) == {"new-running"}
    assert listing.newest == (NOW - dt.timedelta(minutes=10)).isoformat()
    assert set(stragglers(app, listing)) == {"old-stream"}


def test_counted_runs_are_forgotten_only_once_no_listing_can_return_them() -> None:
    day, week = dt.timedelta(hours=24), dt.timedelta(days=7)
    app = AppRuns(mark=iso(1), open={"running": iso(6)}, counted={"a": iso(7), "b": iso(5), "c": iso(0.5)})
    prune_counted(app, NOW, day, week)
    assert set(app.counted) == {"b", "c"}  # the window starts at the open run, 6 hours back
    offline = AppRuns(mark=iso(1), counted={"x": iso(24 * 8), "y": iso(24 * 6)})
    prune_counted(offline, NOW + dt.timedelta(days=365), day, week, offline=True)
    assert set(offline.counted) == {"y"}  # offline: relative to the newest run, not to today
