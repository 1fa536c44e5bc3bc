"""The scan command's inputs, outputs and refusals: exported inventories, config, state, PagerDuty."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from emrs_observe.compliance.alerts import AlertEvent
from emrs_observe.compliance.pagerduty import PagerDutySink
from tests.compliance.conftest import (
    ROUTING_KEY,
    Estate,
    app_doc,
    compliant_props,
    new_account,
    run_cli,
    scan_json,
    spark_defaults,
    write_inventory,
)
from tests.servers.pagerduty import PagerDutyReceiver
from tests.servers.recorder import Fault

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "compliance"


def test_the_example_inventory_and_config_scan_offline(tmp_path: Path) -> None:
    config = tmp_path / "scan.toml"
    text = (EXAMPLES / "scan.toml").read_text().replace("s3://acme-platform-state/emrs-observe/", str(tmp_path) + "/")
    config.write_text(text)
    code, report, _ = scan_json("--input", str(EXAMPLES / "inventory.json"), config=config)
    assert code == 3
    status = {a["name"]: a["status"] for a in report["applications"]}
    assert status == {
        "orders-etl": "compliant",  # its job run adds its own plugin and Java options: both survive
        "billing-daily": "violation",  # its job run's --jars replaced the plugin jar and the Spline bundle
        "legacy-reports": "allowed",
        "adhoc-notebooks": "violation",
        "marketing-ml": "violation",
    }
    assert report["summary"]["not_applicable"] == 1
    assert report["summary"]["job_runs_audited"] == 2 and report["summary"]["job_runs_violating"] == 1
    billing = next(a for a in report["applications"] if a["name"] == "billing-daily")
    assert billing["violations"] == []  # the application's own defaults are fine
    (run,) = billing["job_runs"]["violating"]
    assert run["name"] == "billing-backfill" and run["created_by"] == "arn:aws:iam::111111111111:user/jane.doe"
    assert run["overrides"] == ["spark.jars"]
    assert {v["rule"] for v in run["violations"]} == {"plugin-jar", "spline-bundle"}


def test_table_output_names_each_violation_and_its_fix(tmp_path: Path) -> None:
    inventory = write_inventory(
        tmp_path / "inv.json", [app_doc(spark_defaults(compliant_props(**{"spark.plugins.defaultList": ""})))]
    )
    result = run_cli("compliance", "scan", "--input", str(inventory))
    assert result.exit_code == 3
    assert "plugin-registered" in result.stdout and "Fix: add it" in result.stdout.replace("\n", " ")
    assert "violations: 1 applications, 1 violating" in result.stdout.replace("\n", " ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2"),
        ('{"applications": []}', "expected a JSON array of get-application responses"),
        ('[{"application": {"applicationId": "a"}}]', "entry [0]: `applicationId` and `arn` are required"),
        ('[{"app": {}}]', 'entry [0]: expected {"application": {...}}'),
        (
            '[{"application": {"applicationId": "a", "arn": "arn:aws:s3:::bucket", "releaseLabel": "emr-7.2.0"}}]',
            "is not an EMR Serverless application ARN",
        ),
        ("[" * 100_000 + "]" * 100_000, "nests arrays or objects too deeply to be an inventory"),
        ('[{"jobRun": {"applicationId": "00fnope"}}]', "entry [0]: job run of application '00fnope', which is not"),
    ],
)
def test_a_malformed_inventory_file_is_refused_naming_file_and_entry(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "inv.json"
    path.write_text(content)
    result = run_cli("compliance", "scan", "--input", str(path))
    assert result.exit_code == 2
    assert str(path) in result.output and message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[compliance.scan\n", "is not valid TOML"),
        ('[compliance.scan]\nrouting_key = "abc"\n', "`routing_key` must not be in the config file"),
        (
            '[[compliance.scan.accounts]]\nrole_arn = "arn:aws:iam::12:role/x"\nregions = ["eu-west-1"]\n',
            "accounts[0]: role_arn 'arn:aws:iam::12:role/x' is not arn:aws:iam::<12 digits>:role/<name>",
        ),
        ('[[compliance.scan.accounts]]\nid = "111111111111"\n', "accounts[0]: `regions` must be a non-empty list"),
        ('[[compliance.scan.accounts]]\nid = "111111111111"\nregions = ["mars-1"]\n', "'mars-1' is not an AWS region"),
        ("[compliance.scan]\n", "no accounts to scan"),
        ("[compliance.scan]\nconcurency = 4\n", "unknown key(s) concurency; known: accounts, allow, concurrency"),
        ('[[compliance.scan.allow]]\napplication = "a"\nexpires = 2030-01-01\n', "allow[0]: `reason` is required"),
    ],
)
def test_a_bad_config_is_refused_naming_the_file_and_entry(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "scan.toml"
    config.write_text(toml)
    result = run_cli("--config", str(config), "compliance", "scan")
    assert result.exit_code == 2
    assert str(config) in result.output and message in result.output


def test_an_unreadable_state_file_stops_the_scan_with_its_name(tmp_path: Path) -> None:
    inventory = write_inventory(tmp_path / "inv.json", [app_doc(spark_defaults(compliant_props()))])
    state = tmp_path / "state.json"
    state.write_text('{"format": "something-else"}')
    result = run_cli("compliance", "scan", "--input", str(inventory), "--state", str(state))
    assert result.exit_code == 1
    assert f"state {state} is not a scanner state document" in result.output


def test_state_in_s3_reports_new_applications(tmp_path: Path, aws_env: str) -> None:
    import boto3

    boto3.client("s3").create_bucket(Bucket="scanner-state")
    uri = "s3://scanner-state/compliance/state.json"
    first = [app_doc(spark_defaults(compliant_props()), app_id="00fone")]
    code, report, _ = scan_json("--input", str(write_inventory(tmp_path / "a.json", first)), "--state", uri)
    assert (code, report["summary"]["first_scan"], report["summary"]["new_applications"]) == (0, True, 0)
    second = [*first, app_doc(spark_defaults(compliant_props()), app_id="00ftwo", name="fresh")]
    code, report, _ = scan_json("--input", str(write_inventory(tmp_path / "b.json", second)), "--state", uri)
    assert [a["id"] for a in report["applications"] if a["new"]] == ["00ftwo"]
    assert report["summary"]["first_scan"] is False


SECRET_VALUES = ("0123456789abcdef0123456789abcdef", "hvs.CAESIJlU9ZBWtXr2eOz3z0d0nOtr")


def test_secrets_never_reach_output_logs_state_or_alerts(
    tmp_path: Path, pagerduty: PagerDutyReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    props = compliant_props(
        **{
            "spark.emr-serverless.driverEnv.DD_API_KEY": SECRET_VALUES[0],
            "spark.emrs.observe.vault.token": SECRET_VALUES[1],
        }
    )
    inventory = write_inventory(tmp_path / "inv.json", [app_doc(spark_defaults(props))])
    state = tmp_path / "state.json"
    caplog.set_level(logging.DEBUG)
    outputs = []
    for fmt in ("json", "table"):
        result = run_cli(
            "compliance",
            "scan",
            "--input",
            str(inventory),
            "--state",
            str(state),
            "--format",
            fmt,
            "--retrigger-hours",
            "0",
        )
        assert result.exit_code == 3
        outputs.append(result.output)
    events = pagerduty.events()
    assert {e["event_action"] for e in events} == {"trigger"} and events
    bodies_without_key = [json.dumps({k: v for k, v in e.items() if k != "routing_key"}) for e in events]
    for secret in (*SECRET_VALUES, ROUTING_KEY):
        for text in (*outputs, caplog.text, state.read_text(), *bodies_without_key):
            assert secret not in text


def test_undelivered_alerts_make_the_scan_incomplete_and_are_retried_next_time(
    tmp_path: Path, pagerduty: PagerDutyReceiver
) -> None:
    inventory = write_inventory(
        tmp_path / "inv.json", [app_doc(spark_defaults(compliant_props(**{"spark.plugins.defaultList": ""})))]
    )
    state = tmp_path / "state.json"
    pagerduty.inject(Fault(400, body=b'{"status":"invalid event"}'))
    code, report, output = scan_json("--input", str(inventory), "--state", str(state))
    assert code == 4 and report["summary"]["status"] == "incomplete"
    assert report["alert_failures"] == [
        {
            "dedup_key": "emrs-observe/compliance/111111111111/eu-west-1/00fabc123/plugin-registered",
            "action": "trigger",
            "reason": "PagerDuty answered HTTP 400",
        }
    ]
    assert ROUTING_KEY not in output
    code, report, _ = scan_json("--input", str(inventory), "--state", str(state))
    assert code == 3 and report["summary"]["alerts"] == {"triggered": 1, "resolved": 0, "failed": 0}


def test_a_plain_http_pagerduty_url_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY", ROUTING_KEY)
    inventory = write_inventory(tmp_path / "inv.json", [app_doc(spark_defaults(compliant_props()))])
    result = run_cli("compliance", "scan", "--input", str(inventory), "--pagerduty-url", "http://127.0.0.1:1")
    assert result.exit_code == 2 and "must start with https://" in result.output


def test_server_errors_are_retried_then_reported(pagerduty: PagerDutyReceiver, tls_cert: tuple[Path, Path]) -> None:
    sink = PagerDutySink(ROUTING_KEY, pagerduty.url, str(tls_cert[0]), retry_sleep_s=0.01)
    event = AlertEvent("trigger", "k1", "summary", "error", "src")
    pagerduty.inject(Fault(500), Fault(503))
    assert [e.dedup_key for e in sink.send([event]).delivered] == ["k1"]  # retried through two 5xx
    pagerduty.inject(*[Fault(500)] * 3)
    failed = sink.send([event]).failed
    assert failed == [(event, "PagerDuty answered HTTP 500")]
    assert ROUTING_KEY not in repr(sink)


def test_a_file_written_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "inv.json"
    path.write_bytes(
        b"\xef\xbb\xbf" + json.dumps([{"application": app_doc(spark_defaults(compliant_props()))}]).encode()
    )
    code, report, _ = scan_json("--input", str(path))
    assert code == 0 and report["summary"]["applications"] == 1


def test_values_are_compared_as_spark_reads_them_trimmed(tmp_path: Path) -> None:
    padded = {k: f"  {v} " for k, v in compliant_props().items()}
    inventory = write_inventory(tmp_path / "inv.json", [app_doc(spark_defaults(padded))])
    code, report, _ = scan_json("--input", str(inventory))
    assert code == 0, report["applications"][0]["violations"]


def test_offline_job_runs_are_checked_against_their_application(tmp_path: Path, estate: Estate) -> None:
    """get-job-run responses as moto answers them (fields moto drops set on its backend)."""
    account, region = new_account(), "eu-west-1"
    app_id = estate.create(account, region, "etl", spark_defaults(compliant_props()))
    client = estate.client(account, region)
    bad = estate.start_job_run(account, region, app_id, "bad", "--conf spark.plugins.defaultList=com.acme.P")
    good = estate.start_job_run(account, region, app_id, "good", "--conf spark.plugins=com.acme.P")
    application: dict[str, Any] = client.get_application(applicationId=app_id)["application"]
    application["runtimeConfiguration"] = spark_defaults(compliant_props())
    docs: list[dict[str, object]] = [{"application": application}]
    docs += [{"jobRun": client.get_job_run(applicationId=app_id, jobRunId=r)["jobRun"]} for r in (bad, good)]
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(docs, default=str))
    code, report, _ = scan_json("--input", str(path))
    assert code == 3
    (app,) = report["applications"]
    assert app["job_runs"]["audited"] == 2
    assert [(r["id"], r["overrides"]) for r in app["job_runs"]["violating"]] == [(bad, ["spark.plugins.defaultList"])]
