"""Which CloudWatch series to ask for, with which statistic, and the points they become. Pure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from emrs_observe.metrics.cloudwatch import MAX_QUERIES, batches, plan, series_key, to_points, usage_query, window
from emrs_observe.metrics.jobruns import Application, TagPolicy

UTC = dt.timezone.utc
OLD = Application("111111111111", "eu-west-1", "00fold", "legacy", "emr-7.2.0", "x86_64")
NEW = Application("111111111111", "eu-west-1", "00fnew", "modern", "emr-7.10.0", "arm64")
APPS = {a.application_id: a for a in (OLD, NEW)}

# The statistic AWS's own sample dashboard uses for each metric it shows
# (aws-samples/emr-serverless-samples, cloudformation/emr-serverless-cloudwatch-dashboard), and
# Maximum for the per-application limits the sample does not show.
AWS_SAMPLE = {
    **{f"{s}Jobs": "Sum" for s in ("Submitted", "Pending", "Scheduled", "Running", "Success", "Failed",
                                   "Cancelling", "Cancelled")},
    "CPUAllocated": "Sum", "MemoryAllocated": "Sum", "StorageAllocated": "Sum",
    "RunningWorkerCount": "Sum", "IdleWorkerCount": "Sum",
    "WorkerCpuAllocated": "Sum", "WorkerMemoryAllocated": "Sum", "WorkerEphemeralStorageAllocated": "Sum",
    "WorkerCpuUsed": "Maximum", "WorkerMemoryUsed": "Maximum", "WorkerEphemeralStorageUsed": "Maximum",
    "WorkerStorageReadBytes": "Maximum", "WorkerStorageWriteBytes": "Maximum",
    "MaxCPUAllowed": "Maximum", "MaxMemoryAllowed": "Maximum", "MaxStorageAllowed": "Maximum",
}


def listed(name: str, **dims: str) -> dict[str, Any]:
    return {"Namespace": "AWS/EMRServerless", "MetricName": name,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]}


def test_each_metric_is_asked_for_with_the_statistic_aws_uses() -> None:
    metrics = [listed(name, ApplicationId="00fold") for name in AWS_SAMPLE]
    queries = plan("111111111111", "eu-west-1", metrics, APPS, {}, TagPolicy()).queries
    assert {q.metric_name: q.statistic for q in queries} == AWS_SAMPLE
    assert all(q.to_api()["MetricStat"]["Period"] == 60 for q in queries)


def test_both_dimension_schemes_are_read_and_the_new_one_wins_where_both_exist() -> None:
    job_old = {"ApplicationId": "00fold", "JobId": "00run7", "WorkerType": "Spark_Executor",
               "CapacityAllocationType": "OnDemandCapacity"}
    job_new = {"ApplicationId": "00fnew", "ApplicationName": "modern", "JobId": "00run9", "JobName": "orders",
               "WorkerType": "Spark_Driver", "CapacityAllocationType": "PreInitCapacity"}
    old_of_new = {k: v for k, v in job_new.items() if k not in ("ApplicationName", "JobName")}
    metrics = [
        listed("WorkerCpuUsed", **job_old),
        listed("WorkerCpuUsed", **old_of_new),  # the same figure in both schemes: only the new one is read
        listed("WorkerCpuUsed", **job_new),
        listed("SubmittedJobs", ApplicationId="00fnew"),
        listed("SubmittedJobs", ApplicationId="00fnew", ApplicationName="modern"),
        listed("SomethingAwsAddsLater", ApplicationId="00fold"),
        {**listed("ResourceCount"), "Namespace": "AWS/Usage"},
    ]
    planned = plan("111111111111", "eu-west-1", metrics, APPS, {"00run7": "nightly_2026-01-01"}, TagPolicy())
    assert planned.superseded == 2 and planned.uncatalogued == {"SomethingAwsAddsLater": 1}
    tags = {(q.metric_name, tuple(n for n, _ in q.dimensions)): q.tags for q in planned.queries}
    assert len(tags) == 3
    assert tags[("WorkerCpuUsed", ("ApplicationId", "CapacityAllocationType", "JobId", "WorkerType"))] == (
        "architecture:x86_64", "aws_account:111111111111", "capacity_type:ondemandcapacity",
        "emr_application_id:00fold", "emr_application_name:legacy", "job_name:nightly_date", "region:eu-west-1",
        "release_label:emr-7.2.0", "worker_type:spark_executor",
    )  # the job name found from the run id, never the run id itself
    new_worker = tags[("WorkerCpuUsed", ("ApplicationId", "ApplicationName", "CapacityAllocationType", "JobId",
                                         "JobName", "WorkerType"))]
    assert "job_name:orders" in new_worker and not any("00run9" in t for t in new_worker)
    unknown = plan("111111111111", "eu-west-1", [listed("WorkerCpuUsed", **job_old)], APPS, {}, TagPolicy())
    assert "job_name:unknown" in unknown.queries[0].tags
    assert not plan("111111111111", "eu-west-1", [listed("WorkerCpuUsed", **job_old)], APPS, {}, TagPolicy(),
                    worker_metrics=False).queries


def test_queries_go_in_calls_of_at_most_500() -> None:
    metrics = [listed("WorkerCpuUsed", ApplicationId="00fold", JobId=f"00r{i}", WorkerType="Spark_Executor",
                      CapacityAllocationType="OnDemandCapacity") for i in range(1203)]
    queries = plan("111111111111", "eu-west-1", metrics, APPS, {}, TagPolicy()).queries
    assert [len(b) for b in batches(queries)] == [MAX_QUERIES, MAX_QUERIES, 203]
    assert len({q.id for q in queries}) == 1203


def test_points_keep_cloudwatch_minutes_add_up_one_job_and_skip_minutes_already_sent() -> None:
    metrics = [listed("WorkerCpuAllocated", ApplicationId="00fnew", ApplicationName="modern", JobId=f"00r{i}",
                      JobName="orders", WorkerType="Spark_Executor", CapacityAllocationType="OnDemandCapacity")
               for i in (1, 2)]
    queries = {q.id: q for q in plan("111111111111", "eu-west-1", metrics, APPS, {}, TagPolicy()).queries}
    t1, t2, t3 = (dt.datetime(2026, 3, 10, 11, m, tzinfo=UTC) for m in (1, 2, 3))
    results = [{"Id": "q0", "Timestamps": [t3, t2, t1], "Values": [8.0, 8.0, 4.0]},
               {"Id": "q1", "Timestamps": [t3, t2], "Values": [16.0, 16.0]}]
    points, marks = to_points(results, queries, {})
    assert [(p.timestamp, p.value) for p in points] == [
        (int(t1.timestamp()), 4.0), (int(t2.timestamp()), 24.0), (int(t3.timestamp()), 24.0)]
    key = series_key(points[0].metric, points[0].tags)
    assert marks == {key: int(t3.timestamp())}
    again, _ = to_points(results, queries, {key: int(t2.timestamp())})
    assert [p.timestamp for p in again] == [int(t3.timestamp())]


def test_the_window_ends_before_the_minutes_cloudwatch_may_still_publish() -> None:
    now = dt.datetime(2026, 3, 10, 12, 0, 42, tzinfo=UTC)
    start, end = window(now, dt.timedelta(minutes=60), dt.timedelta(minutes=3))
    assert (start, end) == (dt.datetime(2026, 3, 10, 11, 0, tzinfo=UTC), dt.datetime(2026, 3, 10, 11, 57, tzinfo=UTC))
    usage = usage_query("111111111111", "eu-west-1", "Maximum", TagPolicy(), "u0").to_api()
    assert usage["MetricStat"]["Metric"] == {"Namespace": "AWS/Usage", "MetricName": "ResourceCount", "Dimensions": [
        {"Name": "Class", "Value": "None"}, {"Name": "Resource", "Value": "vCPU"},
        {"Name": "Service", "Value": "EMR Serverless"}, {"Name": "Type", "Value": "Resource"}]}
