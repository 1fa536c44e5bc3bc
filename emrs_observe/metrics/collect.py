"""One collection: what was read (aws.py or offline.py) becomes points, the points go to Datadog, and
the state records what was delivered.

Delivery protocol (the crash window). Datadog has no idempotency key and must not be relied on to
deduplicate, so each request is journaled:

  1. the state is written with `pending` = the request's exact points and the runs and CloudWatch
     minutes they deliver, and the runs still open;
  2. the request is sent;
  3. on Datadog's 202 the runs become counted and the minutes delivered, `pending` is cleared (and the
     next request's written) in one state write; on a refusal nothing is counted and the runs are read
     and sent again by the next collection.

A run is therefore sent once, unless the collection dies (or loses Datadog's answer) between 1 and 3.
The next collection finds `pending` and, by `in_doubt`: `resend` (default) sends exactly the same
points again (at least once: Datadog keeps the last value a series gets for one second where it
deduplicates, which makes an identical resend harmless there, but it does not promise that), or
`skip` records them as delivered without sending (at most once). Either way the report and the
`emrs_observe.collector.in_doubt` gauge name how many runs were in doubt; at most one request's worth.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from emrs_observe.compliance.model import ScanFailure
from emrs_observe.metrics.aws import AwsOptions, Harvest
from emrs_observe.metrics.cloudwatch import series_key
from emrs_observe.metrics.cost import RatesFile, RegionPrices, resolve
from emrs_observe.metrics.jobruns import TagPolicy, finished_run, prune_counted, run_points
from emrs_observe.metrics.points import GAUGE, Point, merge, tags_of
from emrs_observe.metrics.sink import DEFAULT_MAX_REQUEST_BYTES, DatadogSender, Unit, requests
from emrs_observe.metrics.state import CollectState, Pending, PriceCache, StateError, save_state

EXIT_OK = 0
EXIT_INCOMPLETE = 4
IN_DOUBT_POLICIES = ("resend", "skip")

PriceReader = Callable[[list[str]], tuple[dict[str, RegionPrices], dict[str, str], dict[str, int]]]


@dataclass(frozen=True)
class CollectOptions:
    tag_policy: TagPolicy = field(default_factory=TagPolicy)
    rates_file: RatesFile | None = None
    price_max_age: dt.timedelta = dt.timedelta(days=7)
    in_doubt: str = "resend"
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    offline: bool = False
    dry_run: bool = False


@dataclass
class CollectReport:
    applications: int = 0
    first_collection: bool = False
    runs_sent: Counter[str] = field(default_factory=Counter)  # state -> runs delivered
    runs_undelivered: int = 0
    runs_open: int = 0
    unpriced: list[dict[str, str]] = field(default_factory=list)
    in_doubt: int = 0
    in_doubt_action: str | None = None
    cloudwatch_queries: int = 0
    cloudwatch_points: int = 0
    cloudwatch_superseded: int = 0
    uncatalogued: dict[str, int] = field(default_factory=dict)
    quotas: dict[str, float] = field(default_factory=dict)
    prices: dict[str, str] = field(default_factory=dict)  # region -> where its rates came from, or why none
    failures: list[ScanFailure] = field(default_factory=list)
    delivery_errors: list[str] = field(default_factory=list)
    requests: int = 0
    points_sent: int = 0
    api_calls: dict[str, int] = field(default_factory=dict)
    state_error: str | None = None
    points: list[Point] | None = None  # --dry-run: what would have been sent

    @property
    def incomplete(self) -> bool:
        return bool(self.failures or self.delivery_errors or self.state_error)

    @property
    def status(self) -> str:
        return "incomplete" if self.incomplete else "ok"

    @property
    def exit_code(self) -> int:
        return EXIT_INCOMPLETE if self.incomplete else EXIT_OK


def recover(state: CollectState, state_uri: str | None, sender: DatadogSender | None, policy: str,
            report: CollectReport) -> bool:
    """Settles a request a crashed collection left in doubt; False when it cannot be settled now
    (resend refused): nothing else is collected then, or those runs would be read and sent twice."""
    pending = state.pending
    if pending is None:
        return True
    report.in_doubt = pending.run_count
    if sender is None:  # --dry-run changes nothing
        report.in_doubt_action = "left for the next collection (dry run)"
        return True
    if policy == "resend":
        reason = sender.send(pending.points)
        report.requests += 1
        if reason is not None:
            report.delivery_errors.append(f"resending the {pending.run_count} job run(s) in doubt: {reason}")
            report.in_doubt_action = "kept in doubt: the resend was refused"
            return False
        report.points_sent += len(pending.points)
        report.in_doubt_action = "resent"
    else:
        report.in_doubt_action = "skipped (recorded as delivered)"
    state.commit(pending.runs, pending.marks)
    state.pending = None
    if state_uri:
        try:
            save_state(state_uri, state)
        except StateError as exc:
            report.state_error = str(exc)
            return False
    return True


def _prices(
    regions: set[str], state: CollectState, read: PriceReader | None, options: CollectOptions, now: dt.datetime,
    report: CollectReport,
) -> dict[str, RegionPrices]:
    fresh: dict[str, RegionPrices] = {}
    stale: list[str] = []
    for region in sorted(regions):
        cached = state.prices.get(region)
        if cached is not None and now - dt.datetime.fromisoformat(cached.fetched_at) < options.price_max_age:
            fresh[region] = cached.prices
            report.prices[region] = f"price list of {cached.fetched_at[:10]} (cached)"
        else:
            stale.append(region)
    if stale and read is not None:
        prices, problems, calls = read(stale)
        for name, n in calls.items():
            report.api_calls[name] = report.api_calls.get(name, 0) + n
        for region, found in prices.items():
            state.prices[region] = PriceCache(now.isoformat(), found)
            fresh[region] = found
            report.prices[region] = f"price list of {now.date()}"
        for region, problem in problems.items():
            cached = state.prices.get(region)
            if cached is not None:  # an older price list beats none
                fresh[region] = cached.prices
                report.prices[region] = f"price list of {cached.fetched_at[:10]} (cached; refresh failed: {problem})"
            else:
                report.prices[region] = problem
    if options.rates_file is not None:
        for region in regions:
            report.prices[region] = report.prices.get(region, "no price list") + f" + {options.rates_file.path}"
    return fresh


def build_units(
    harvest: Harvest, prices: dict[str, RegionPrices], options: CollectOptions, now: dt.datetime,
    report: CollectReport,
) -> list[Unit]:
    """One unit per finished run (its points, and the run to record once delivered), one per
    CloudWatch series (its minutes, and the mark to record), and the quota gauges."""
    units: list[Unit] = []
    policy = options.tag_policy
    for read in harvest.runs:
        where = f"account {read.app.account_id} region {read.app.region} application {read.app.application_id}"
        try:
            run = finished_run(read.doc, where)
        except ValueError as exc:  # kept open: read again next time, reported each time
            report.failures.append(ScanFailure(read.app.account_id, read.app.region, "error", str(exc),
                                               read.app.application_id))
            continue
        if run is None:
            continue
        rates, why = resolve(read.app.region, read.app.architecture, prices.get(read.app.region), options.rates_file)
        if run.billed is None:
            why = "GetJobRun has no billedResourceUtilization"
        if why is not None:
            report.unpriced.append({"application": read.app.key, "job_run": run.run_id, "reason": why})
        points = run_points(run, read.app, rates, policy)
        units.append(Unit(points, runs={read.app.key: {run.run_id: read.created_at}}))
    for scope, points in sorted(harvest.cloudwatch_points.items()):
        by_series: dict[str, list[Point]] = {}
        for p in points:
            by_series.setdefault(series_key(p.metric, p.tags), []).append(p)
        for key, members in by_series.items():
            units.append(Unit(members, marks={scope: {key: max(p.timestamp for p in members)}}))
        report.cloudwatch_points += len(points)
    at = int(now.timestamp())
    for scope, quota in sorted(harvest.quotas.items()):
        account, region = scope.split("/")
        tags = tags_of([("aws_account", account), ("region", region), *policy.extra])
        units.append(Unit([Point("emrs.serverless.vcpu_quota", GAUGE, at, quota, tags)]))
    return units


def _collector_points(report: CollectReport, policy: TagPolicy, now: dt.datetime) -> list[Point]:
    tags = tags_of([("collector", "emrs-observe"), *policy.extra])
    at = int(now.timestamp())
    figures = {
        "job_runs": sum(report.runs_sent.values()),
        "not_collected": len(report.failures),
        "unpriced": len(report.unpriced),
        "in_doubt": report.in_doubt,
    }
    return [Point(f"emrs_observe.collector.{name}", GAUGE, at, float(v), tags) for name, v in figures.items()]


def _states(units: list[Unit]) -> Counter[str]:
    """Job runs per final state among the units' points."""
    out: Counter[str] = Counter()
    for unit in units:
        for p in unit.points:
            if p.metric == "emrs.job_run.count":
                state = next((t.split(":", 1)[1] for t in p.tags if t.startswith("state:")), "unknown")
                out[state] += int(p.value)
    return out


def deliver(
    units: list[Unit], state: CollectState, state_uri: str | None, sender: DatadogSender, options: CollectOptions,
    now: dt.datetime, report: CollectReport,
) -> None:
    batches = requests(units, options.max_request_bytes)
    pendings = [
        Pending(
            uuid.uuid4().hex,
            now.isoformat(),
            merge(p for u in batch for p in u.points),
            _merge_runs(batch),
            _merge_marks(batch),
        )
        for batch in batches
    ]
    state.pending = pendings[0] if pendings else None
    for index, (batch, pending) in enumerate(zip(batches, pendings, strict=True)):
        if state_uri:
            try:
                save_state(state_uri, state)  # the journal: written before the request goes out
            except StateError as exc:
                report.state_error = f"{exc} (nothing more sent: a request must be journaled first)"
                report.runs_undelivered += sum(u.run_count for b in batches[index:] for u in b)
                state.pending = None
                return
        reason = sender.send(pending.points)
        report.requests += 1
        if reason is None:
            state.commit(pending.runs, pending.marks)
            report.points_sent += len(pending.points)
            report.runs_sent.update(_states(batch))
        else:
            report.delivery_errors.append(reason)
            report.runs_undelivered += pending.run_count
        state.pending = pendings[index + 1] if index + 1 < len(pendings) else None


def _merge_runs(batch: list[Unit]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for unit in batch:
        for key, runs in unit.runs.items():
            out.setdefault(key, {}).update(runs)
    return out


def _merge_marks(batch: list[Unit]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for unit in batch:
        for scope, marks in unit.marks.items():
            mine = out.setdefault(scope, {})
            for key, minute in marks.items():
                mine[key] = max(mine.get(key, 0), minute)
    return out


def _forget(state: CollectState, harvest: Harvest, aws: AwsOptions, options: CollectOptions,
            now: dt.datetime) -> None:
    present = {a.key for a in harvest.applications}
    for key in list(state.apps):
        scope = key.rsplit("/", 1)[0]
        gone = scope in harvest.scanned_scopes and key not in present
        unconfigured = harvest.configured_scopes is not None and scope not in harvest.configured_scopes
        if gone or unconfigured:
            del state.apps[key]
        else:
            prune_counted(state.apps[key], now, aws.lookback, aws.max_run_age, options.offline)
    oldest = int((now - aws.cloudwatch_lookback - dt.timedelta(hours=1)).timestamp())
    for scope in list(state.high_water):
        if harvest.configured_scopes is not None and scope not in harvest.configured_scopes:
            del state.high_water[scope]
            continue
        marks = state.high_water[scope]
        for key in [k for k, minute in marks.items() if minute < oldest]:
            del marks[key]


def run_collection(
    harvest_of: Callable[[CollectState], Harvest],
    state: CollectState,
    state_uri: str | None,
    sender: DatadogSender | None,
    options: CollectOptions,
    aws: AwsOptions,
    read_prices: PriceReader | None,
    now: dt.datetime | None = None,
) -> CollectReport:
    """`sender` None is a dry run: points are returned in the report and the state is not written."""
    now = now or dt.datetime.now(dt.timezone.utc)
    report = CollectReport(first_collection=not state.exists)
    if not recover(state, None if sender is None else state_uri, sender, options.in_doubt, report):
        return report
    harvest = harvest_of(state)
    report.applications = len(harvest.applications)
    report.failures.extend(harvest.failures)
    report.api_calls.update(harvest.api_calls)
    report.cloudwatch_queries = harvest.cloudwatch_queries
    report.cloudwatch_superseded = harvest.superseded
    report.uncatalogued = dict(harvest.uncatalogued)
    report.quotas = dict(harvest.quotas)
    state.apps.update(harvest.app_runs)
    prices = _prices({r.app.region for r in harvest.runs}, state, read_prices, options, now, report)
    units = build_units(harvest, prices, options, now, report)
    if sender is None:
        report.runs_sent = _states(units)
        report.points = merge(p for u in units for p in u.points) + _collector_points(report, options.tag_policy, now)
        report.runs_open = sum(len(a.open) for a in state.apps.values()) - sum(report.runs_sent.values())
        return report
    deliver(units, state, state_uri, sender, options, now, report)
    if not report.state_error:
        _forget(state, harvest, aws, options, now)
        if state_uri:
            try:
                save_state(state_uri, state)
            except StateError as exc:
                report.state_error = str(exc)
    report.runs_open = sum(len(a.open) for a in state.apps.values())
    health = _collector_points(report, options.tag_policy, now)
    reason = sender.send(health)
    report.requests += 1
    if reason is None:
        report.points_sent += len(health)
    else:
        report.delivery_errors.append(f"collector health gauges: {reason}")
    return report
