"""Requests Datadog accepts: its own model, and a size bound whatever the number of runs."""

from __future__ import annotations

import json

from emrs_observe.metrics.points import COUNT, GAUGE, Point
from emrs_observe.metrics.sink import Unit, requests, series_json


def run_unit(i: int) -> Unit:
    tags = ("aws_account:111111111111", f"job_name:job_{i % 50}", "state:success", "team:data")
    return Unit([Point("emrs.job_run.count", COUNT, 1_770_000_000 + i, 1.0, tags),
                 Point("emrs.job_run.duration", GAUGE, 1_770_000_000 + i, 60.0 + i, tags),
                 Point("emrs.job_run.cost", COUNT, 1_770_000_000 + i, 0.25, tags)],
                runs={"111111111111/eu-west-1/00fapp": {f"00r{i}": "2026-03-10T10:00:00+00:00"}})


def test_series_fit_datadog_api_client_model_with_types_and_units() -> None:
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.v2.model.metric_payload import MetricPayload

    body = {"series": series_json(run_unit(1).points + run_unit(2).points)}
    model = ApiClient(Configuration()).deserialize(json.dumps(body), (MetricPayload,), True)  # type: ignore[no-untyped-call]
    assert not model._unparsed
    by_metric = {s["metric"]: s for s in body["series"]}
    assert by_metric["emrs.job_run.count"]["type"] == 1 and by_metric["emrs.job_run.duration"]["type"] == 3
    assert by_metric["emrs.job_run.duration"]["unit"] == "second" and by_metric["emrs.job_run.cost"]["unit"] == "dollar"
    assert "unit" not in by_metric["emrs.job_run.count"]


def test_requests_stay_under_the_bound_and_carry_every_run_once() -> None:
    units = [run_unit(i) for i in range(3000)]
    bound = 60_000
    batched = requests(units, bound)
    assert len(batched) > 1
    assert all(len(json.dumps(series_json([p for u in b for p in u.points]), separators=(",", ":"))) <= bound
               for b in batched)
    runs = [r for b in batched for u in b for r in u.runs["111111111111/eu-west-1/00fapp"]]
    assert sorted(runs) == sorted(f"00r{i}" for i in range(3000))
