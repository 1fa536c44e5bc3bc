"""Allow-listing: an application, or some rules of it, exempted until a date, for a stated reason.

Pure. The date of "today" is passed in, so expiry is testable and the scan is reproducible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from emrs_observe.compliance.model import (
    AllowedFinding,
    Application,
    Assessment,
    Exemption,
    Finding,
    JobRunFinding,
)


class AllowListError(ValueError):
    """An allow-list entry that cannot be used; the message names the entry and the field."""


@dataclass(frozen=True)
class AllowEntry:
    application: str  # application id or ARN
    rules: frozenset[str] | None  # None: every rule
    expires: dt.date
    reason: str

    def matches(self, app: Application) -> bool:
        return self.application in (app.application_id, app.arn)

    def covers(self, rule_id: str) -> bool:
        return self.rules is None or rule_id in self.rules


def parse_entries(raw: Any, where: str, known_rules: list[str]) -> list[AllowEntry]:
    """`[[compliance.scan.allow]]` tables: application, rules (optional), expires, reason."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise AllowListError(f"{where}: `allow` must be an array of tables ([[compliance.scan.allow]])")
    entries = []
    for index, item in enumerate(raw):
        here = f"{where}: allow[{index}]"
        if not isinstance(item, dict):
            raise AllowListError(f"{here} is not a table")
        unknown = set(item) - {"application", "rules", "expires", "reason"}
        if unknown:
            raise AllowListError(f"{here} has unknown field(s) {', '.join(sorted(unknown))}")
        application = item.get("application")
        if not isinstance(application, str) or not application.strip():
            raise AllowListError(f"{here}: `application` (an application id or ARN) is required")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise AllowListError(f"{here}: `reason` is required (why the exemption exists, e.g. a ticket)")
        expires = item.get("expires")
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                raise AllowListError(f"{here}: `expires` {expires!r} is not a date (YYYY-MM-DD)") from None
        if isinstance(expires, dt.datetime):
            expires = expires.date()
        if not isinstance(expires, dt.date):
            raise AllowListError(f"{here}: `expires` is required, a date such as 2026-12-31")
        rules = item.get("rules")
        rule_set: frozenset[str] | None = None
        if rules is not None:
            if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules) or not rules:
                raise AllowListError(f"{here}: `rules` must be a non-empty list of rule ids")
            bad = sorted(set(rules) - set(known_rules))
            if bad:
                raise AllowListError(f"{here}: unknown rule id(s) {', '.join(bad)}; known: {', '.join(known_rules)}")
            rule_set = frozenset(rules)
        entries.append(AllowEntry(application.strip(), rule_set, expires, reason.strip()))
    return entries


def assess(
    app: Application,
    findings: list[Finding],
    entries: list[AllowEntry],
    today: dt.date,
    new: bool = False,
    exemptions: tuple[Exemption, ...] = (),
    job_runs: tuple[JobRunFinding, ...] = (),
    job_runs_audited: int = 0,
) -> Assessment:
    """Splits findings into violations, warnings and allow-listed ones (entries valid through `expires`)."""
    active = [e for e in entries if e.matches(app) and e.expires >= today]
    violations: list[Finding] = []
    warnings: list[Finding] = []
    allowed: list[AllowedFinding] = []
    for finding in findings:
        entry = next((e for e in active if e.covers(finding.rule_id)), None)
        if entry is not None:
            allowed.append(AllowedFinding(finding, entry.reason, entry.expires.isoformat()))
        elif finding.severity.fails:
            violations.append(finding)
        else:
            warnings.append(finding)
    # A rule allow-listed for the application is allowed in its job runs too.
    kept = []
    for run in job_runs:
        left = tuple(f for f in run.findings if not any(e.covers(f.rule_id) for e in active))
        if left:
            kept.append(JobRunFinding(run.job_run, left, run.overridden))
    return Assessment(
        app, tuple(violations), tuple(warnings), tuple(allowed), new, exemptions, tuple(kept), job_runs_audited
    )


def expired(entries: list[AllowEntry], today: dt.date) -> list[AllowEntry]:
    return [e for e in entries if e.expires < today]
