"""Presenting a scan: a rich table for people, JSON for machines. Only ids, rule ids and messages."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from emrs_observe.compliance.model import Assessment, JobRunFinding
from emrs_observe.compliance.scan import ScanReport

_STYLE = {"compliant": "green", "violations": "red", "incomplete": "yellow"}


def _app_status(a: Assessment) -> str:
    if not a.compliant:
        return "violation"
    return "allowed" if a.allowed else "compliant"


def _job_run(j: JobRunFinding) -> dict[str, Any]:
    run = j.job_run
    return {
        "id": run.job_run_id,
        "name": run.name,
        "created_by": run.created_by,  # who submitted it: who can fix its parameters
        "created_at": run.created_at,
        "state": run.state,
        "overrides": list(j.overridden),
        "violations": [{"rule": f.rule_id, "severity": f.severity.value, "message": f.message} for f in j.findings],
    }


def to_dict(report: ScanReport) -> dict[str, Any]:
    delivery = report.delivery
    return {
        "summary": {
            "status": report.status,
            "exit_code": report.exit_code,
            "applications": len(report.assessments),
            "compliant": len(report.assessments) - len(report.violating),
            "violating": len(report.violating),
            "violations_by_rule": report.violations_by_rule,
            "job_runs_audited": sum(a.job_runs_audited for a in report.assessments),
            "job_runs_violating": sum(len(a.job_run_violations) for a in report.assessments),
            "job_run_violations_by_rule": report.job_run_violations_by_rule,
            "new_applications": len(report.new_applications),
            "first_scan": report.first_scan,
            "not_applicable": len(report.not_applicable),
            "not_scanned": len(report.failures),
            "alerts": None
            if delivery is None
            else {
                "triggered": sum(1 for e in delivery.delivered if e.action == "trigger"),
                "resolved": sum(1 for e in delivery.delivered if e.action == "resolve"),
                "failed": len(delivery.failed),
            },
            "api_calls": report.api_calls,
            "state_error": report.state_error,
            "metrics_error": report.metrics_error,
        },
        "applications": [
            {
                "account": a.application.account_id,
                "region": a.application.region,
                "id": a.application.application_id,
                "name": a.application.name,
                "arn": a.application.arn,
                "release_label": a.application.release_label,
                "status": _app_status(a),
                "new": a.new,
                "violations": [
                    {"rule": f.rule_id, "severity": f.severity.value, "message": f.message} for f in a.violations
                ],
                "warnings": [
                    {"rule": f.rule_id, "severity": f.severity.value, "message": f.message} for f in a.warnings
                ],
                "allowed": [{"rule": x.finding.rule_id, "reason": x.reason, "expires": x.expires} for x in a.allowed],
                "exempt": [{"rule": e.rule_id, "reason": e.reason} for e in a.exemptions],
                "job_runs": {"audited": a.job_runs_audited, "violating": [_job_run(j) for j in a.job_run_violations]},
            }
            for a in report.assessments
        ],
        "not_scanned": [
            {
                "account": f.account_id,
                "region": f.region,
                "application": f.application_id,
                "kind": f.kind,
                "reason": f.reason,
            }
            for f in report.failures
        ],
        "alert_failures": [
            {"dedup_key": e.dedup_key, "action": e.action, "reason": r} for e, r in report.alerts_failed
        ],
        "expired_allow_entries": [
            {
                "application": e.application,
                "rules": sorted(e.rules) if e.rules else None,
                "expires": e.expires.isoformat(),
                "reason": e.reason,
            }
            for e in report.expired_allow
        ],
    }


def print_table(report: ScanReport, console: Console) -> None:
    apps = Table(title="EMR Serverless applications", show_lines=False)
    for column in ("account", "region", "application", "release", "status", "rules failing"):
        apps.add_column(column, no_wrap=column in ("account", "region", "release", "status"))
    for a in report.assessments:
        app = a.application
        status = _app_status(a)
        style = {"violation": "red", "allowed": "cyan", "compliant": "green"}[status]
        label = f"{app.name} ({app.application_id})" + (" [bold]NEW[/bold]" if a.new else "")
        parts = [", ".join(sorted({f.rule_id for f in a.violations}))] if a.violations else []
        if a.job_run_violations:
            parts.append(f"{len(a.job_run_violations)} of {a.job_runs_audited} job run(s) dropped observability")
        rules = "; ".join(parts) or "-"
        if a.exemptions:
            status += " (exempt: " + ", ".join(e.rule_id for e in a.exemptions) + ")"
        apps.add_row(app.account_id, app.region, label, app.release_label, f"[{style}]{status}[/{style}]", rules)
    console.print(apps)

    runs = [(a, j) for a in report.assessments for j in a.job_run_violations]
    if runs:
        title = "Job runs that ran without observability: who submitted them and what to fix"
        detail = Table(title=title, show_lines=True)
        for column in ("application", "job run", "submitted by", "overrides", "rule", "how to fix"):
            detail.add_column(column, overflow="fold")
        for a, j in runs:
            for f in j.findings:
                detail.add_row(
                    a.application.application_id,
                    f"{j.job_run.job_run_id} ({j.job_run.name or '-'})",
                    j.job_run.created_by or "-",
                    ", ".join(j.overridden) or "-",
                    f.rule_id,
                    f.message,
                )
        console.print(detail)

    if report.violating:
        detail = Table(title="Violations: what to fix", show_lines=True)
        for column in ("application", "rule", "severity", "how to fix"):
            detail.add_column(column, overflow="fold")
        for a in report.violating:
            for f in a.violations:
                detail.add_row(a.application.application_id, f.rule_id, f.severity.value, f.message)
        console.print(detail)

    if report.failures:
        failed = Table(title="Not scanned", show_lines=False)
        for column in ("account", "region", "application", "kind", "reason"):
            failed.add_column(column, overflow="fold")
        for failure in report.failures:
            failed.add_row(
                failure.account_id, failure.region or "*", failure.application_id or "-", failure.kind, failure.reason
            )
        console.print(failed)

    for entry in report.expired_allow:
        console.print(f"[yellow]allow-list entry for {entry.application} expired on {entry.expires}[/yellow]")
    for event, reason in report.alerts_failed:
        console.print(f"[yellow]PagerDuty {event.action} {event.dedup_key} not delivered: {reason}[/yellow]")
    for problem in (report.state_error, report.metrics_error):
        if problem:
            console.print(f"[yellow]{problem}[/yellow]")

    summary = to_dict(report)["summary"]
    style = _STYLE[report.status]
    console.print(
        f"[{style}]{report.status}[/{style}]: {summary['applications']} applications, "
        f"{summary['violating']} violating, {summary['new_applications']} new"
        + (" (first scan: baseline recorded)" if report.first_scan else "")
        + f", {summary['job_runs_audited']} job runs read, {summary['job_runs_violating']} dropped observability"
        + f", {summary['not_scanned']} not scanned"
        + (f", {len(report.not_applicable)} not Spark" if report.not_applicable else "")
    )
