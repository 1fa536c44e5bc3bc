"""Planning PagerDuty events from a scan (pure): when to trigger, re-trigger, resolve, or wait."""

from __future__ import annotations

import datetime as dt

from emrs_observe.compliance.alerts import AlertEvent, plan, violation_key
from emrs_observe.compliance.model import Application, Assessment, Finding, ScanFailure, Severity
from emrs_observe.compliance.state import OpenAlert

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(hours=24)


def app(app_id: str, region: str = "eu-west-1") -> Application:
    return Application(
        "111111111111", region, app_id, app_id, f"arn:{app_id}", "emr-7.2.0", "Spark", "CREATED", None, None
    )


def failing(app_id: str, *rules: str, region: str = "eu-west-1") -> Assessment:
    findings = tuple(Finding(r, Severity.ERROR, f"{r} is wrong. Fix: it") for r in rules)
    return Assessment(app(app_id, region), findings, (), ())


def open_alert(
    app_id: str | None, region: str | None, summary: str, hours_ago: float, kind: str = "violation",
    account: str = "111111111111",
) -> OpenAlert:
    sent = (NOW - dt.timedelta(hours=hours_ago)).isoformat()
    return OpenAlert(kind, account, region, app_id, summary, sent)


def open_violations(*where: tuple[str, str, str]) -> dict[str, OpenAlert]:
    """An open plugin-jar alert, sent an hour ago, per (account, region, application), by dedup key."""
    return {violation_key(account, region, app_id, "plugin-jar"): open_alert(app_id, region, "s", 1, account=account)
            for account, region, app_id in where}


def actions(events: list[AlertEvent]) -> set[tuple[str, str]]:
    return {(e.action, e.dedup_key) for e in events}


def test_a_new_failure_triggers_once_per_rule_even_with_several_problems() -> None:
    assessment = Assessment(
        app("a1"),
        (Finding("vault-settings", Severity.ERROR, "x"), Finding("vault-settings", Severity.ERROR, "y")),
        (),
        (),
    )
    events = plan([assessment], [], {"111111111111/eu-west-1"}, {}, NOW, DAY)
    assert actions(events) == {("trigger", violation_key("111111111111", "eu-west-1", "a1", "vault-settings"))}
    assert "(and 1 more)" in events[0].summary and events[0].details["fix"] == "x | y"


def test_a_still_failing_alert_is_resent_only_when_due_or_changed() -> None:
    first = plan([failing("a1", "plugin-jar")], [], {"111111111111/eu-west-1"}, {}, NOW, DAY)[0]
    key = first.dedup_key
    recent = {key: open_alert("a1", "eu-west-1", first.summary, hours_ago=1)}
    assert plan([failing("a1", "plugin-jar")], [], {"111111111111/eu-west-1"}, recent, NOW, DAY) == []
    old = {key: open_alert("a1", "eu-west-1", first.summary, hours_ago=25)}
    assert actions(plan([failing("a1", "plugin-jar")], [], {"111111111111/eu-west-1"}, old, NOW, DAY)) == {
        ("trigger", key)
    }
    changed = {key: open_alert("a1", "eu-west-1", "an older wording", hours_ago=1)}
    assert actions(plan([failing("a1", "plugin-jar")], [], {"111111111111/eu-west-1"}, changed, NOW, DAY)) == {
        ("trigger", key)
    }


def test_passing_again_resolves_but_not_scanned_leaves_the_alert_open() -> None:
    alerts = open_violations(("111111111111", "eu-west-1", "a1"), ("111111111111", "us-east-1", "a2"),
                             ("111111111111", "eu-west-1", "a3"))
    key_eu, key_us, key_unread = alerts
    unreadable = ScanFailure("111111111111", "eu-west-1", "throttled", "Rate exceeded", "a3")
    events = plan([], [unreadable], {"111111111111/eu-west-1"}, alerts, NOW, DAY)
    assert ("resolve", key_eu) in actions(events)
    assert not {("resolve", key_us), ("resolve", key_unread)} & actions(events)


def test_an_account_that_can_be_scanned_again_resolves_its_alert() -> None:
    alerts = {"emrs-observe/scan/111111111111/*": open_alert(None, None, "denied", 1, kind="scan")}
    assert actions(plan([], [], {"111111111111/eu-west-1"}, alerts, NOW, DAY)) == {
        ("resolve", "emrs-observe/scan/111111111111/*")
    }
    denied = ScanFailure("111111111111", None, "access-denied", "AccessDenied: no")
    events = plan([], [denied], set(), alerts, NOW, DAY)
    assert actions(events) == {("trigger", "emrs-observe/scan/111111111111/*")}  # wording changed: re-sent


def test_an_alert_of_a_region_or_account_taken_out_of_the_configuration_is_resolved() -> None:
    alerts = open_violations(("111111111111", "eu-west-1", "a1"), ("111111111111", "us-east-1", "a2"),
                             ("222222222222", "eu-west-1", "a3"))
    key_kept, key_dropped_region, key_dropped_account = alerts
    # This scan could not list eu-west-1 (throttled, say): its alert stays; the others' regions are gone.
    throttled = ScanFailure("111111111111", "eu-west-1", "throttled", "Rate exceeded")
    events = plan([], [throttled], set(), alerts, NOW, DAY, configured_scopes={"111111111111/eu-west-1"})
    assert {("resolve", key_dropped_region), ("resolve", key_dropped_account)} <= actions(events)
    assert ("resolve", key_kept) not in actions(events)
    # An inventory that does not say what was configured (an exported file) resolves nothing unscanned.
    assert not {e for e in actions(plan([], [], set(), alerts, NOW, DAY)) if e[0] == "resolve"}
