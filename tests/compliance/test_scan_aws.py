"""End to end against the moto server (EMR Serverless + STS) through a fault proxy, with PagerDuty.

Three accounts in two regions scanned through assume-role, plus an account whose role refuses,
an account throttled past every retry, and an opt-in region that is not enabled. Two scans: the
second sees a fix, a new application and a recovered account.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from emrs_observe.compliance.alerts import violation_key
from tests.compliance.aws_proxy import AwsFaultProxy
from tests.compliance.conftest import (
    ROUTING_KEY,
    Estate,
    compliant_props,
    new_account,
    role_arn,
    scan_json,
    spark_defaults,
)
from tests.servers.pagerduty import PagerDutyReceiver

REGIONS = ("eu-west-1", "us-east-1")
BAD_BUNDLE = "s3://a/emrs-observe-plugin-0.1.0.jar,s3://a/spark-3.3-spline-agent-bundle_2.12-2.2.3.jar"


def write_config(path: Path, accounts: list[dict[str, Any]], allow: list[dict[str, Any]], state: Path) -> Path:
    lines = [
        "[compliance.scan]",
        f'state = "{state}"',
        "max-attempts = 2",
        "concurrency = 4",
        f"regions = {list(REGIONS)!r}".replace("'", '"'),
        "",
    ]
    for account in accounts:
        lines.append("[[compliance.scan.accounts]]")
        for key, value in account.items():
            lines.append(f"{key} = {value!r}".replace("'", '"'))
        lines.append("")
    for entry in allow:
        lines.append("[[compliance.scan.allow]]")
        for key, value in entry.items():
            lines.append(
                f"{key} = {value!r}".replace("'", '"') if not isinstance(value, dt.date) else f"{key} = {value}"
            )
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in report["applications"]}


def keys(events: list[dict[str, Any]], action: str) -> set[str]:
    return {e["dedup_key"] for e in events if e["event_action"] == action}


def test_two_scans_across_accounts_regions_and_failures(
    tmp_path: Path, estate: Estate, aws_proxy: AwsFaultProxy, pagerduty: PagerDutyReceiver
) -> None:
    a, b, c, denied, throttled = (new_account() for _ in range(5))
    apps: dict[str, tuple[str, str, str]] = {}

    def make(name: str, account: str, region: str, runtime: Any, **kw: Any) -> str:
        app_id = estate.create(account, region, name, runtime, **kw)
        apps[name] = (account, region, app_id)
        return app_id

    make("ok-a-eu", a, "eu-west-1", spark_defaults(compliant_props()))
    make("ok-b-us", b, "us-east-1", spark_defaults(compliant_props("emr-6.15.0")), release="emr-6.15.0")
    make("no-plugin", a, "us-east-1", spark_defaults(compliant_props(**{"spark.plugins.defaultList": ""})))
    make("wrong-bundle", b, "eu-west-1", spark_defaults(compliant_props(**{"spark.jars": BAD_BUNDLE})))
    make(
        "leaks-key",
        c,
        "eu-west-1",
        spark_defaults(
            compliant_props(**{"spark.emr-serverless.driverEnv.DD_API_KEY": "0123456789abcdef0123456789abcdef"})
        ),
    )
    make("unparseable", c, "us-east-1", {"classification": "spark-defaults"})
    make("bare", c, "us-east-1", None)
    make("allowed", a, "eu-west-1", spark_defaults(compliant_props(**{"spark.jars": BAD_BUNDLE})))
    make("hive", b, "us-east-1", None, app_type="HIVE")
    make("t-app", throttled, "eu-west-1", spark_defaults(compliant_props()))
    aws_proxy.deny_roles.add(role_arn(denied))
    aws_proxy.throttle_accounts.add(throttled)
    aws_proxy.disabled.add((c, "ap-east-1"))

    state = tmp_path / "state.json"
    config = write_config(
        tmp_path / "scan.toml",
        [{"role_arn": role_arn(x)} for x in (a, b, denied, throttled)]
        + [{"id": c, "role_arn": role_arn(c), "external_id": "ext-123", "regions": [*REGIONS, "ap-east-1"]}],
        [
            {
                "application": apps["allowed"][2],
                "rules": ["spline-bundle"],
                "expires": dt.date.today() + dt.timedelta(days=30),
                "reason": "JIRA-7: moving to emr-7.2.0",
            }
        ],
        state,
    )

    # --- scan 1 -------------------------------------------------------------------------------
    code, report, output = scan_json(config=config)
    assert code == 4, "an account that cannot be scanned makes the scan incomplete"
    assert ROUTING_KEY not in output
    summary = report["summary"]
    assert summary["status"] == "incomplete" and summary["first_scan"] is True
    assert summary["new_applications"] == 0  # the first scan is the baseline
    assert summary["not_applicable"] == 1  # the Hive application
    apps_seen = by_id(report)
    status = {name: apps_seen[app_id]["status"] for name, (_, _, app_id) in apps.items() if app_id in apps_seen}
    assert status == {
        "ok-a-eu": "compliant",
        "ok-b-us": "compliant",
        "no-plugin": "violation",
        "wrong-bundle": "violation",
        "leaks-key": "violation",
        "unparseable": "violation",
        "bare": "violation",
        "allowed": "allowed",
    }
    assert {v["rule"] for v in apps_seen[apps["no-plugin"][2]]["violations"]} == {"plugin-registered"}
    assert {v["rule"] for v in apps_seen[apps["leaks-key"][2]]["violations"]} == {"no-plaintext-secret"}
    assert "0123456789abcdef0123456789abcdef" not in output
    assert apps_seen[apps["allowed"][2]]["allowed"][0]["reason"] == "JIRA-7: moving to emr-7.2.0"
    failures = {(f["account"], f["region"], f["kind"]) for f in report["not_scanned"]}
    assert failures == {
        (denied, None, "access-denied"),
        (throttled, "eu-west-1", "throttled"),
        (throttled, "us-east-1", "throttled"),
        (c, "ap-east-1", "region-disabled"),
    }

    # one list per page and one get per Spark application, for the scopes that answered
    scanned_spark_apps = len(apps) - 2  # not the Hive one, not the throttled account's
    calls = aws_proxy.operations
    assert calls["emr-serverless:GetApplication"] == scanned_spark_apps
    # 6 scopes answered once, 2 throttled scopes x 2 attempts (max-attempts = 2), 1 disabled region once
    assert calls["emr-serverless:ListApplications"] == 6 + 2 * 2 + 1
    assert calls["sts:AssumeRole"] == 5

    events = pagerduty.events()
    assert all(e["routing_key"] == ROUTING_KEY for e in events)
    triggered = keys(events, "trigger")
    expected_violations = {
        violation_key(*apps[n], rule)
        for n, rule in [
            ("no-plugin", "plugin-registered"),
            ("wrong-bundle", "spline-bundle"),
            ("leaks-key", "no-plaintext-secret"),
            ("unparseable", "properties-unparseable"),
        ]
    }
    assert expected_violations <= triggered
    assert f"emrs-observe/scan/{denied}/*" in triggered
    assert {f"emrs-observe/scan/{throttled}/{r}" for r in REGIONS} <= triggered
    assert f"emrs-observe/scan/{c}/ap-east-1" in triggered
    assert not any(apps["allowed"][2] in k for k in triggered), "an allow-listed rule raises no alert"
    assert not keys(events, "resolve")
    leak = next(e for e in events if e["dedup_key"] == violation_key(*apps["leaks-key"], "no-plaintext-secret"))
    assert leak["payload"]["severity"] == "critical"
    first_triggers = triggered

    # --- between the scans: a fix, a new application, a recovered account ----------------------
    estate.set_runtime(*apps["no-plugin"], spark_defaults(compliant_props()))
    new_id = make(
        "new-one", b, "eu-west-1", spark_defaults(compliant_props(**{"spark.sql.queryExecutionListeners": ""}))
    )
    aws_proxy.throttle_accounts.clear()
    pagerduty.clear()
    aws_proxy.reset_counts()

    # --- scan 2 -------------------------------------------------------------------------------
    code, report, output = scan_json(config=config)
    assert code == 4  # the denied account and the disabled region still are not scanned
    assert report["summary"]["first_scan"] is False
    assert [a["id"] for a in report["applications"] if a["new"]] == [new_id]
    assert by_id(report)[apps["no-plugin"][2]]["status"] == "compliant"

    events = pagerduty.events()
    assert keys(events, "resolve") == {
        violation_key(*apps["no-plugin"], "plugin-registered"),
        *{f"emrs-observe/scan/{throttled}/{r}" for r in REGIONS},
    }
    # still failing and already open: not re-sent within the re-trigger interval
    assert keys(events, "trigger") == {violation_key(b, "eu-west-1", new_id, "spline-listener")}
    assert keys(events, "trigger").isdisjoint(first_triggers)
    assert by_id(report)[apps["t-app"][2]]["status"] == "compliant"
    assert ROUTING_KEY not in state.read_text() and "0123456789abcdef" not in state.read_text()


def test_all_compliant_estate_exits_zero_and_violations_exit_three(
    tmp_path: Path, estate: Estate, aws_proxy: AwsFaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY", raising=False)
    account = new_account()
    for i in range(3):
        estate.create(account, "eu-west-1", f"job-{i}", spark_defaults(compliant_props()))
    config = write_config(tmp_path / "c.toml", [{"role_arn": role_arn(account)}], [], tmp_path / "s.json")
    code, report, _ = scan_json(config=config)
    assert (code, report["summary"]["applications"], report["summary"]["alerts"]) == (0, 3, None)

    estate.create(account, "us-east-1", "broken", None)
    code, report, _ = scan_json(config=config)
    assert code == 3 and report["summary"]["violating"] == 1 and report["summary"]["new_applications"] == 1


def test_listing_is_paginated(
    tmp_path: Path, estate: Estate, aws_proxy: AwsFaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY", raising=False)
    account = new_account()
    for i in range(53):
        estate.create(account, "eu-west-1", f"job-{i}", spark_defaults(compliant_props()))
    config = write_config(
        tmp_path / "c.toml", [{"role_arn": role_arn(account), "regions": ["eu-west-1"]}], [], tmp_path / "s.json"
    )
    code, report, _ = scan_json(config=config)
    assert code == 0 and report["summary"]["applications"] == 53
    assert aws_proxy.operations["emr-serverless:ListApplications"] == 2  # pages of 50
    assert report["summary"]["api_calls"] == {
        "AssumeRole": 1,
        "GetApplication": 53,
        "ListApplications": 2,
        "ListJobRuns": 53,  # one per application: it has no job runs
    }


def test_an_application_that_cannot_be_read_is_reported_alerted_and_its_alerts_kept(
    tmp_path: Path, estate: Estate, aws_proxy: AwsFaultProxy, pagerduty: PagerDutyReceiver
) -> None:
    account = new_account()
    no_plugin = spark_defaults(compliant_props(**{"spark.plugins.defaultList": ""}))
    broken = estate.create(account, "eu-west-1", "broken", no_plugin)
    config = write_config(
        tmp_path / "c.toml", [{"role_arn": role_arn(account), "regions": ["eu-west-1"]}], [], tmp_path / "s.json"
    )
    code, report, _ = scan_json(config=config)
    assert code == 3
    violation = violation_key(account, "eu-west-1", broken, "plugin-registered")
    assert keys(pagerduty.events(), "trigger") == {violation}

    aws_proxy.throttle_apps.add(broken)
    pagerduty.clear()
    code, report, _ = scan_json(config=config)
    assert code == 4
    assert report["not_scanned"] == [
        {
            "account": account,
            "region": "eu-west-1",
            "application": broken,
            "kind": "throttled",
            "reason": "get-application: ThrottlingException: Rate exceeded (still throttled after retries)",
        }
    ]
    events = pagerduty.events()
    assert keys(events, "trigger") == {f"emrs-observe/scan/{account}/eu-west-1/{broken}"}
    assert not keys(events, "resolve"), "an application we could not read is not known to pass"

    aws_proxy.throttle_apps.clear()
    pagerduty.clear()
    code, report, _ = scan_json(config=config)
    assert code == 3 and report["summary"]["new_applications"] == 0
    assert keys(pagerduty.events(), "resolve") == {f"emrs-observe/scan/{account}/eu-west-1/{broken}"}


def test_a_region_and_an_account_taken_out_of_the_configuration_resolve_their_alerts(
    tmp_path: Path, estate: Estate, aws_proxy: AwsFaultProxy, pagerduty: PagerDutyReceiver
) -> None:
    kept, dropped = new_account(), new_account()
    no_plugin = spark_defaults(compliant_props(**{"spark.plugins.defaultList": ""}))
    in_eu = estate.create(kept, "eu-west-1", "eu", no_plugin)
    in_us = estate.create(kept, "us-east-1", "us", no_plugin)
    elsewhere = estate.create(dropped, "eu-west-1", "gone", no_plugin)
    for account, region, app in ((kept, "eu-west-1", in_eu), (kept, "us-east-1", in_us),
                                 (dropped, "eu-west-1", elsewhere)):
        estate.start_job_run(account, region, app, "nightly")
    state = tmp_path / "s.json"
    both = write_config(tmp_path / "both.toml", [{"role_arn": role_arn(kept)}, {"role_arn": role_arn(dropped)}],
                        [], state)
    code, _, _ = scan_json(config=both)
    assert code == 3
    violations = {violation_key(kept, "eu-west-1", in_eu, "plugin-registered"),
                  violation_key(kept, "us-east-1", in_us, "plugin-registered"),
                  violation_key(dropped, "eu-west-1", elsewhere, "plugin-registered")}
    assert keys(pagerduty.events(), "trigger") == violations
    marks = {k.rsplit("/", 1)[0] for k in json.loads(state.read_text())["job_runs"]}
    assert marks == {f"{kept}/eu-west-1", f"{kept}/us-east-1", f"{dropped}/eu-west-1"}

    # The team stops scanning us-east-1 and the second account: nothing would ever resolve their incidents.
    pagerduty.clear()
    fewer = write_config(tmp_path / "fewer.toml", [{"role_arn": role_arn(kept), "regions": ["eu-west-1"]}], [],
                         state)
    code, report, _ = scan_json(config=fewer)
    assert code == 3 and report["summary"]["applications"] == 1
    events = pagerduty.events()
    assert keys(events, "resolve") == violations - {violation_key(kept, "eu-west-1", in_eu, "plugin-registered")}
    assert not keys(events, "trigger")  # the one still failing is open already
    remembered = json.loads(state.read_text())
    assert set(remembered["scopes"]) == {f"{kept}/eu-west-1"}
    assert {k.rsplit("/", 1)[0] for k in remembered["job_runs"]} == {f"{kept}/eu-west-1"}
    assert set(remembered["open_alerts"]) == {violation_key(kept, "eu-west-1", in_eu, "plugin-registered")}


def test_an_account_scanned_with_ambient_credentials_must_be_the_one_configured(
    tmp_path: Path, estate: Estate, aws_proxy: AwsFaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY", raising=False)
    config = write_config(
        tmp_path / "c.toml", [{"id": "123456789012"}, {"id": "999999999999"}], [], tmp_path / "s.json"
    )
    code, report, _ = scan_json(config=config)
    assert code == 4
    assert report["not_scanned"] == [
        {
            "account": "999999999999",
            "region": None,
            "application": None,
            "kind": "wrong-account",
            "reason": "the credentials in use belong to account 123456789012; give a role_arn",
        }
    ]


def test_the_newest_releases_are_scanned_and_spark_4_lineage_is_checked_as_openlineage(
    tmp_path: Path, estate: Estate, aws_proxy: AwsFaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY", raising=False)
    account, region = new_account(), "eu-west-1"
    ok_7 = estate.create(
        account, region, "ok-7.13", spark_defaults(compliant_props("emr-7.13.0")), release="emr-7.13.0"
    )
    spark4 = compliant_props("emr-spark-8.0.0")
    ok_8 = estate.create(account, region, "ok-8", spark_defaults(spark4), release="emr-spark-8.0.0")
    # the emr-7.x defaults copied onto a Spark 4 application: its Spline bundle cannot load there
    old = estate.create(account, region, "copied", spark_defaults(compliant_props()), release="emr-spark-8.0.0")
    config = write_config(
        tmp_path / "c.toml", [{"role_arn": role_arn(account), "regions": [region]}], [], tmp_path / "s"
    )
    code, report, _ = scan_json(config=config)
    assert code == 3
    apps = by_id(report)
    assert (apps[ok_7]["status"], apps[ok_7]["exempt"]) == ("compliant", [])
    assert apps[ok_8]["status"] == "compliant" and apps[ok_8]["release_label"] == "emr-spark-8.0.0"
    assert apps[ok_8]["exempt"] == []  # Spark 4's lineage is a rule now, no longer an exemption
    # what was right for emr-7.x: a Spline bundle that cannot load, and nothing of OpenLineage
    assert sorted(v["rule"] for v in apps[old]["violations"]) == [
        "openlineage-jar", "openlineage-listener", "openlineage-transport", "spline-bundle"
    ]
    assert "release-supported" not in str(report)
