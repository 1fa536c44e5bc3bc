"""CloudWatch figures of EMR Serverless: which series to ask for, with which statistic, and the Datadog
points they become. Pure: ListMetrics and GetMetricData answers come in as dicts.

- Series come from ListMetrics (namespace AWS/EMRServerless, recently active), so both dimension
  schemes are found as they are: releases before 7.10 publish {ApplicationId[, WorkerType,
  CapacityAllocationType][, JobId]}, 7.10 and later add ApplicationName and JobName (and stop the old
  series). Where an application has both for the same figure, only the new one is asked for.
- Each catalogued metric is asked for with its statistic (catalog.py), over one-minute periods, at
  most 500 queries per GetMetricData call; an uncatalogued metric name is counted and left out.
- Points keep CloudWatch's own minute timestamps. Job-level series are per job run (JobId); job run
  ids never become tags, so the series of one job name add up into one (JobId only finds the name
  where JobName is missing). A high-water mark per Datadog series keeps a minute from being sent twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emrs_observe.metrics.catalog import (
    BY_CLOUDWATCH_NAME,
    EMR_NAMESPACE,
    QUOTA_METRICS,
    USAGE_NAMESPACE,
    VCPU_USAGE_DIMENSIONS,
)
from emrs_observe.metrics.jobruns import Application, TagPolicy, job_name
from emrs_observe.metrics.points import GAUGE, Point, tags_of

MAX_QUERIES = 500  # GetMetricData's limit per call
PERIOD = 60  # EMR Serverless publishes one point a minute
_NAME_DIMENSIONS = {"ApplicationName", "JobName"}  # present from release 7.10
_TAG_OF_DIMENSION = {"WorkerType": "worker_type", "CapacityAllocationType": "capacity_type"}


@dataclass(frozen=True)
class Query:
    id: str
    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str
    dd_metric: str
    tags: tuple[str, ...]

    def to_api(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.namespace,
                    "MetricName": self.metric_name,
                    "Dimensions": [{"Name": n, "Value": v} for n, v in sorted(self.dimensions)],
                },
                "Period": PERIOD,
                "Stat": self.statistic,
            },
            "ReturnData": True,
        }


@dataclass
class Plan:
    queries: list[Query] = field(default_factory=list)
    uncatalogued: Counter[str] = field(default_factory=Counter)  # metric names CloudWatch has and we skip
    superseded: int = 0  # pre-7.10 series left out because the 7.10 series of the same figure exists


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def plan(
    account_id: str,
    region: str,
    listed: Iterable[Mapping[str, Any]],
    apps: Mapping[str, Application],
    names_by_run: Mapping[str, str],
    policy: TagPolicy,
    worker_metrics: bool = True,
    first_id: int = 0,
) -> Plan:
    """The GetMetricData queries for one account and region's ListMetrics answer."""
    out = Plan()
    chosen: dict[tuple[str, ...], tuple[bool, dict[str, str]]] = {}
    order: list[tuple[str, ...]] = []
    seen: set[tuple[str, ...]] = set()
    for metric in listed:
        if metric.get("Namespace") != EMR_NAMESPACE:
            continue
        name = str(metric.get("MetricName"))
        if name not in BY_CLOUDWATCH_NAME:
            out.uncatalogued[name] += 1
            continue
        dims = {str(d["Name"]): str(d["Value"]) for d in metric.get("Dimensions", [])}
        if "ApplicationId" not in dims or ("JobId" in dims and not worker_metrics):
            continue
        exact = (name, *(f"{k}={v}" for k, v in sorted(dims.items())))
        if exact in seen:
            continue  # listed twice
        seen.add(exact)
        logical = (name, *(f"{k}={v}" for k, v in sorted(dims.items()) if k not in _NAME_DIMENSIONS))
        new_scheme = bool(_NAME_DIMENSIONS & set(dims))
        if logical in chosen:
            if chosen[logical][0] or not new_scheme:
                out.superseded += 1
                continue
            out.superseded += 1
        else:
            order.append(logical)
        chosen[logical] = (new_scheme, dims)
    for logical in order:
        _, dims = chosen[logical]
        spec = BY_CLOUDWATCH_NAME[logical[0]]
        assert spec.cloudwatch is not None
        app = apps.get(dims["ApplicationId"])
        pairs: dict[str, object] = {
            "aws_account": account_id,
            "region": region,
            "emr_application_id": dims["ApplicationId"],
            "emr_application_name": dims.get("ApplicationName") or (app.name if app else None),
            "release_label": app.release_label if app else None,
            "architecture": app.architecture if app else None,
        }
        if "JobId" in dims or "JobName" in dims:
            run_name = dims.get("JobName") or names_by_run.get(dims.get("JobId", ""))
            pairs["job_name"] = job_name(run_name, policy.normalize_job_names) if run_name is not None else "unknown"
        for dim, value in sorted(dims.items()):
            if dim in _TAG_OF_DIMENSION:
                pairs[_TAG_OF_DIMENSION[dim]] = value
            elif dim not in ("ApplicationId", "ApplicationName", "JobId", "JobName"):
                pairs[_snake(dim)] = value  # a dimension AWS adds later stays a distinct series
        out.queries.append(
            Query(
                f"q{first_id + len(out.queries)}",
                EMR_NAMESPACE,
                spec.cloudwatch.metric_name,
                tuple(sorted(dims.items())),
                spec.cloudwatch.statistic,
                spec.name,
                tags_of([*pairs.items(), *policy.extra]),
            )
        )
    return out


def usage_query(account_id: str, region: str, statistic: str | None, policy: TagPolicy, query_id: str) -> Query:
    spec = QUOTA_METRICS[0]
    assert spec.cloudwatch is not None
    return Query(query_id, USAGE_NAMESPACE, spec.cloudwatch.metric_name, VCPU_USAGE_DIMENSIONS,
                 statistic or spec.cloudwatch.statistic, spec.name,
                 tags_of([("aws_account", account_id), ("region", region), *policy.extra]))


def batches(queries: list[Query], size: int = MAX_QUERIES) -> list[list[Query]]:
    return [queries[i : i + size] for i in range(0, len(queries), size)]


def window(now: dt.datetime, lookback: dt.timedelta, settle: dt.timedelta) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) on whole minutes; the last `settle` is left for CloudWatch to finish publishing."""
    end = (now - settle).replace(second=0, microsecond=0)
    start = (now - lookback).replace(second=0, microsecond=0)
    return start, max(end, start + dt.timedelta(minutes=1))


def series_key(metric: str, tags: tuple[str, ...]) -> str:
    """A short stable name for a Datadog series in the state (thousands of them: tags are long)."""
    return metric + "|" + hashlib.blake2b(",".join(tags).encode(), digest_size=10).hexdigest()


def to_points(
    results: Iterable[Mapping[str, Any]], queries: Mapping[str, Query], high_water: Mapping[str, int]
) -> tuple[list[Point], dict[str, int]]:
    """Datadog gauges from GetMetricData results (all pages), minutes already sent left out; values of
    one Datadog series and minute (several runs of one job) added up. Also returns the new marks."""
    sums: dict[tuple[str, tuple[str, ...], int], float] = {}
    for result in results:
        query = queries.get(str(result.get("Id")))
        if query is None:
            continue
        mark = high_water.get(series_key(query.dd_metric, query.tags), 0)
        for stamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
            at = int(stamp.timestamp()) if isinstance(stamp, dt.datetime) else int(stamp)
            if at <= mark:
                continue
            key = (query.dd_metric, query.tags, at)
            sums[key] = sums.get(key, 0.0) + float(value)
    points = [Point(metric, GAUGE, at, value, tags) for (metric, tags, at), value in sorted(sums.items())]
    marks: dict[str, int] = {}
    for p in points:
        name = series_key(p.metric, p.tags)
        marks[name] = max(marks.get(name, 0), p.timestamp)
    return points, marks
