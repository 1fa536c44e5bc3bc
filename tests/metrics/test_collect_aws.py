"""`metrics collect` end to end: moto (EMR Serverless, STS, CloudWatch) behind the fault proxy, which
also answers the Price List and Service Quotas, and a local Datadog API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.compliance.aws_proxy import AwsFaultProxy
from tests.compliance.conftest import new_account, role_arn
from tests.metrics.aws_answers import Quotas
from tests.metrics.conftest import MetricsEstate, by_job, collect_json, minute, write_config
from tests.servers.datadog_api import DatadogApi
from tests.servers.recorder import Fault

SG = "ap-southeast-1"  # the price list fixture has both architectures here
US = "us-east-1"  # and only x86 here


def at(delta_minutes: float) -> int:
    return int(minute(delta_minutes).timestamp())


def test_each_finished_run_is_sent_once_across_two_collections(
    tmp_path: Path, estate: MetricsEstate, aws: AwsFaultProxy, datadog: DatadogApi
) -> None:
    a = new_account()
    orders = estate.app(a, SG, "orders", architecture="ARM64")
    billing = estate.app(a, SG, "billing")
    estate.run(a, SG, orders, "first", minute(-50), tags={"team": "data"})
    estate.run(a, SG, billing, "second", minute(-40), state="FAILED")
    third = estate.run(a, SG, orders, "third", minute(-30), running=True)  # still running at the first collection
    estate.metric(a, SG, "RunningJobs", {"ApplicationId": orders}, [(minute(-20), 1.0)])
    config = write_config(tmp_path / "c.toml", [{"role_arn": role_arn(a)}], (SG,), state=str(tmp_path / "s.json"))

    code, report, output = collect_json(config)
    assert code == 0, output
    summary = report["summary"]
    assert summary["job_runs_by_state"] == {"failed": 1, "success": 1} and summary["job_runs_open"] == 1
    assert summary["first_collection"] is True and summary["api_calls"]["GetJobRun"] == 2

    estate.finish(a, SG, orders, third, minutes=5)
    estate.run(a, SG, billing, "fourth", minute(-15))
    fifth = estate.run(a, SG, billing, "fifth", minute(-5), running=True)  # running at the second collection
    estate.metric(a, SG, "RunningJobs", {"ApplicationId": orders}, [(minute(-10), 2.0)])
    code, report, output = collect_json(config)
    assert code == 0, output
    summary = report["summary"]
    assert summary["job_runs_by_state"] == {"success": 2} and summary["job_runs_open"] == 1
    assert summary["api_calls"]["GetJobRun"] == 2  # the two that became final, none read twice
    assert summary["api_calls"]["ListJobRuns"] == 2 and summary["api_calls"]["ListApplications"] == 1

    assert by_job(datadog.points("emrs.job_run.count")) == {n: [1.0] for n in ("first", "second", "third", "fourth")}
    assert sorted((t, v) for t, v, _ in datadog.points("emrs.serverless.running_jobs")) == [
        (at(-20), 1.0), (at(-10), 2.0)]  # CloudWatch's own minutes, each sent once
    state = json.loads((tmp_path / "s.json").read_text())
    assert state["pending"] is None
    (app_state,) = [v for k, v in state["applications"].items() if k.endswith(billing)]
    # the next listing starts at the open run: the counted runs before it can never come back
    assert set(app_state["open"]) == {fifth} and app_state["counted"] == {}


def test_cost_is_the_formula_on_the_billed_figures_with_list_or_negotiated_rates(
    tmp_path: Path, estate: MetricsEstate, aws: AwsFaultProxy, datadog: DatadogApi
) -> None:
    a = new_account()
    for region, arch in ((SG, "ARM64"), (SG, "X86_64"), (US, "X86_64"), (US, "ARM64")):
        app = estate.app(a, region, f"{region}-{arch}", architecture=arch)
        estate.run(a, region, app, f"{region}-{arch.lower()}", minute(-30), billed=(12.5, 50.0, 7.25))
    config = write_config(tmp_path / "c.toml", [{"role_arn": role_arn(a)}], (SG, US), state=str(tmp_path / "s.json"),
                          cloudwatch=False, quota=False)
    code, report, output = collect_json(config)
    assert code == 0, output
    cost = {name: values[0] for name, values in by_job(datadog.points("emrs.job_run.cost")).items()}
    assert cost == pytest.approx({
        f"{SG}-arm64": 12.5 * 0.052585 + 50.0 * 0.005746 + 7.25 * 0.000133,
        f"{SG}-x86_64": 12.5 * 0.065728 + 50.0 * 0.007189 + 7.25 * 0.000133,
        f"{US}-x86_64": 12.5 * 0.052624 + 50.0 * 0.0057785 + 7.25 * 0.000111,
    }, abs=1e-12)
    (unpriced,) = report["unpriced"]
    assert unpriced["reason"] == f"no vcpu hour rate for arm64 in {US} in the price list or the rates file"
    assert by_job(datadog.points("emrs.job_run.vcpu_hours"))[f"{US}-arm64"] == [12.5]  # the rest is still sent
    assert report["summary"]["api_calls"]["GetProducts"] == 3 + 2  # 5 and 3 products, pages of two
    assert all({"Type": "CONTAINS", "Field": "usagetype", "Value": "EMR-SERVERLESS"} in f for f in aws.answer[
        "pricing"].filters_seen)  # type: ignore[attr-defined]

    rates = tmp_path / "rates.toml"
    rates.write_text(f'discount_percent = 10\n[regions."{US}".arm64]\nvcpu_hour = 0.04\nmemory_gb_hour = 0.004\n')
    datadog.series.clear()
    fresh = write_config(tmp_path / "d.toml", [{"role_arn": role_arn(a)}], (SG, US), state=str(tmp_path / "t.json"),
                         cloudwatch=False, quota=False, rates_file=str(rates))
    code, report, output = collect_json(fresh)
    assert code == 0 and not report["unpriced"], output
    cost = {name: values[0] for name, values in by_job(datadog.points("emrs.job_run.cost")).items()}
    assert cost == pytest.approx({
        f"{US}-arm64": 12.5 * 0.04 + 50.0 * 0.004 + 7.25 * 0.000111 * 0.9,  # negotiated, storage listed less 10 %
        f"{US}-x86_64": (12.5 * 0.052624 + 50.0 * 0.0057785 + 7.25 * 0.000111) * 0.9,
        f"{SG}-arm64": (12.5 * 0.052585 + 50.0 * 0.005746 + 7.25 * 0.000133) * 0.9,
        f"{SG}-x86_64": (12.5 * 0.065728 + 50.0 * 0.007189 + 7.25 * 0.000133) * 0.9,
    }, abs=1e-12)
    assert "rates.toml" in report["summary"]["prices"][US]


def test_cloudwatch_statistics_both_dimension_schemes_and_the_quota(
    tmp_path: Path, estate: MetricsEstate, aws: AwsFaultProxy, datadog: DatadogApi, quotas: Quotas
) -> None:
    a = new_account()
    region = "eu-west-1"
    old = estate.app(a, region, "legacy", release="emr-7.2.0")
    new = estate.app(a, region, "modern", release="emr-7.10.0")
    # running: CloudWatch names it by its id only, the name comes from ListJobRuns
    nightly = estate.run(a, region, old, "nightly_2026-03-01", minute(-40), running=True)
    two = minute(-10)

    def put(app: str, name: str, dims: dict[str, str], values: tuple[float, ...]) -> None:
        estate.metric(a, region, name, {"ApplicationId": app, **dims}, [(two, v) for v in values])

    # two points in one minute tell the statistics apart: Sum adds them, Maximum keeps the larger
    put(old, "SubmittedJobs", {}, (2.0, 3.0))
    put(old, "MaxCPUAllowed", {}, (100.0, 100.0))
    put(old, "CPUAllocated", {"WorkerType": "Spark_Driver", "CapacityAllocationType": "PreInitCapacity"}, (4.0, 4.0))
    job = {"JobId": nightly, "WorkerType": "Spark_Executor", "CapacityAllocationType": "OnDemandCapacity"}
    put(old, "WorkerCpuUsed", job, (1.5, 3.5))
    put(old, "WorkerCpuAllocated", job, (4.0, 4.0))
    for run_id, value in (("00frun1", 4.0), ("00frun2", 8.0)):  # two runs of one job, 7.10 dimensions
        put(new, "WorkerCpuAllocated", {"ApplicationName": "modern", "JobId": run_id, "JobName": "orders",
                                        "WorkerType": "Spark_Driver", "CapacityAllocationType": "OnDemandCapacity"},
            (value,))
    put(new, "WorkerCpuAllocated", {"JobId": "00frun1", "WorkerType": "Spark_Driver",  # the pre-7.10 series too
                                    "CapacityAllocationType": "OnDemandCapacity"}, (999.0,))
    estate.metric(a, region, "ResourceCount", {"Service": "EMR Serverless", "Type": "Resource", "Resource": "vCPU",
                                               "Class": "None"}, [(two, 10.0), (two, 12.0)], namespace="AWS/Usage")
    quotas.applied[(a, region)] = 256.0
    config = write_config(tmp_path / "c.toml", [{"role_arn": role_arn(a)}], (region,), state=str(tmp_path / "s.json"))
    code, report, output = collect_json(config)
    assert code == 0, output

    def only(metric: str) -> tuple[int, float, tuple[str, ...]]:
        (point,) = datadog.points(metric)
        return point

    minute_two = int(two.timestamp())
    assert only("emrs.serverless.submitted_jobs")[:2] == (minute_two, 5.0)  # Sum
    assert only("emrs.serverless.max_cpu_allowed")[:2] == (minute_two, 100.0)  # Maximum
    _, allocated, tags = only("emrs.serverless.cpu_allocated")
    assert allocated == 8.0 and {"worker_type:spark_driver", "capacity_type:preinitcapacity"} <= set(tags)
    _, used, tags = only("emrs.serverless.worker_cpu_used")
    assert used == 3.5 and "job_name:nightly_date" in tags and not any(nightly in t for t in tags)  # Maximum
    per_job = {next(t for t in tags if t.startswith("emr_application_name")): v
               for _, v, tags in datadog.points("emrs.serverless.worker_cpu_allocated")}
    assert per_job == {"emr_application_name:legacy": 8.0, "emr_application_name:modern": 12.0}  # 999 not read
    assert report["summary"]["cloudwatch"]["superseded_pre_7_10_series"] == 1
    assert only("emrs.serverless.vcpu_in_use")[1] == 12.0  # the quota's recommended statistic, Maximum
    _, quota, tags = only("emrs.serverless.vcpu_quota")
    assert quota == 256.0 and tags == (f"aws_account:{a}", f"region:{region}")
    assert report["summary"]["vcpu_quotas"] == {f"{a}/{region}": 256.0}


def test_more_than_500_series_take_more_than_one_get_metric_data_call(
    tmp_path: Path, estate: MetricsEstate, aws: AwsFaultProxy, datadog: DatadogApi
) -> None:
    a = new_account()
    region = "eu-west-1"
    app = estate.app(a, region, "wide")
    three = minute(-3)
    worker = {"ApplicationId": app, "WorkerType": "Spark_Executor", "CapacityAllocationType": "OnDemandCapacity"}
    estate.metrics(a, region, [("WorkerCpuAllocated", {**worker, "JobId": f"00fr{i:04d}"}, three, 1.0)
                               for i in range(510)])
    config = write_config(tmp_path / "c.toml", [{"role_arn": role_arn(a)}], (region,),
                          cloudwatch_lookback_minutes=5, settle_minutes=1)
    code, report, output = collect_json(config, "--dry-run")
    assert code == 0, output
    assert report["summary"]["cloudwatch"]["queries"] == 511  # and the vCPU usage query
    assert report["summary"]["api_calls"]["GetMetricData"] == 2
    (point,) = [p for p in report["points"] if p["metric"] == "emrs.serverless.worker_cpu_allocated"]
    assert point["value"] == 510.0 and "job_name:unknown" in point["tags"]  # runs it never saw: one series


def test_a_denied_role_and_a_disabled_region_are_reported_and_the_rest_collected(
    tmp_path: Path, estate: MetricsEstate, aws: AwsFaultProxy, datadog: DatadogApi
) -> None:
    ok, denied = new_account(), new_account()
    app = estate.app(ok, "eu-west-1", "orders")
    estate.run(ok, "eu-west-1", app, "daily", minute(-30))
    aws.deny_roles.add(role_arn(denied))
    aws.disabled.add((ok, "ap-east-1"))
    config = write_config(tmp_path / "c.toml", [{"role_arn": role_arn(ok), "regions": ["eu-west-1", "ap-east-1"]},
                                                {"role_arn": role_arn(denied)}], ("eu-west-1",),
                          state=str(tmp_path / "s.json"), pricing=False)
    code, report, output = collect_json(config)
    assert code == 4, output
    failures = {(f["account"], f["region"], f["kind"]): f["reason"] for f in report["not_collected"]}
    assert set(failures) == {(denied, None, "access-denied"), (ok, "ap-east-1", "region-disabled")}
    assert failures[(denied, None, "access-denied")].startswith(f"assume-role {role_arn(denied)}: AccessDenied")
    assert by_job(datadog.points("emrs.job_run.count")) == {"daily": [1.0]}
    assert datadog.points("emrs_observe.collector.not_collected")[0][1] == 2.0
    assert report["summary"]["vcpu_quotas"] == {f"{ok}/eu-west-1": 16.0}  # no quota applied: AWS's default


def test_runs_datadog_refused_are_sent_by_the_next_collection(
    tmp_path: Path, estate: MetricsEstate, aws: AwsFaultProxy, datadog: DatadogApi
) -> None:
    a = new_account()
    app = estate.app(a, "eu-west-1", "orders")
    for name in ("one", "two"):
        estate.run(a, "eu-west-1", app, name, minute(-30))
    config = write_config(tmp_path / "c.toml", [{"role_arn": role_arn(a)}], state=str(tmp_path / "s.json"),
                          pricing=False, cloudwatch=False, quota=False, datadog_max_attempts=2)
    datadog.inject(Fault(503), Fault(502))  # the first request, and its retry
    code, report, output = collect_json(config)
    assert code == 4 and report["summary"]["job_runs_undelivered"] == 2, output
    assert report["summary"]["datadog"]["errors"] == ["Datadog answered HTTP 502"]
    assert datadog.points("emrs.job_run.count") == []
    code, report, output = collect_json(config)
    assert code == 0 and report["summary"]["job_runs_sent"] == 2, output
    assert by_job(datadog.points("emrs.job_run.count")) == {"one": [1.0], "two": [1.0]}
