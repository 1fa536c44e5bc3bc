"""Reading AWS for one collection: the collector's only AWS I/O.

Per account (the compliance scanner's role chain, inventory.AccountOpener) and region:
ListApplications; per application ListJobRuns from its window and GetJobRun for each run seen final
and not delivered yet (jobruns.py decides which); ListMetrics and GetMetricData (at most 500 queries
a call) for the CloudWatch figures; Service Quotas for the applied vCPU quota. Prices come from the
Price List API once per region and are cached in the state. Every request is counted per operation;
a part of the estate that cannot be read becomes a ScanFailure with AWS's reason, and the rest is
collected.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from emrs_observe.compliance.inventory import AccountOpener, ApiCalls, classify, error_code
from emrs_observe.compliance.model import ScanFailure
from emrs_observe.compliance.settings import AccountTarget
from emrs_observe.metrics import cloudwatch
from emrs_observe.metrics.catalog import EMR_NAMESPACE, VCPU_QUOTA_CODE, VCPU_QUOTA_SERVICE
from emrs_observe.metrics.cost import PriceError, RegionPrices, parse_price_list
from emrs_observe.metrics.jobruns import (
    Application,
    AppRuns,
    TagPolicy,
    application_from_api,
    list_from,
    sort_listing,
    stragglers,
)
from emrs_observe.metrics.points import Point

PRICING_SERVICE_CODE = "ElasticMapReduce"


@dataclass(frozen=True)
class AwsOptions:
    concurrency: int = 8
    max_attempts: int = 5  # per request, first try included (botocore "standard" retry mode)
    page_size: int = 50  # ListApplications / ListJobRuns maxResults (the API's maximum)
    session_name: str = "emrs-observe-metrics"
    lookback: dt.timedelta = dt.timedelta(hours=24)  # job runs of an application with no state yet
    max_run_age: dt.timedelta = dt.timedelta(days=7)  # listing never reaches further back
    cloudwatch: bool = True
    worker_metrics: bool = True
    cloudwatch_lookback: dt.timedelta = dt.timedelta(minutes=60)
    settle: dt.timedelta = dt.timedelta(minutes=3)
    quota: bool = True
    pricing_region: str = "us-east-1"  # the Price List API answers in us-east-1, eu-central-1, ap-south-1


@dataclass
class RunRead:
    """A job run GetJobRun said is final, with what the state needs to deliver it."""

    app: Application
    created_at: str
    doc: dict[str, Any]


@dataclass
class Harvest:
    applications: list[Application] = field(default_factory=list)
    runs: list[RunRead] = field(default_factory=list)
    app_runs: dict[str, AppRuns] = field(default_factory=dict)  # application key -> updated (not yet counted)
    failures: list[ScanFailure] = field(default_factory=list)
    configured_scopes: set[str] | None = None
    scanned_scopes: set[str] = field(default_factory=set)  # applications listed
    cloudwatch_points: dict[str, list[Point]] = field(default_factory=dict)  # scope -> points
    cloudwatch_marks: dict[str, dict[str, int]] = field(default_factory=dict)  # scope -> series -> minute
    cloudwatch_queries: int = 0
    superseded: int = 0
    uncatalogued: Counter[str] = field(default_factory=Counter)
    quotas: dict[str, float] = field(default_factory=dict)  # scope -> applied vCPU quota
    api_calls: dict[str, int] = field(default_factory=dict)


def read_prices(
    session_factory: Callable[..., Any] | None, regions: Iterable[str], options: AwsOptions
) -> tuple[dict[str, RegionPrices], dict[str, str], dict[str, int]]:
    """List prices per region from the Price List API: (prices, region -> why not, calls)."""
    import boto3
    from botocore.config import Config

    calls = ApiCalls()
    prices: dict[str, RegionPrices] = {}
    problems: dict[str, str] = {}
    regions = sorted(set(regions))
    if not regions:
        return prices, problems, {}
    try:
        client = (session_factory or boto3.Session)().client(
            "pricing", region_name=options.pricing_region,
            config=Config(retries={"total_max_attempts": options.max_attempts, "mode": "standard"},
                          connect_timeout=10, read_timeout=30),
        )
        client.meta.events.register("before-send", calls.hook)
    except Exception as exc:
        return prices, {r: f"pricing client: {classify(exc)[1]}" for r in regions}, {}
    for region in regions:
        try:
            documents: list[str] = []
            for page in client.get_paginator("get_products").paginate(
                ServiceCode=PRICING_SERVICE_CODE,
                FormatVersion="aws_v1",
                Filters=[
                    {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
                    {"Type": "CONTAINS", "Field": "usagetype", "Value": "EMR-SERVERLESS"},
                ],
            ):
                documents.extend(page.get("PriceList", []))
            prices[region] = parse_price_list(documents, region, f"GetProducts {PRICING_SERVICE_CODE} {region}")
        except PriceError as exc:
            problems[region] = str(exc)
        except Exception as exc:  # reported: the runs of the region go without a cost
            problems[region] = f"GetProducts {region}: {classify(exc)[1]}"
    return prices, problems, dict(calls.counts)


def collect(
    targets: Iterable[AccountTarget],
    state_apps: dict[str, AppRuns],
    high_water: dict[str, dict[str, int]],
    options: AwsOptions,
    now: dt.datetime,
    tag_policy: TagPolicy,
    session_factory: Callable[..., Any] | None = None,
) -> Harvest:
    import boto3
    from botocore.config import Config

    make_session = session_factory or boto3.Session
    config = Config(
        retries={"total_max_attempts": options.max_attempts, "mode": "standard"},
        max_pool_connections=max(options.concurrency, 10),
        connect_timeout=10,
        read_timeout=30,
    )
    calls = ApiCalls()
    targets = list(targets)
    harvest = Harvest(configured_scopes={f"{t.account_id}/{r}" for t in targets for r in t.regions})
    opener = AccountOpener(make_session, config, calls, options.session_name)
    lock = threading.Lock()
    names_by_run: dict[str, dict[str, str]] = {}  # scope -> run id -> name (CloudWatch's JobId)

    def fail(failure: ScanFailure) -> None:
        with lock:
            harvest.failures.append(failure)

    def open_account(target: AccountTarget) -> list[tuple[str, str, Any]]:
        session, failure = opener.open(target)
        if failure is not None:
            fail(failure)
            return []
        return [(target.account_id, region, session) for region in target.regions]

    def list_scope(item: tuple[str, str, Any]) -> list[tuple[Application, Any]]:
        account, region, session = item
        client = opener.client(session, "emr-serverless", region)
        found: list[tuple[Application, Any]] = []
        try:
            for page in client.get_paginator("list_applications").paginate(
                PaginationConfig={"PageSize": options.page_size}
            ):
                for summary in page.get("applications", []):
                    if summary.get("state") == "TERMINATED":
                        continue
                    where = f"account {account} region {region} list-applications"
                    found.append((application_from_api(summary, account, region, where), client))
        except Exception as exc:
            kind, reason = classify(exc)
            fail(ScanFailure(account, region, kind, f"list-applications: {reason}"))
            return []
        with lock:
            harvest.scanned_scopes.add(f"{account}/{region}")
            names_by_run.setdefault(f"{account}/{region}", {})
        return found

    def read_runs(item: tuple[Application, Any]) -> None:
        app, client = item
        before = state_apps.get(app.key) or AppRuns()
        listed_from = list_from(before, now, options.lookback, options.max_run_age)
        step = "list-job-runs"
        summaries: list[dict[str, Any]] = []
        try:
            for page in client.get_paginator("list_job_runs").paginate(
                applicationId=app.application_id,
                createdAtAfter=listed_from,
                PaginationConfig={"PageSize": options.page_size},
            ):
                summaries.extend(page.get("jobRuns", []))
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                summaries = []  # deleted since the listing (moto also answers this for an application with no runs)
            else:
                kind, reason = classify(exc)
                fail(ScanFailure(app.account_id, app.region, kind, f"{step}: {reason}", app.application_id))
                with lock:
                    harvest.app_runs[app.key] = before  # unchanged: everything is read again next time
                return
        listing = sort_listing(before, summaries, listed_from)
        after = AppRuns(listing.newest, dict(listing.still_open), dict(before.counted))
        reads: list[RunRead] = []
        to_read = {**listing.to_read, **stragglers(before, listing)}
        for run_id, created in to_read.items():
            step = f"get-job-run {run_id}"
            try:
                doc = client.get_job_run(applicationId=app.application_id, jobRunId=run_id)["jobRun"]
            except Exception as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    continue  # gone: nothing to count
                kind, reason = classify(exc)
                fail(ScanFailure(app.account_id, app.region, kind, f"{step}: {reason}", app.application_id))
                after.open[run_id] = created  # read again next time
                continue
            after.open[run_id] = created  # until delivered
            if doc.get("state") in ("SUCCESS", "FAILED", "CANCELLED"):
                reads.append(RunRead(app, created, doc))
        with lock:
            harvest.runs.extend(reads)
            harvest.app_runs[app.key] = after
            names = names_by_run.setdefault(app.scope, {})
            for summary in summaries:
                if summary.get("id"):
                    names[str(summary["id"])] = str(summary.get("name") or "")

    def read_cloudwatch(item: tuple[str, str, Any], apps: dict[str, Application]) -> None:
        account, region, session = item
        scope = f"{account}/{region}"
        statistic = None
        if options.quota:
            quotas = opener.client(session, "service-quotas", region)
            try:
                quota = _vcpu_quota(quotas)
                if quota is not None:
                    value, statistic = quota
                    with lock:
                        harvest.quotas[scope] = value
            except Exception as exc:
                kind, reason = classify(exc)
                fail(ScanFailure(account, region, kind, f"service-quotas get-service-quota: {reason}"))
        if not options.cloudwatch:
            return
        client = opener.client(session, "cloudwatch", region)
        step = "list-metrics"
        try:
            listed: list[dict[str, Any]] = []
            for page in client.get_paginator("list_metrics").paginate(Namespace=EMR_NAMESPACE, RecentlyActive="PT3H"):
                listed.extend(page.get("Metrics", []))
            with lock:
                names = dict(names_by_run.get(scope, {}))
            planned = cloudwatch.plan(account, region, listed, apps, names, tag_policy, options.worker_metrics)
            queries = planned.queries
            if options.quota:
                queries.append(cloudwatch.usage_query(account, region, statistic, tag_policy, f"u{len(queries)}"))
            start, end = cloudwatch.window(now, options.cloudwatch_lookback, options.settle)
            by_id = {q.id: q for q in queries}
            results: list[dict[str, Any]] = []
            for batch in cloudwatch.batches(queries):
                step = "get-metric-data"
                for page in client.get_paginator("get_metric_data").paginate(
                    MetricDataQueries=[q.to_api() for q in batch], StartTime=start, EndTime=end
                ):
                    results.extend(page.get("MetricDataResults", []))
            points, marks = cloudwatch.to_points(results, by_id, high_water.get(scope, {}))
        except Exception as exc:
            kind, reason = classify(exc)
            fail(ScanFailure(account, region, kind, f"cloudwatch {step}: {reason}"))
            return
        with lock:
            harvest.cloudwatch_points[scope] = points
            harvest.cloudwatch_marks[scope] = marks
            harvest.cloudwatch_queries += len(queries)
            harvest.superseded += planned.superseded
            harvest.uncatalogued.update(planned.uncatalogued)

    with ThreadPoolExecutor(max_workers=options.concurrency, thread_name_prefix="metrics") as pool:
        scopes = [s for opened in pool.map(open_account, targets) for s in opened]
        listed = [a for found in pool.map(list_scope, scopes) for a in found]
        list(pool.map(read_runs, listed))
        apps_by_scope: dict[str, dict[str, Application]] = {}
        for app, _ in listed:
            apps_by_scope.setdefault(app.scope, {})[app.application_id] = app
        listed_scopes = [s for s in scopes if f"{s[0]}/{s[1]}" in harvest.scanned_scopes]
        list(pool.map(lambda s: read_cloudwatch(s, apps_by_scope.get(f"{s[0]}/{s[1]}", {})), listed_scopes))

    harvest.applications = sorted(
        (a for a, _ in listed), key=lambda a: (a.account_id, a.region, a.name, a.application_id)
    )
    harvest.failures.sort(key=lambda f: f.target)
    harvest.api_calls = dict(sorted(calls.counts.items()))
    return harvest


def _vcpu_quota(client: Any) -> tuple[float, str | None] | None:
    """The applied quota (or AWS's default where none was applied) and the statistic Service Quotas
    recommends for its usage metric."""
    try:
        quota = client.get_service_quota(ServiceCode=VCPU_QUOTA_SERVICE, QuotaCode=VCPU_QUOTA_CODE)["Quota"]
    except Exception as exc:
        if error_code(exc) != "NoSuchResourceException":
            raise
        quota = client.get_aws_default_service_quota(ServiceCode=VCPU_QUOTA_SERVICE, QuotaCode=VCPU_QUOTA_CODE)["Quota"]
    value = quota.get("Value")
    if value is None:
        return None
    statistic = (quota.get("UsageMetric") or {}).get("MetricStatisticRecommendation")
    return float(value), str(statistic) if statistic else None
