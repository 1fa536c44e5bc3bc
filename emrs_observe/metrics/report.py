"""Presenting a collection: JSON for machines, a short rich summary for people. Ids and reasons only."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from emrs_observe.metrics.collect import CollectReport

_STYLE = {"ok": "green", "incomplete": "yellow"}


def to_dict(report: CollectReport) -> dict[str, Any]:
    out: dict[str, Any] = {
        "summary": {
            "status": report.status,
            "exit_code": report.exit_code,
            "first_collection": report.first_collection,
            "applications": report.applications,
            "job_runs_sent": sum(report.runs_sent.values()),
            "job_runs_by_state": dict(sorted(report.runs_sent.items())),
            "job_runs_undelivered": report.runs_undelivered,
            "job_runs_open": report.runs_open,
            "job_runs_unpriced": len(report.unpriced),
            "in_doubt": report.in_doubt,
            "in_doubt_action": report.in_doubt_action,
            "cloudwatch": {
                "queries": report.cloudwatch_queries,
                "points": report.cloudwatch_points,
                "superseded_pre_7_10_series": report.cloudwatch_superseded,
                "uncatalogued_metrics": report.uncatalogued,
            },
            "vcpu_quotas": report.quotas,
            "prices": report.prices,
            "not_collected": len(report.failures),
            "datadog": {"requests": report.requests, "points": report.points_sent, "errors": report.delivery_errors},
            "api_calls": report.api_calls,
            "state_error": report.state_error,
        },
        "not_collected": [
            {"account": f.account_id, "region": f.region, "application": f.application_id, "kind": f.kind,
             "reason": f.reason}
            for f in report.failures
        ],
        "unpriced": report.unpriced,
    }
    if report.points is not None:
        out["points"] = [p.to_json() for p in report.points]
    return out


def print_table(report: CollectReport, console: Console) -> None:
    if report.points is not None:
        console.print("[bold]points (dry run: nothing sent, state unchanged)[/bold]")
        for p in report.points:
            console.print(f"{p.metric} {p.kind} {p.timestamp} {p.value:g} {','.join(p.tags)}", markup=False,
                          soft_wrap=True)
    if report.failures:
        failed = Table(title="Not collected")
        for column in ("account", "region", "application", "kind", "reason"):
            failed.add_column(column, overflow="fold")
        for f in report.failures:
            failed.add_row(f.account_id, f.region or "*", f.application_id or "-", f.kind, f.reason)
        console.print(failed)
    for problem in (*report.delivery_errors, report.state_error):
        if problem:
            console.print(f"[yellow]{problem}[/yellow]")
    if report.in_doubt:
        console.print(f"[yellow]{report.in_doubt} job run(s) in doubt from a collection that did not finish: "
                      f"{report.in_doubt_action}[/yellow]")
    for region, source in sorted(report.prices.items()):
        console.print(f"rates {region}: {source}")
    style = _STYLE[report.status]
    by_state = ", ".join(f"{n} {s}" for s, n in sorted(report.runs_sent.items())) or "none"
    console.print(
        f"[{style}]{report.status}[/{style}]: {report.applications} applications, job runs sent: {by_state}"
        + (f" ({len(report.unpriced)} without a cost)" if report.unpriced else "")
        + f", {report.runs_open} open, {report.cloudwatch_points} CloudWatch points"
        + f", {len(report.failures)} not collected"
        + (" (first collection)" if report.first_collection else "")
    )
