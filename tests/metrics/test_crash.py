"""The crash window: a collector killed (SIGKILL, in its own process) while Datadog holds its request.

The local Datadog API kills the collector when the request with the job runs arrives, either after
accepting it (the points are in Datadog, the state does not know) or before (nothing arrived). The
next collection finds the request in doubt in the state and settles it by --in-doubt.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.compliance.aws_proxy import AwsFaultProxy
from tests.compliance.conftest import new_account, role_arn
from tests.metrics.conftest import MetricsEstate, by_job, collect_json, minute, write_config
from tests.servers.datadog_api import DatadogApi
from tests.servers.recorder import Request

REGION = "eu-west-1"


def crash_while_sending(tmp_path: Path, estate: MetricsEstate, datadog: DatadogApi, accept: bool) -> tuple[Path, str]:
    """Two finished runs; a collector process killed while Datadog holds its request; returns the
    config and the application id."""
    a = new_account()
    app = estate.app(a, REGION, "orders")
    for name in ("one", "two"):
        estate.run(a, REGION, app, name, minute(-30))
    state = tmp_path / "state.json"
    config = write_config(tmp_path / "c.toml", [{"role_arn": role_arn(a)}], state=str(state), pricing=False,
                          cloudwatch=False, quota=False)
    process: list[subprocess.Popen[bytes]] = []

    def kill(request: Request) -> bool:
        if b"emrs.job_run.count" in gzip.decompress(request.body):
            os.kill(process[0].pid, signal.SIGKILL)
            return accept
        return True

    datadog.on_series = kill
    process.append(subprocess.Popen(
        [sys.executable, "-m", "emrs_observe", "--config", str(config), "metrics", "collect", "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ))
    process[0].communicate(timeout=120)
    assert process[0].returncode == -signal.SIGKILL
    datadog.on_series = None
    pending = json.loads(state.read_text())["pending"]
    assert pending is not None and sum(len(r) for r in pending["runs"].values()) == 2
    estate.run(a, REGION, app, "three", minute(-10))  # finishes while the collector is down
    return config, app


def test_a_request_datadog_accepted_before_the_crash_is_resent_once_then_never(
    tmp_path: Path, estate: MetricsEstate, aws: AwsFaultProxy, datadog: DatadogApi
) -> None:
    config, _ = crash_while_sending(tmp_path, estate, datadog, accept=True)
    assert by_job(datadog.points("emrs.job_run.count")) == {"one": [1.0], "two": [1.0]}
    code, report, output = collect_json(config)
    assert code == 0, output
    assert report["summary"]["in_doubt"] == 2 and report["summary"]["in_doubt_action"] == "resent"
    # at least once: the request in doubt arrives twice, as the very same points; the rest once
    assert by_job(datadog.points("emrs.job_run.count")) == {"one": [1.0, 1.0], "two": [1.0, 1.0], "three": [1.0]}
    first, resent = [p for p in datadog.payloads if any(s["metric"] == "emrs.job_run.count" for s in p)][:2]
    assert first == resent
    assert datadog.points("emrs_observe.collector.in_doubt")[-1][1] == 2.0
    code, report, _ = collect_json(config)
    assert code == 0 and report["summary"]["in_doubt"] == 0 and report["summary"]["job_runs_sent"] == 0
    assert len(datadog.points("emrs.job_run.count")) == 5


def test_in_doubt_skip_sends_each_run_at_most_once(
    tmp_path: Path, estate: MetricsEstate, aws: AwsFaultProxy, datadog: DatadogApi
) -> None:
    config, _ = crash_while_sending(tmp_path, estate, datadog, accept=True)
    code, report, output = collect_json(config, "--in-doubt", "skip")
    assert code == 0, output
    assert report["summary"]["in_doubt_action"] == "skipped (recorded as delivered)"
    assert by_job(datadog.points("emrs.job_run.count")) == {"one": [1.0], "two": [1.0], "three": [1.0]}


def test_a_request_lost_with_the_crash_is_sent_by_the_next_collection(
    tmp_path: Path, estate: MetricsEstate, aws: AwsFaultProxy, datadog: DatadogApi
) -> None:
    config, _ = crash_while_sending(tmp_path, estate, datadog, accept=False)
    assert datadog.points("emrs.job_run.count") == []
    code, report, output = collect_json(config)
    assert code == 0 and report["summary"]["in_doubt"] == 2, output
    assert by_job(datadog.points("emrs.job_run.count")) == {"one": [1.0], "two": [1.0], "three": [1.0]}
