"""One compliance scan: inventory in, assessments, new applications, alerts and state out.

The inventory (AWS or file) is read by the caller; this module ties the pure parts (rules,
allow-list, alert planning) to the two remaining side effects: the state document and PagerDuty.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from emrs_observe.compliance.alerts import AlertEvent, plan
from emrs_observe.compliance.allowlist import AllowEntry, assess, expired
from emrs_observe.compliance.model import Application, Assessment, Inventory, ScanFailure
from emrs_observe.compliance.pagerduty import Delivery, PagerDutySink
from emrs_observe.compliance.rules import evaluate_with_exemptions
from emrs_observe.compliance.state import ScanState, StateError, load_state, save_state

EXIT_COMPLIANT = 0
EXIT_VIOLATIONS = 3
EXIT_INCOMPLETE = 4  # wins over EXIT_VIOLATIONS: part of the estate (or of the alerting) was not covered


@dataclass
class ScanReport:
    assessments: list[Assessment]
    failures: list[ScanFailure]
    not_applicable: list[Application]
    first_scan: bool
    expired_allow: list[AllowEntry]
    delivery: Delivery | None = None
    api_calls: dict[str, int] = field(default_factory=dict)
    state_error: str | None = None
    metrics_error: str | None = None

    @property
    def new_applications(self) -> list[Application]:
        return [a.application for a in self.assessments if a.new]

    @property
    def violating(self) -> list[Assessment]:
        return [a for a in self.assessments if not a.compliant]

    @property
    def violations_by_rule(self) -> dict[str, int]:
        counts = Counter(f.rule_id for a in self.assessments for f in a.violations)
        return dict(sorted(counts.items()))

    @property
    def job_run_violations_by_rule(self) -> dict[str, int]:
        """Job runs (not findings) that dropped observability, per rule."""
        counts = Counter(
            rule for a in self.assessments for j in a.job_run_violations for rule in {f.rule_id for f in j.findings}
        )
        return dict(sorted(counts.items()))

    @property
    def alerts_failed(self) -> list[tuple[AlertEvent, str]]:
        return self.delivery.failed if self.delivery else []

    @property
    def incomplete(self) -> bool:
        return bool(self.failures or self.alerts_failed or self.state_error or self.metrics_error)

    @property
    def status(self) -> str:
        if self.incomplete:
            return "incomplete"
        return "violations" if self.violating else "compliant"

    @property
    def exit_code(self) -> int:
        return {"incomplete": EXIT_INCOMPLETE, "violations": EXIT_VIOLATIONS}.get(self.status, EXIT_COMPLIANT)


def _is_new(app: Application, state: ScanState) -> bool:
    # Only scopes listed by an earlier scan can have "new" applications: a first scan is a baseline.
    seen = state.scopes.get(app.scope)
    return seen is not None and app.application_id not in seen


def run_scan(
    inventory: Inventory,
    allow: list[AllowEntry],
    state_uri: str | None = None,
    sink: PagerDutySink | None = None,
    now: dt.datetime | None = None,
    retrigger_after: dt.timedelta = dt.timedelta(hours=24),
    state: ScanState | None = None,
) -> ScanReport:
    """`state`: the state already loaded from `state_uri` (the job-run marks are needed before the
    inventory is read); loaded here when not given."""
    now = now or dt.datetime.now(dt.timezone.utc)
    today = now.date()
    state = state if state is not None else load_state(state_uri)

    assessments: list[Assessment] = []
    not_applicable: list[Application] = []
    for app in inventory.applications:
        if app.type.upper() != "SPARK":
            not_applicable.append(app)
            continue
        findings, exemptions = evaluate_with_exemptions(app)
        runs = tuple(inventory.job_runs.get(app.key, ()))
        audited = inventory.job_runs_audited.get(app.key, 0)
        assessments.append(
            assess(app, findings, allow, today, _is_new(app, state), tuple(exemptions), runs, audited)
        )

    report = ScanReport(
        assessments,
        list(inventory.failures),
        not_applicable,
        first_scan=not state.exists,
        expired_allow=expired(allow, today),
        api_calls=dict(inventory.api_calls),
    )

    if sink is not None:
        events = plan(assessments, report.failures, inventory.scanned_scopes, state.open_alerts, now, retrigger_after,
                      inventory.configured_scopes)
        report.delivery = sink.send(events)
        for event in report.delivery.delivered:
            if event.action == "trigger" and event.record is not None:
                state.open_alerts[event.dedup_key] = event.record
            elif event.action == "resolve":
                state.open_alerts.pop(event.dedup_key, None)

    by_scope: dict[str, list[str]] = {scope: [] for scope in inventory.scanned_scopes}
    for app in inventory.applications:
        if app.scope in by_scope:
            by_scope[app.scope].append(app.application_id)
    # An application that could not be read is still known to exist: keep it from looking new later.
    for failure in inventory.failures:
        scope = f"{failure.account_id}/{failure.region}"
        if failure.application_id and scope in by_scope:
            by_scope[scope].append(failure.application_id)
    state.scopes.update({scope: sorted(set(ids)) for scope, ids in by_scope.items()})
    state.job_run_marks.update(inventory.job_run_marks)
    present = {app.key for app in inventory.applications}
    for key in [k for k in state.job_run_marks if k.rsplit("/", 1)[0] in by_scope and k not in present]:
        del state.job_run_marks[key]  # the application is gone
    if inventory.configured_scopes is not None:
        # A region or account taken out of the configuration: if it comes back, its first scan is a
        # baseline again, and its job runs are read from the look-back, not from a mark months old.
        configured = inventory.configured_scopes
        for scope in [s for s in state.scopes if s not in configured]:
            del state.scopes[scope]
        for key in [k for k in state.job_run_marks if k.rsplit("/", 1)[0] not in configured]:
            del state.job_run_marks[key]

    if state_uri:
        try:
            save_state(state_uri, state)
        except StateError as exc:
            report.state_error = str(exc)
    return report
