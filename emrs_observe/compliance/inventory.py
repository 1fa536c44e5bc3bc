"""The EMR Serverless inventory: from AWS (STS assume-role, list, get) or from an exported file.

This is the scanner's only AWS I/O. Concurrency is bounded by one thread pool; every HTTP request
is counted per operation (retries included) so the report can say what a scan cost. A part of the
estate that cannot be read becomes a ScanFailure with its reason, never a silent gap.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emrs_observe.compliance.jobruns import audit_job_run, failing_rules, job_run_from_api
from emrs_observe.compliance.model import Application, Inventory, JobRunFinding, JobRunMark, ScanFailure
from emrs_observe.compliance.rules import application_context, evaluate
from emrs_observe.compliance.settings import AccountTarget


class InventoryError(ValueError):
    """An exported inventory file that cannot be used; names the file and the entry."""


@dataclass(frozen=True)
class AwsOptions:
    concurrency: int = 8
    max_attempts: int = 5  # per request, first try included (botocore "standard" retry mode)
    page_size: int = 50  # ListApplications / ListJobRuns maxResults (the API's maximum)
    session_name: str = "emrs-observe-compliance"
    job_runs: bool = True  # also audit the job runs created since the last scan
    job_run_lookback: dt.timedelta = dt.timedelta(hours=24)  # for an application with no mark yet


class JobRunAuditor:
    """Audits one application's job runs as they are read and keeps only those that lost
    observability, so memory does not grow with the number of job runs."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self.context = application_context(application)
        self.failing = failing_rules(evaluate(application))
        self.findings: list[JobRunFinding] = []
        self.audited = 0

    def audit(self, doc: dict[str, Any], where: str) -> None:
        try:
            job_run = job_run_from_api(doc, where)
        except ValueError as exc:
            raise InventoryError(str(exc)) from None
        self.audited += 1
        found = audit_job_run(self.application, job_run, self.context, self.failing)
        if found is not None:
            self.findings.append(found)

    def store(self, inventory: Inventory) -> None:
        key = self.application.key
        inventory.job_runs_audited[key] = inventory.job_runs_audited.get(key, 0) + self.audited
        if self.findings:
            inventory.job_runs.setdefault(key, []).extend(self.findings)


# --- the exported-file form ------------------------------------------------------------------------


def load_inventory_file(path: str | Path) -> Inventory:
    """A JSON array of `aws emr-serverless get-application` responses, `[{"application": {...}}, ...]`,
    and optionally `get-job-run` responses, `{"jobRun": {...}}`, of those applications."""
    file = Path(path)
    try:
        # utf-8-sig: Windows tools start UTF-8 files with a byte-order mark
        data = json.loads(file.read_text("utf-8-sig"))
    except FileNotFoundError:
        raise InventoryError(f"inventory file {file} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"inventory file {file} cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InventoryError(f"inventory file {file} is not valid JSON: {exc}") from None
    except RecursionError:
        raise InventoryError(f"inventory file {file} nests arrays or objects too deeply to be an inventory") from None
    if not isinstance(data, list):
        raise InventoryError(
            f"inventory file {file}: expected a JSON array of get-application responses "
            '([{"application": {...}}, ...]), found a JSON ' + type(data).__name__
        )
    inventory = Inventory()
    job_runs: list[tuple[str, dict[str, Any]]] = []
    for index, item in enumerate(data):
        where = f"inventory file {file}, entry [{index}]"
        if isinstance(item, dict) and isinstance(item.get("jobRun"), dict):
            job_runs.append((where, item["jobRun"]))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("application"), dict):
            raise InventoryError(
                f'{where}: expected {{"application": {{...}}}} as get-application prints it '
                '(or {"jobRun": {...}} as get-job-run prints it)'
            )
        inventory.applications.append(application_from_api(item["application"], where))
    auditors: dict[str, JobRunAuditor] = {}
    by_id = {a.application_id: a for a in inventory.applications}
    for where, doc in job_runs:
        app = by_id.get(str(doc.get("applicationId")))
        if app is None:
            raise InventoryError(
                f"{where}: job run of application {doc.get('applicationId')!r}, which is not in the file; "
                "add its get-application response (the job run is checked against its defaults)"
            )
        if app.type.upper() != "SPARK":
            continue
        if app.key not in auditors:
            auditors[app.key] = JobRunAuditor(app)
        auditors[app.key].audit(doc, where)
    for auditor in auditors.values():
        auditor.store(inventory)
    return inventory


def application_from_api(doc: dict[str, Any], where: str) -> Application:
    arn = doc.get("arn")
    app_id = doc.get("applicationId") or doc.get("id")
    if not isinstance(arn, str) or not isinstance(app_id, str):
        raise InventoryError(f"{where}: `applicationId` and `arn` are required")
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "emr-serverless" or not parts[4].isdigit():
        raise InventoryError(f"{where}: arn {arn!r} is not an EMR Serverless application ARN")
    release = doc.get("releaseLabel")
    if not isinstance(release, str):
        raise InventoryError(f"{where}: `releaseLabel` is required")
    created = doc.get("createdAt")
    if isinstance(created, dt.datetime):
        created = created.isoformat()
    elif created is not None:
        created = str(created)
    return Application(
        account_id=parts[4],
        region=parts[3],
        application_id=app_id,
        name=str(doc.get("name") or ""),
        arn=arn,
        release_label=release,
        type=str(doc.get("type") or "SPARK"),
        state=str(doc.get("state") or "UNKNOWN"),
        created_at=created,
        runtime_configuration=doc.get("runtimeConfiguration"),
    )


# --- the AWS form ---------------------------------------------------------------------------------

_THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "ExpiredToken"}
_REGION_OFF = {"UnrecognizedClientException", "InvalidClientTokenId", "OptInRequired", "AuthFailure"}


def classify(exc: BaseException) -> tuple[str, str]:
    """(kind, reason) for a failed AWS call; the reason is AWS's message, which carries no secret."""
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        reason = f"{code}: {error.get('Message', '')}".strip(": ")
        if code in _THROTTLED:
            return "throttled", f"{reason} (still throttled after retries)"
        if code in _DENIED:
            return "access-denied", reason
        if code in _REGION_OFF:
            return "region-disabled", f"{reason} (is the region enabled for this account?)"
        return "error", reason
    if isinstance(exc, EndpointConnectionError):
        return "unreachable", str(exc)
    if isinstance(exc, BotoCoreError):
        return "error", str(exc)
    return "error", f"{type(exc).__name__}: {exc}"


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


error_code = _code  # for other readers of the estate (emrs_observe.metrics)


class ApiCalls:
    """HTTP requests per operation, retries included (botocore's before-send event)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def hook(self, event_name: str, **_: Any) -> None:
        with self._lock:
            self.counts[event_name.rsplit(".", 1)[-1]] += 1



class AccountOpener:
    """The role chain every reader of the estate uses: per account, STS AssumeRole (with the external
    id) from the ambient credentials, or the ambient credentials themselves after checking with
    GetCallerIdentity that they are the configured account. STS is called in the caller's own region
    (an opt-in region of the target may not answer STS)."""

    def __init__(self, make_session: Callable[..., Any], config: Any, calls: ApiCalls, session_name: str) -> None:
        self._make_session = make_session
        self._config = config
        self._calls = calls
        self._session_name = session_name
        self.lock = threading.Lock()  # boto3 sessions are not thread-safe when creating clients

    def session(self, **kwargs: Any) -> Any:
        with self.lock:
            return self._make_session(**kwargs)

    def client(self, session: Any, service: str, region: str) -> Any:
        with self.lock:
            made = session.client(service, region_name=region, config=self._config)
        made.meta.events.register("before-send", self._calls.hook)
        return made

    def open(self, target: AccountTarget) -> tuple[Any, ScanFailure | None]:
        """(session for the account, None), or (None, why it cannot be read)."""
        base = self.session()
        sts_region = base.region_name or "us-east-1"
        try:
            if target.role_arn:
                kwargs: dict[str, Any] = {"RoleArn": target.role_arn, "RoleSessionName": self._session_name}
                if target.external_id:
                    kwargs["ExternalId"] = target.external_id
                step = f"assume-role {target.role_arn}"
                creds = self.client(base, "sts", sts_region).assume_role(**kwargs)["Credentials"]
                return self.session(
                    aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds["SecretAccessKey"],
                    aws_session_token=creds["SessionToken"],
                ), None
            step = "get-caller-identity"
            actual = self.client(base, "sts", sts_region).get_caller_identity()["Account"]
            if actual != target.account_id:
                return None, ScanFailure(
                    target.account_id, None, "wrong-account",
                    f"the credentials in use belong to account {actual}; give a role_arn",
                )
            return base, None
        except Exception as exc:  # every failure is reported, none is fatal
            kind, reason = classify(exc)
            return None, ScanFailure(target.account_id, None, kind, f"{step}: {reason}")


@dataclass
class _Scope:
    target: AccountTarget
    region: str
    client: Any = None


def _parse_time(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def scan_accounts(
    targets: Iterable[AccountTarget],
    options: AwsOptions | None = None,
    session_factory: Callable[..., Any] | None = None,
    job_run_marks: dict[str, JobRunMark] | None = None,
    now: dt.datetime | None = None,
) -> Inventory:
    """Lists and reads every application in every account and region, and the job runs created
    since each application's mark (`job_run_marks`, from the last scan); failures are recorded."""
    import boto3
    from botocore.config import Config

    options = options or AwsOptions()
    make_session = session_factory or boto3.Session
    config = Config(
        retries={"total_max_attempts": options.max_attempts, "mode": "standard"},
        max_pool_connections=max(options.concurrency, 10),
        connect_timeout=10,
        read_timeout=30,
    )
    calls = ApiCalls()
    targets = list(targets)
    inventory = Inventory(configured_scopes={f"{t.account_id}/{r}" for t in targets for r in t.regions})
    opener = AccountOpener(make_session, config, calls, options.session_name)
    lock = opener.lock
    client = opener.client

    def fail(failure: ScanFailure) -> None:
        with lock:
            inventory.failures.append(failure)

    def open_account(target: AccountTarget) -> list[_Scope]:
        session, failure = opener.open(target)
        if failure is not None:
            fail(failure)
            return []
        return [_Scope(target, region, client(session, "emr-serverless", region)) for region in target.regions]

    def list_scope(scope: _Scope) -> list[tuple[_Scope, dict[str, Any]]]:
        found: list[tuple[_Scope, dict[str, Any]]] = []
        try:
            pages = scope.client.get_paginator("list_applications").paginate(
                PaginationConfig={"PageSize": options.page_size}
            )
            for page in pages:
                found.extend((scope, summary) for summary in page.get("applications", []))
        except Exception as exc:
            kind, reason = classify(exc)
            fail(ScanFailure(scope.target.account_id, scope.region, kind, f"list-applications: {reason}"))
            return []
        with lock:
            inventory.scanned_scopes.add(f"{scope.target.account_id}/{scope.region}")
        return found

    def read_app(item: tuple[_Scope, dict[str, Any]]) -> Application | None:
        scope, summary = item
        where = f"account {scope.target.account_id} region {scope.region}"
        try:
            if summary.get("state") == "TERMINATED":
                return None  # deleted: nothing runs there any more
            if str(summary.get("type", "")).upper() != "SPARK":
                return application_from_api(summary, where)  # rules apply to Spark only: no get needed
            doc = scope.client.get_application(applicationId=summary["id"])["application"]
            return application_from_api(doc, where)
        except Exception as exc:  # every failure is reported, none is fatal
            if _code(exc) == "ResourceNotFoundException":
                return None  # deleted between the list and the get: nothing left to check
            kind, reason = classify(exc)
            fail(
                ScanFailure(
                    scope.target.account_id, scope.region, kind, f"get-application: {reason}", summary.get("id")
                )
            )
            return None

    marks = job_run_marks or {}
    started = now or dt.datetime.now(dt.timezone.utc)

    def audit_job_runs(app: Application, client: Any) -> None:
        """ListJobRuns from the application's mark, then GetJobRun for each run not audited yet."""
        mark = marks.get(app.key)
        after = _parse_time(mark.created_at) if mark else None
        if after is None:
            after = started - options.job_run_lookback
        skip = set(mark.ids) if mark and _parse_time(mark.created_at) else set()
        newest, newest_ids = after, set(skip)
        auditor = JobRunAuditor(app)
        step = "list-job-runs"
        try:
            pages = client.get_paginator("list_job_runs").paginate(
                applicationId=app.application_id,
                createdAtAfter=after,
                PaginationConfig={"PageSize": options.page_size},
            )
            for page in pages:
                for summary in page.get("jobRuns", []):
                    run_id = summary.get("id")
                    created = summary.get("createdAt")
                    if not isinstance(created, dt.datetime):
                        created = _parse_time(str(created)) or after
                    if run_id in skip:
                        continue
                    step = f"get-job-run {run_id}"
                    doc = client.get_job_run(applicationId=app.application_id, jobRunId=run_id)["jobRun"]
                    auditor.audit(doc, f"account {app.account_id} region {app.region} application {app.application_id}")
                    if created > newest:
                        newest, newest_ids = created, {run_id}
                    elif created == newest:
                        newest_ids.add(run_id)
                    step = "list-job-runs"
        except Exception as exc:  # the mark stays: the next scan reads these job runs again
            if step == "list-job-runs" and _code(exc) == "ResourceNotFoundException" and not auditor.audited:
                # Deleted since GetApplication: nothing runs there. (moto also answers this for an
                # application that never had a job run.)
                return
            kind, reason = classify(exc)
            fail(ScanFailure(app.account_id, app.region, kind, f"{step}: {reason}", app.application_id))
            with lock:
                auditor.store(inventory)
            return
        with lock:
            auditor.store(inventory)
            inventory.job_run_marks[app.key] = JobRunMark(newest.isoformat(), tuple(sorted(newest_ids)))

    def read_and_audit(item: tuple[_Scope, dict[str, Any]]) -> Application | None:
        app = read_app(item)
        if app is not None and options.job_runs and app.type.upper() == "SPARK":
            audit_job_runs(app, item[0].client)
        return app

    with ThreadPoolExecutor(max_workers=options.concurrency, thread_name_prefix="inventory") as pool:
        scopes = [s for opened in pool.map(open_account, list(targets)) for s in opened]
        summaries = [item for listed in pool.map(list_scope, scopes) for item in listed]
        apps = [app for app in pool.map(read_and_audit, summaries) if app is not None]

    inventory.applications.extend(sorted(apps, key=lambda a: (a.account_id, a.region, a.name, a.application_id)))
    inventory.failures.sort(key=lambda f: f.target)
    inventory.api_calls = dict(sorted(calls.counts.items()))
    return inventory
