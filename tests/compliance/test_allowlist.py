"""Allow-listing applications or rules with an expiry date and a reason."""

from __future__ import annotations

import datetime as dt

import pytest

from emrs_observe.compliance.allowlist import AllowEntry, AllowListError, assess, expired, parse_entries
from emrs_observe.compliance.model import Application, Finding, Severity
from emrs_observe.compliance.rules import rule_ids

APP = Application(
    "111111111111",
    "eu-west-1",
    "00fapp",
    "job",
    "arn:aws:emr-serverless:eu-west-1:111111111111:/applications/00fapp",
    "emr-7.2.0",
    "Spark",
    "CREATED",
    None,
    None,
)
TODAY = dt.date(2026, 6, 1)
FINDINGS = [Finding("spline-bundle", Severity.ERROR, "m1"), Finding("plugin-jar", Severity.ERROR, "m2")]


def entries(**fields: object) -> list[AllowEntry]:
    base = {"application": "00fapp", "expires": dt.date(2026, 6, 30), "reason": "JIRA-12 migrating"}
    return parse_entries([{**base, **fields}], "cfg.toml [compliance.scan]", rule_ids())


def test_an_entry_for_some_rules_exempts_only_those() -> None:
    result = assess(APP, FINDINGS, entries(rules=["spline-bundle"]), TODAY)
    assert [f.rule_id for f in result.violations] == ["plugin-jar"]
    assert [(a.finding.rule_id, a.reason, a.expires) for a in result.allowed] == [
        ("spline-bundle", "JIRA-12 migrating", "2026-06-30")
    ]


def test_an_entry_without_rules_exempts_the_whole_application_by_id_or_arn() -> None:
    assert assess(APP, FINDINGS, entries(), TODAY).compliant
    assert assess(APP, FINDINGS, entries(application=APP.arn), TODAY).compliant


def test_an_entry_is_valid_through_its_expiry_day_and_then_reported_expired() -> None:
    listed = entries(expires="2026-06-01")
    assert assess(APP, FINDINGS, listed, TODAY).compliant
    later = TODAY + dt.timedelta(days=1)
    assert not assess(APP, FINDINGS, listed, later).compliant
    assert expired(listed, later) == listed


BASE = {"application": "00fapp", "expires": "2026-06-30", "reason": "JIRA-12 migrating"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({**BASE, "reason": ""}, "`reason` is required"),
        ({**BASE, "expires": "next year"}, "is not a date"),
        ({k: v for k, v in BASE.items() if k != "expires"}, "`expires` is required"),
        ({**BASE, "rules": ["no-such-rule"]}, "unknown rule id(s) no-such-rule"),
        ({**BASE, "application": ""}, "`application`"),
        ({**BASE, "colour": "red"}, "unknown field(s) colour"),
    ],
)
def test_a_bad_entry_is_refused_naming_the_file_and_entry(entry: dict[str, object], message: str) -> None:
    with pytest.raises(AllowListError) as info:
        parse_entries([BASE, entry], "cfg.toml [compliance.scan]", rule_ids())
    assert "cfg.toml [compliance.scan]: allow[1]" in str(info.value) and message in str(info.value)
