"""Benchmark: `metrics collect` over 1,000 EMR Serverless applications and 20,000 job runs in 10
accounts (the scanner benchmark's estate, on an in-process moto server), then the next collection
when 500 job runs are new.

Prints, per collection: wall time and where it went (AWS reads, building points, Datadog requests),
AWS API calls per operation and per new job run, Datadog requests and series, and the state's size.
The first collection reads the 19,500 job runs of the last 10 days (an application seen for the first
time, with a look-back that long); the second one the 500 new ones, plus CloudWatch: `--cloudwatch-
series` series per application, one point each (moto answers GetMetricData in O(queries x points), so
the CloudWatch share is measured at a size moto can answer, and the calls it takes are reported).
Target for the second collection: under 60 s, one GetJobRun per new run and none for the others.
Datadog is a local receiver that answers 202 without parsing. Not a test: it never fails on a figure.

    flock /tmp/emrs_bench.lock .venv/bin/python -m benchmarks.metrics_collect [--accounts 10]
        [--per-account 100] [--runs-per-app 20] [--new 500] [--concurrency 8] [--cloudwatch-series 4]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.scan_1000_applications import RssSampler, free_port


def make_run(backend: Any, account: str, app_id: str, n: int, created: dt.datetime, state: str) -> None:
    run = backend.start_job_run(
        application_id=app_id, client_token=f"c-{n}", execution_role_arn=f"arn:aws:iam::{account}:role/emr-jobs",
        job_driver={"sparkSubmit": {"entryPoint": "s3://jobs/main.py"}}, configuration_overrides=None,
        tags={"team": f"team-{n % 12}", "airflow_run_id": f"scheduled__{n}"}, execution_timeout_minutes=None,
        name=f"job-{n % 400}_{created:%Y-%m-%d}",
    )
    # What AWS reports of a finished run and moto leaves out (moto keeps naive UTC times).
    started = created + dt.timedelta(seconds=45)
    run.created_at = created.replace(tzinfo=None)
    run.created_by = f"arn:aws:iam::{account}:role/airflow"
    run.state = state
    run.started_at = started.replace(tzinfo=None)
    run.ended_at = (started + dt.timedelta(minutes=8)).replace(tzinfo=None)
    run.updated_at = run.ended_at
    run.total_execution_duration_seconds = 480
    run.queued_duration_milliseconds = 1200
    run.attempt = 1
    run.billed_resource_utilization = {"vCPUHour": 2.4, "memoryGBHour": 9.6, "storageGBHour": 0.0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--per-account", type=int, default=100)
    parser.add_argument("--runs-per-app", type=int, default=20, help="job runs per application, new ones included")
    parser.add_argument("--new", type=int, default=500, help="job runs that finish between the two collections")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--cloudwatch-series", type=int, default=4, help="CloudWatch series per application")
    parser.add_argument("--region", default="eu-west-1")
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from moto.backends import get_backend
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=args.region,
                      AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}")
    from tests.servers.recorder import RecordingServer

    datadog = RecordingServer(handler=lambda request: (202, {"Content-Type": "application/json"}, b"{}")).start()
    try:
        from emrs_observe.compliance.settings import AccountTarget
        from emrs_observe.metrics.aws import AwsOptions, collect
        from emrs_observe.metrics.collect import CollectOptions, run_collection
        from emrs_observe.metrics.cost import RatesFile
        from emrs_observe.metrics.sink import DatadogSender
        from emrs_observe.metrics.state import load_state

        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        accounts = [f"{900000000000 + i:012d}" for i in range(args.accounts)]
        backends = get_backend("emr-serverless")
        apps: list[tuple[Any, str, str]] = []
        for account in accounts:  # set-up, not timed: straight into the moto backend
            backend = backends[account][args.region]
            for n in range(args.per_account):
                app = backend.create_application(
                    name=f"app-{n}", release_label="emr-7.2.0", application_type="SPARK", client_token=f"t-{n}",
                    initial_capacity=None, maximum_capacity=None, tags={},  # type: ignore[arg-type]
                    auto_start_configuration=None, auto_stop_configuration=None,  # type: ignore[arg-type]
                    network_configuration=None,
                )
                apps.append((backend, account, app.id))
        total_apps = len(apps)
        total_runs = total_apps * args.runs_per_app
        old = total_runs - args.new
        for i in range(old):  # spread over the last 10 days; 1 in 20 failed
            backend, account, app_id = apps[i % total_apps]
            created = now - dt.timedelta(days=10) + dt.timedelta(seconds=i * 864_000 // max(old, 1))
            make_run(backend, account, app_id, i, created, "FAILED" if i % 20 == 0 else "SUCCESS")
        targets = [AccountTarget(a, (args.region,), f"arn:aws:iam::{a}:role/collector") for a in accounts]
        rates = RatesFile("benchmark", 0.0, {args.region: {"x86_64": {"vcpu_hour": 0.052624,
                                                                      "memory_gb_hour": 0.0057785},
                                                           "storage_gb_hour": 0.000122}})
        state_file = Path(tempfile.mkdtemp()) / "metrics-state.json"
        print(f"estate: {total_apps} applications, {total_runs} job runs ({old} before the first collection, "
              f"{args.new} after it) in {args.accounts} accounts; moto and a Datadog receiver in this process")

        def collection(title: str, lookback: dt.timedelta, cloudwatch: bool) -> None:
            at = dt.datetime.now(dt.timezone.utc)
            aws = AwsOptions(concurrency=args.concurrency, lookback=lookback, max_run_age=lookback,
                             cloudwatch=cloudwatch, quota=False, cloudwatch_lookback=dt.timedelta(minutes=5),
                             settle=dt.timedelta(minutes=1))
            options = CollectOptions(rates_file=rates)
            state = load_state(str(state_file))
            sender = DatadogSender("benchmark-key", datadog.url, max_attempts=1)
            requests_before = len(datadog.requests)
            timings: dict[str, float] = {}

            def harvest(current: Any) -> Any:
                started = time.perf_counter()
                out = collect(targets, current.apps, current.high_water, aws, at, options.tag_policy)
                timings["aws"] = time.perf_counter() - started
                return out

            with RssSampler() as memory:
                started = time.perf_counter()
                report = run_collection(harvest, state, str(state_file), sender, options, aws, None, at)
                wall = time.perf_counter() - started
            runs = sum(report.runs_sent.values())
            calls = report.api_calls
            bodies = datadog.requests[requests_before:]
            print(f"{title}:")
            print(f"  wall time      {wall:6.2f} s  (AWS reads {timings['aws']:.2f} s, points + Datadog + state "
                  f"{wall - timings['aws']:.2f} s)")
            print(f"  job runs       {runs} sent {dict(report.runs_sent)}, {report.runs_open} open, "
                  f"{len(report.failures)} not collected, {report.cloudwatch_points} CloudWatch points "
                  f"from {report.cloudwatch_queries} series")
            print(f"  AWS calls      {dict(calls)}")
            if runs:
                print(f"  per new run    GetJobRun {calls.get('GetJobRun', 0) / runs:.2f}, all calls "
                      f"{sum(calls.values()) / runs:.2f}")
            print(f"  Datadog        {len(bodies)} requests, {sum(len(r.body) for r in bodies) / 1024:.0f} KiB "
                  f"gzip, {report.points_sent} points")
            print(f"  state          {state_file.stat().st_size / 1024:.0f} KiB")
            print(f"  memory (RSS)   {memory.summary()}")

        collection("first collection (no state: every job run of the last 10 days)", dt.timedelta(days=11), False)
        for i in range(args.new):  # one new finished run on each of the first `new` applications
            backend, account, app_id = apps[i % total_apps]
            make_run(backend, account, app_id, old + i, now + dt.timedelta(seconds=1), "SUCCESS")
        if args.cloudwatch_series:
            import boto3

            minute = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=3)).replace(second=0, microsecond=0)
            names = ["SubmittedJobs", "RunningJobs", "MaxCPUAllowed", "IdleWorkerCount", "SuccessJobs",
                     "FailedJobs", "PendingJobs", "MaxMemoryAllowed"][: args.cloudwatch_series]
            for account in accounts:
                creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/publisher",
                                                        RoleSessionName="publisher")["Credentials"]
                cw = boto3.client("cloudwatch", aws_access_key_id=creds["AccessKeyId"],
                                  aws_secret_access_key=creds["SecretAccessKey"],
                                  aws_session_token=creds["SessionToken"])
                data = [{"MetricName": name, "Dimensions": [{"Name": "ApplicationId", "Value": app_id}],
                         "Timestamp": minute, "Value": 1.0}
                        for _, acc, app_id in apps if acc == account for name in names]
                for i in range(0, len(data), 500):
                    cw.put_metric_data(Namespace="AWS/EMRServerless", MetricData=data[i : i + 500])
        collection(f"second collection ({args.new} new job runs, CloudWatch on)", dt.timedelta(days=11),
                   args.cloudwatch_series > 0)
    finally:
        datadog.stop()
        server.stop()


if __name__ == "__main__":
    main()
