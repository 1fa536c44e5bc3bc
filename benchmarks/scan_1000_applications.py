"""Benchmark: a compliance scan of 1,000 EMR Serverless applications with 20,000 job runs in 10
accounts (moto server), then the next scan, when 500 job runs are new.

Prints, for each scan: wall time, AWS API calls per operation and per application, job runs read,
and the process's resident memory while the scan runs (sampled; the moto server lives in the same
process, so this is an upper bound for the scanner). Targets for the second scan: under 60 s, at
most one GetApplication per application, a GetJobRun only for the 500 new job runs, and memory that
does not grow with the number of job runs (compare the first scan, which reads 19,500 of them).
Not a test: it never fails on a figure.

    .venv/bin/python -m benchmarks.scan_1000_applications [--accounts 10] [--per-account 100]
        [--runs-per-app 20] [--new 500] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class RssSampler:
    """Resident memory every 50 ms while a scan runs: its start, quarters of the run, and peak."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(rss_mib())
            time.sleep(0.05)

    def __enter__(self) -> RssSampler:
        self.samples.append(rss_mib())
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        s = self.samples
        quarters = [s[min(len(s) - 1, len(s) * q // 4)] for q in (1, 2, 3, 4)]
        return (
            f"start {s[0]:.0f} MiB, at 1/4 2/4 3/4 4/4 of the scan "
            + " ".join(f"{q:.0f}" for q in quarters)
            + f" MiB, peak {max(s):.0f} MiB (+{max(s) - s[0]:.0f})"
        )


def make_run(backend: Any, account: str, app_id: str, n: int, params: str, at: dt.datetime) -> None:
    run = backend.start_job_run(
        application_id=app_id,
        client_token=f"c-{n}",
        execution_role_arn=f"arn:aws:iam::{account}:role/emr-jobs",
        job_driver={"sparkSubmit": {"entryPoint": "s3://jobs/main.py", "sparkSubmitParameters": params}},
        configuration_overrides=None,
        tags=None,
        execution_timeout_minutes=None,
        name=f"job-{n}",
    )
    run.created_by = f"arn:aws:iam::{account}:role/airflow"  # what moto leaves out
    run.created_at = at.replace(tzinfo=None)  # moto keeps naive UTC times, and stamps midnight itself


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--per-account", type=int, default=100)
    parser.add_argument("--runs-per-app", type=int, default=20, help="job runs per application, new ones included")
    parser.add_argument("--new", type=int, default=500, help="job runs created between the two scans")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--region", default="eu-west-1")
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request access log
    from moto.backends import get_backend
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=args.region,
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
    )
    try:
        from emrs_observe.compliance.inventory import AwsOptions, scan_accounts
        from emrs_observe.compliance.scan import run_scan
        from emrs_observe.compliance.settings import AccountTarget
        from emrs_observe.compliance.state import load_state
        from emrs_observe.defaults.render import RenderRequest, render_properties

        props = render_properties(
            RenderRequest(
                release_label="emr-7.2.0",
                plugin_jar="s3://a/emrs-observe-plugin-0.1.0.jar",
                lineage_location="s3://lineage/p/",
                vault_addr="https://vault:8200",
                vault_role="r",
                spline_jar="s3://a/",
            )
        )
        ours = props["spark.jars"]
        kinds = [  # what jobs pass: mostly harmless, a few drop observability
            "--conf spark.executor.memory=8g",
            f"--jars {ours},s3://team/udfs.jar --conf spark.plugins=com.acme.Metrics",
            "--conf spark.driver.extraJavaOptions='-XX:+UseG1GC -Dteam=etl'",
            "--jars s3://team/udfs.jar",  # drops the plugin jar and the Spline bundle
        ]
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        accounts = [f"{900000000000 + i:012d}" for i in range(args.accounts)]
        backends = get_backend("emr-serverless")
        apps: list[tuple[Any, str, str]] = []
        for account in accounts:  # set-up, not timed: straight into the moto backend
            backend = backends[account][args.region]
            for n in range(args.per_account):
                app = backend.create_application(
                    name=f"job-{n}",
                    release_label="emr-7.2.0",
                    application_type="SPARK",
                    client_token=f"t-{n}",
                    initial_capacity=None,  # type: ignore[arg-type]
                    maximum_capacity=None,  # type: ignore[arg-type]
                    tags={},
                    auto_start_configuration=None,  # type: ignore[arg-type]
                    auto_stop_configuration=None,  # type: ignore[arg-type]
                    network_configuration=None,
                )
                app.runtime_configuration = [{"classification": "spark-defaults", "properties": props}]
                apps.append((backend, account, app.id))
        total_apps = len(apps)
        total_runs = total_apps * args.runs_per_app
        old = total_runs - args.new
        for i in range(old):  # spread over the last 10 days, 1 in 50 dropping observability
            backend, account, app_id = apps[i % total_apps]
            at = now - dt.timedelta(days=10) + dt.timedelta(seconds=i * 864_000 // max(old, 1))
            make_run(backend, account, app_id, i, kinds[3] if i % 50 == 0 else kinds[i % 3], at)
        targets = [AccountTarget(a, (args.region,), f"arn:aws:iam::{a}:role/scanner") for a in accounts]
        print(
            f"estate: {total_apps} applications, {total_runs} job runs ({old} before the first scan, "
            f"{args.new} after it) in {args.accounts} accounts, 1 region; moto in this process at 127.0.0.1:{port}"
        )
        state_file = Path(tempfile.mkdtemp()) / "state.json"

        def scan(title: str, lookback_days: float) -> None:
            state = load_state(str(state_file))
            options = AwsOptions(concurrency=args.concurrency, job_run_lookback=dt.timedelta(days=lookback_days))
            with RssSampler() as memory:
                started = time.perf_counter()
                inventory = scan_accounts(targets, options, job_run_marks=state.job_run_marks)
                listed = time.perf_counter()
                report = run_scan(inventory, [], str(state_file), state=state)
                done = time.perf_counter()
            calls = inventory.api_calls
            audited = sum(a.job_runs_audited for a in report.assessments)
            violating = sum(len(a.job_run_violations) for a in report.assessments)
            print(f"{title}:")
            print(
                f"  wall time      {done - started:6.2f} s  "
                f"(AWS {listed - started:.2f} s, rules/state {done - listed:.3f} s)"
            )
            print(
                f"  applications   {len(report.assessments)} assessed, {len(report.violating)} violating, "
                f"{len(report.failures)} not scanned"
            )
            print(f"  job runs       {audited} read, {violating} dropped observability")
            print(f"  API calls      {dict(calls)}")
            print(
                f"  per app        GetApplication {calls.get('GetApplication', 0) / total_apps:.2f}, "
                f"ListJobRuns {calls.get('ListJobRuns', 0) / total_apps:.2f}, "
                f"GetJobRun {calls.get('GetJobRun', 0) / total_apps:.2f}"
            )
            print(f"  memory (RSS)   {memory.summary()}")

        scan("first scan (no state: reads every job run of the last 30 days)", 30)
        for i in range(args.new):  # one new job run on each of the first `new` applications
            backend, account, app_id = apps[i % total_apps]
            make_run(backend, account, app_id, old + i, kinds[3] if i % 50 == 0 else kinds[i % 3], now)
        scan(f"second scan ({args.new} new job runs)", 30)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
