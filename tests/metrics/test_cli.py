"""`metrics collect` from exported responses, its refusals, its state, and what it never prints."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.metrics.conftest import DD_KEY, by_job, run_cli
from tests.servers.datadog_api import DatadogApi
from tests.servers.recorder import Fault

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXPORT = EXAMPLES / "metrics" / "export.json"
RATES = EXAMPLES / "metrics" / "rates.toml"


def offline(*args: str, config: Path | None = None) -> tuple[int, dict[str, Any], str]:
    head = ["--config", str(config)] if config else []
    result = run_cli(*head, "metrics", "collect", "--input", str(EXPORT), "--no-pricing", "--rates-file", str(RATES),
                     "--format", "json", *args)
    try:
        return result.exit_code, json.loads(result.stdout), result.output
    except json.JSONDecodeError:
        return result.exit_code, {}, result.output


def test_an_export_is_collected_once_and_a_dry_run_changes_nothing(tmp_path: Path, datadog: DatadogApi) -> None:
    state = tmp_path / "state.json"
    code, report, output = offline("--dry-run", "--state", str(state))
    assert code == 0, output
    assert not state.exists() and datadog.requests == []
    counts = {next(t for t in p["tags"] if t.startswith("job_name")): p["value"]
              for p in report["points"] if p["metric"] == "emrs.job_run.count"}
    assert counts == {"job_name:orders_date": 1.0, "job_name:orders-backfill": 1.0, "job_name:billing-daily": 1.0}
    cost = {next(t for t in p["tags"] if t.startswith("job_name")): p["value"]
            for p in report["points"] if p["metric"] == "emrs.job_run.cost"}
    assert cost == pytest.approx({  # the rates file's arm64 rates for eu-west-1
        "job_name:orders_date": 58.31 * 0.038731 + 233.24 * 0.004253,
        "job_name:orders-backfill": 9.412 * 0.038731 + 37.648 * 0.004253 + 21.5 * 0.000112,
        "job_name:billing-daily": 0.0,
    }, abs=1e-12)

    code, report, output = offline("--state", str(state))
    assert code == 0 and report["summary"]["job_runs_by_state"] == {"cancelled": 1, "failed": 1, "success": 1}, output
    code, report, output = offline("--state", str(state))
    assert code == 0 and report["summary"]["job_runs_sent"] == 0, output
    assert by_job(datadog.points("emrs.job_run.count")) == {"orders_date": [1.0], "orders-backfill": [1.0],
                                                            "billing-daily": [1.0]}
    assert {tag for _, _, tags in datadog.points("emrs.job_run.count") for tag in tags if tag.startswith("team")} == {
        "team:orders", "team:billing"}  # and never the Airflow run id the job run also carries
    part = tmp_path / "orders-only.json"
    part.write_text(json.dumps([e for e in json.loads(EXPORT.read_text())
                                if "00fm000000000001" in json.dumps(e)]))
    assert run_cli("metrics", "collect", "--input", str(part), "--state", str(state)).exit_code == 0
    assert len(json.loads(state.read_text())["applications"]) == 2  # an export is not a listing: none forgotten
    assert offline("--state", str(state))[1]["summary"]["job_runs_sent"] == 0


def test_the_state_can_live_in_s3(aws_env: str, datadog: DatadogApi) -> None:
    import boto3

    boto3.client("s3", endpoint_url=aws_env, region_name="us-east-1").create_bucket(Bucket="platform-state")
    state = "s3://platform-state/emrs-observe/metrics.json"
    assert offline("--state", state)[1]["summary"]["job_runs_sent"] == 3
    assert offline("--state", state)[1]["summary"]["job_runs_sent"] == 0


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.json"
    path.write_text(text)
    return path


APP = {"applicationId": "00fa", "arn": "arn:aws:emr-serverless:eu-west-1:111111111111:/applications/00fa",
       "name": "a", "releaseLabel": "emr-7.2.0"}
RUN = {"applicationId": "00fa", "jobRunId": "00fr", "state": "SUCCESS", "createdAt": "2025-11-21T02:00:00Z",
       "updatedAt": "2025-11-21T02:30:00Z"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"application": {}}', "expected a JSON array of get-application and get-job-run responses"),
        ('[{"applications": []}]', 'entry [0]: expected {"application": {...}}'),
        (json.dumps([{"application": {**APP, "arn": "arn:aws:s3:::bucket"}}]), "is not an EMR Serverless application"),
        (json.dumps([{"jobRun": RUN}]), "job run of application '00fa', which is not in the file"),
        (json.dumps([{"application": APP}, {"jobRun": {**RUN, "createdAt": "soon"}}]),
         "entry [1] (job run 00fr): `createdAt` 'soon' is not an ISO 8601 time"),
        (json.dumps([{"application": APP}, {"jobRun": {**RUN, "state": "DONE"}}]),
         "entry [1] (job run 00fr): `state` 'DONE' is not an EMR Serverless job run state"),
    ],
)
def test_a_bad_export_is_refused_naming_the_file_and_the_entry(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path, content)
    result = run_cli("metrics", "collect", "--input", str(path), "--dry-run")
    assert result.exit_code == 2
    assert f"input file {path}" in result.output and message in result.output


def test_bad_configuration_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DD_API_KEY", DD_KEY)
    config = tmp_path / "c.toml"
    config.write_text('[metrics.collect]\nconcurrencies = 4\n')
    result = run_cli("--config", str(config), "metrics", "collect", "--dry-run")
    assert result.exit_code == 2 and f"{config} [metrics.collect]: unknown key(s) concurrencies" in result.output
    config.write_text('[metrics.collect]\napi_key = "x"\n')
    result = run_cli("--config", str(config), "metrics", "collect", "--dry-run")
    assert result.exit_code == 2 and "`api_key` must not be in the config file" in result.output
    config.write_text('[metrics.collect]\nstate = "s.json"\n')
    result = run_cli("--config", str(config), "metrics", "collect", "--dry-run")
    assert result.exit_code == 2 and "no accounts to collect; add [[compliance.scan.accounts]]" in result.output
    config.write_text('[compliance.scan]\n[[compliance.scan.accounts]]\nid = "12"\n')
    result = run_cli("--config", str(config), "metrics", "collect", "--dry-run")
    assert result.exit_code == 2 and "`id` must be a 12-digit account id" in result.output
    rates = tmp_path / "rates.toml"
    rates.write_text("discount_percent = -1\n")
    result = run_cli("metrics", "collect", "--input", str(EXPORT), "--rates-file", str(rates), "--dry-run")
    assert result.exit_code == 2 and f"rates file {rates}: discount_percent must be" in result.output
    result = run_cli("metrics", "collect", "--input", str(EXPORT), "--metric-tag", "prod", "--dry-run")
    assert result.exit_code == 2 and "--metric-tag 'prod': expected key:value" in result.output


def test_a_key_is_needed_unless_dry_run_and_a_foreign_state_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DD_API_KEY", raising=False)
    result = run_cli("metrics", "collect", "--input", str(EXPORT), "--no-pricing")
    assert result.exit_code == 2 and "no Datadog API key: set $DD_API_KEY or configure Vault" in result.output
    assert run_cli("metrics", "collect", "--input", str(EXPORT), "--no-pricing", "--dry-run").exit_code == 0
    state = tmp_path / "state.json"
    state.write_text('{"format": "emrs-observe.compliance-state", "scopes": {}}')
    result = run_cli("metrics", "collect", "--input", str(EXPORT), "--dry-run", "--state", str(state))
    assert result.exit_code == 1
    assert f"state {state} is not a metrics collector state document" in result.output


def test_no_secret_reaches_the_output_the_logs_or_the_state(
    tmp_path: Path, datadog: DatadogApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    state = tmp_path / "state.json"
    datadog.inject(Fault(403, body=b'{"errors":["Forbidden"]}'))
    code, report, output = offline("--state", str(state), "--datadog-max-attempts", "1")
    assert code == 4 and report["summary"]["datadog"]["errors"] == ["Datadog answered HTTP 403"], output
    assert report["summary"]["job_runs_undelivered"] == 3
    code, report, output2 = offline("--state", str(state), "--format", "table")
    assert code == 0, output2
    for text in (output, output2, caplog.text, state.read_text()):
        assert DD_KEY not in text
    assert all(r.header("DD-API-KEY") == DD_KEY for r in datadog.requests)  # it was used, only as the header
