"""Optional scan gauges to Datadog through datadog-api-client, against a local intake receiver."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.compliance.conftest import app_doc, compliant_props, run_cli, spark_defaults, write_inventory
from tests.servers.recorder import Fault, RecordingServer, Request

DD_KEY = "ddkey0123456789abcdef0123456789ab"


def _intake(request: Request) -> tuple[int, dict[str, str], bytes]:
    if request.method == "POST" and request.path == "/api/v2/series":
        if request.header("DD-API-KEY") != DD_KEY:
            return 403, {"Content-Type": "application/json"}, b'{"errors":["Forbidden"]}'
        return 202, {"Content-Type": "application/json"}, b'{"errors":[]}'
    return 404, {}, b""


@pytest.fixture
def datadog(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingServer]:
    server = RecordingServer(handler=_intake).start()
    monkeypatch.setenv("DD_API_KEY", DD_KEY)
    monkeypatch.setenv("EMRS_OBSERVE_DATADOG_URL", server.url)
    try:
        yield server
    finally:
        server.stop()


def inventory(tmp_path: Path) -> Path:
    broken = compliant_props(**{"spark.plugins.defaultList": "", "spark.sql.queryExecutionListeners": ""})
    return write_inventory(
        tmp_path / "inv.json",
        [
            app_doc(spark_defaults(compliant_props()), app_id="00fok"),
            app_doc(spark_defaults(broken), app_id="00fbad"),
        ],
    )


def test_scan_gauges_reach_datadog_with_rule_tags(tmp_path: Path, datadog: RecordingServer) -> None:
    result = run_cli(
        "compliance",
        "scan",
        "--input",
        str(inventory(tmp_path)),
        "--format",
        "json",
        "--metrics",
        "--metric-tag",
        "env:test",
    )
    assert result.exit_code == 3, result.output
    assert DD_KEY not in result.output
    series = {
        (s["metric"], tuple(sorted(s["tags"]))): s["points"][0]["value"]
        for r in datadog.requests
        for s in json.loads(r.decoded())["series"]
    }
    base = ("env:test", "scanner:emrs-observe")
    assert series[("emrs_observe.compliance.applications", base)] == 2
    assert series[("emrs_observe.compliance.violating", base)] == 1
    assert series[("emrs_observe.compliance.violations", tuple(sorted((*base, "rule:plugin-registered"))))] == 1
    assert series[("emrs_observe.compliance.violations", tuple(sorted((*base, "rule:spline-listener"))))] == 1
    assert series[("emrs_observe.compliance.not_scanned", base)] == 0


def test_metrics_that_cannot_be_delivered_make_the_scan_incomplete(tmp_path: Path, datadog: RecordingServer) -> None:
    datadog.inject(Fault(403, body=b'{"errors":["Forbidden"]}'))
    result = run_cli("compliance", "scan", "--input", str(inventory(tmp_path)), "--format", "json", "--metrics")
    report = json.loads(result.stdout)
    assert result.exit_code == 4
    assert report["summary"]["metrics_error"] == "Datadog answered HTTP 403"
    assert DD_KEY not in result.output


def test_metrics_without_an_api_key_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DD_API_KEY", raising=False)
    result = run_cli("compliance", "scan", "--input", str(inventory(tmp_path)), "--metrics")
    assert result.exit_code == 2 and "$DD_API_KEY" in result.output
