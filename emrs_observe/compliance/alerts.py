"""Which PagerDuty events a scan should send. Pure: state and results in, events out.

One alert per application and rule (dedup key `emrs-observe/compliance/<account>/<region>/<app>/<rule>`),
one per account or region that could not be scanned (`emrs-observe/scan/<account>/<region|*>`), and
one per application that could not be read. A failing alert is triggered when it starts failing and
again every `retrigger_after` while it keeps failing (PagerDuty accepts ~120 events a minute per
key; re-sending thousands every scan would be throttled); it is resolved once it passes. An alert
whose target could not be scanned this time is left as it is: unknown is not "passing".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from emrs_observe.compliance.model import Assessment, Finding, ScanFailure, Severity
from emrs_observe.compliance.state import OpenAlert

PREFIX = "emrs-observe"


@dataclass(frozen=True)
class AlertEvent:
    action: str  # trigger | resolve
    dedup_key: str
    summary: str
    severity: str  # critical | error | warning | info
    source: str
    details: dict[str, str] = field(default_factory=dict)
    record: OpenAlert | None = None  # what to remember once a trigger is delivered


def violation_key(account: str, region: str, application_id: str, rule_id: str) -> str:
    return f"{PREFIX}/compliance/{account}/{region}/{application_id}/{rule_id}"


def job_runs_key(account: str, region: str, application_id: str) -> str:
    """One alert per application for all its job runs: a job submitted hourly must not page hourly."""
    return f"{PREFIX}/job-runs/{account}/{region}/{application_id}"


def failure_key(failure: ScanFailure) -> str:
    return f"{PREFIX}/scan/{failure.target}"


def _pd_severity(severity: Severity) -> str:
    return "critical" if severity is Severity.CRITICAL else "error"


def _truncate(text: str, limit: int = 1000) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def desired_triggers(assessments: list[Assessment], failures: list[ScanFailure], now: str) -> list[AlertEvent]:
    events: list[AlertEvent] = []
    for a in assessments:
        app = a.application
        by_rule: dict[str, list[Finding]] = {}
        for finding in a.violations:
            by_rule.setdefault(finding.rule_id, []).append(finding)
        for rule_id, findings in by_rule.items():
            key = violation_key(app.account_id, app.region, app.application_id, rule_id)
            more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
            summary = _truncate(
                f"EMR Serverless application {app.name or app.application_id} "
                f"({app.account_id}/{app.region}) fails {rule_id}: {findings[0].message}{more}"
            )
            severity = max((f.severity for f in findings), key=lambda s: s is Severity.CRITICAL)
            events.append(
                AlertEvent(
                    "trigger",
                    key,
                    summary,
                    _pd_severity(severity),
                    app.arn,
                    {
                        "rule": rule_id,
                        "application": app.application_id,
                        "name": app.name,
                        "account": app.account_id,
                        "region": app.region,
                        "release": app.release_label,
                        "fix": " | ".join(f.message for f in findings),
                    },
                    OpenAlert("violation", app.account_id, app.region, app.application_id, summary, now),
                )
            )
        runs = a.job_run_violations
        if runs:
            latest = max(runs, key=lambda j: j.job_run.created_at).job_run
            rules = sorted({f.rule_id for j in runs for f in j.findings})
            overrides = sorted({k for j in runs for k in j.overridden})
            summary = _truncate(
                f"{len(runs)} job run(s) of EMR Serverless application {app.name or app.application_id} "
                f"({app.account_id}/{app.region}) ran without what its defaults give: {', '.join(rules)}"
                + (f"; they override {', '.join(overrides)}" if overrides else "")
                + f". Latest: {latest.job_run_id} ({latest.name or 'no name'}), submitted by "
                f"{latest.created_by or 'unknown'}"
            )
            critical = any(f.severity is Severity.CRITICAL for j in runs for f in j.findings)
            events.append(
                AlertEvent(
                    "trigger",
                    job_runs_key(app.account_id, app.region, app.application_id),
                    summary,
                    "critical" if critical else "error",
                    app.arn,
                    {
                        "application": app.application_id,
                        "name": app.name,
                        "account": app.account_id,
                        "region": app.region,
                        "rules": ",".join(rules),
                        "job_runs": ",".join(j.job_run.job_run_id for j in runs[:50]),
                        "submitted_by": ",".join(sorted({j.job_run.created_by for j in runs if j.job_run.created_by})),
                        "fix": _truncate(" | ".join(dict.fromkeys(f.message for j in runs for f in j.findings))),
                    },
                    OpenAlert("job-runs", app.account_id, app.region, app.application_id, summary, now),
                )
            )
    for failure in failures:
        what = (
            f"application {failure.application_id}"
            if failure.application_id
            else (f"region {failure.region}" if failure.region else "account")
        )
        summary = _truncate(
            f"emrs-observe compliance scan could not read {what} of account "
            f"{failure.account_id} ({failure.kind}): {failure.reason}"
        )
        events.append(
            AlertEvent(
                "trigger",
                failure_key(failure),
                summary,
                "error",
                f"aws-account-{failure.account_id}",
                {
                    "account": failure.account_id,
                    "region": failure.region or "*",
                    "kind": failure.kind,
                    "reason": failure.reason,
                    "application": failure.application_id or "",
                },
                OpenAlert("scan", failure.account_id, failure.region, failure.application_id, summary, now),
            )
        )
    return events


def plan(
    assessments: list[Assessment],
    failures: list[ScanFailure],
    scanned_scopes: set[str],
    open_alerts: dict[str, OpenAlert],
    now: dt.datetime,
    retrigger_after: dt.timedelta,
    configured_scopes: set[str] | None = None,
) -> list[AlertEvent]:
    """Triggers for what fails (new, or due again) and resolves for open alerts that now pass.

    `configured_scopes` (account/region) are those the scan was told to cover, when known: an open
    alert of a region or account taken out of the configuration is resolved, since no later scan
    would ever look at it again and its incident would stay open for good."""
    stamp = now.isoformat()
    wanted = desired_triggers(assessments, failures, stamp)
    wanted_keys = {e.dedup_key for e in wanted}
    events: list[AlertEvent] = []
    for event in wanted:
        previous = open_alerts.get(event.dedup_key)
        if previous is not None and previous.summary == event.summary:
            try:
                due = dt.datetime.fromisoformat(previous.last_sent) + retrigger_after <= now
            except ValueError:
                due = True
            if not due:
                continue
        events.append(event)
    unreadable = {(f.account_id, f.region, f.application_id) for f in failures if f.application_id}
    # A job-run alert is resolved by new job runs that keep observability, not by a scan that saw none.
    audited = {a.application.key: a.job_runs_audited for a in assessments}
    for key, alert in sorted(open_alerts.items()):
        if key in wanted_keys:
            continue
        if alert.kind == "job-runs" and audited.get(f"{alert.account_id}/{alert.region}/{alert.application_id}") == 0:
            continue  # the application is there but ran nothing new: we do not know that its jobs are fixed
        scope = f"{alert.account_id}/{alert.region}"
        dropped = configured_scopes is not None and scope not in configured_scopes
        if alert.region is not None and not dropped:
            if scope not in scanned_scopes:
                continue  # not scanned this time: we do not know that it passes
            if alert.application_id and (alert.account_id, alert.region, alert.application_id) in unreadable:
                continue
        events.append(AlertEvent("resolve", key, alert.summary, "info", alert.account_id))
    return events
