"""Benchmark: a compliance scan of 1,000 EMR Serverless applications in 10 accounts (moto server).

Prints wall time and AWS API calls per application. Target: one ListApplications call per page
plus one GetApplication per application, under 60 s. Not a test: it never fails on a figure.

    .venv/bin/python benchmarks/scan_1000_applications.py [--accounts 10] [--per-account 100] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import socket
import time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--per-account", type=int, default=100)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8])
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
        accounts = [f"{900000000000 + i:012d}" for i in range(args.accounts)]
        backends = get_backend("emr-serverless")
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
        targets = [AccountTarget(a, (args.region,), f"arn:aws:iam::{a}:role/scanner") for a in accounts]
        total = args.accounts * args.per_account
        pages = args.accounts * math.ceil(args.per_account / 50)
        print(f"estate: {total} applications in {args.accounts} accounts, 1 region; moto at 127.0.0.1:{port}")
        for concurrency in args.concurrency:
            started = time.perf_counter()
            inventory = scan_accounts(targets, AwsOptions(concurrency=concurrency))
            listed = time.perf_counter()
            report = run_scan(inventory, [])
            done = time.perf_counter()
            calls = inventory.api_calls
            emr_calls = calls.get("ListApplications", 0) + calls.get("GetApplication", 0)
            print(f"concurrency {concurrency}:")
            print(
                f"  wall time      {done - started:6.2f} s  "
                f"(inventory {listed - started:.2f} s, rules {done - listed:.3f} s)"
            )
            print(
                f"  applications   {len(report.assessments)} assessed, {len(report.violating)} violating, "
                f"{len(report.failures)} not scanned"
            )
            print(f"  API calls      {dict(calls)}")
            print(
                f"  per app        {emr_calls / total:.3f} EMR Serverless calls "
                f"(target {(pages + total) / total:.3f} = {pages} list pages + {total} gets)"
            )
            print(f"  throughput     {total / (listed - started):.0f} applications/s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
