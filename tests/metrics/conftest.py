"""Fixtures for the metrics collector: an EMR Serverless estate with finished job runs and CloudWatch
figures on the moto server, the fault proxy in front of it answering what moto lacks (Price List,
Service Quotas), and a local Datadog API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.compliance.aws_proxy import AwsFaultProxy
from tests.compliance.conftest import Estate, role_arn
from tests.metrics.aws_answers import PriceList, Quotas
from tests.servers.datadog_api import DatadogApi

DD_KEY = "ddapikey0123456789abcdef01234567"
DD_APP_KEY = "ddappkey0123456789abcdef0123456789abcdef"
UTC = dt.timezone.utc


def minute(delta_minutes: float = 0) -> dt.datetime:
    now = dt.datetime.now(UTC).replace(second=0, microsecond=0)
    return now + dt.timedelta(minutes=delta_minutes)


@pytest.fixture(autouse=True)
def moto_lists_architecture(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's ListApplications leaves out `architecture`, which AWS's ApplicationSummary has (botocore
    model): add it from the application, as the set-up of what moto drops elsewhere does."""
    from moto.emrserverless.responses import EMRServerlessResponse

    original = EMRServerlessResponse.list_applications

    def with_architecture(self: EMRServerlessResponse) -> Any:
        result = original(self)
        for summary in result.result["applications"]:  # type: ignore[index]
            app = self.emrserverless_backend.applications[summary["id"]]
            summary["architecture"] = getattr(app, "architecture", "X86_64")
        return result

    monkeypatch.setattr(EMRServerlessResponse, "list_applications", with_architecture)


class MetricsEstate(Estate):
    """Applications, job runs in any state with what GetJobRun reports of finished runs, and
    CloudWatch points, created through boto3 where moto has the API and on its backend where it drops
    a field."""

    def app(self, account: str, region: str, name: str, release: str = "emr-7.2.0",
            architecture: str = "X86_64") -> str:
        from moto.backends import get_backend

        app_id = self.create(account, region, name, release=release)
        application = get_backend("emr-serverless")[account][region].applications[app_id]
        application.architecture = architecture  # type: ignore[attr-defined]  # moto drops it
        return app_id

    def run(self, account: str, region: str, app_id: str, name: str, created_at: dt.datetime,
            tags: dict[str, str] | None = None, running: bool = False, **final: Any) -> str:
        """A job run created at `created_at`; finished (`finish`'s arguments) unless `running`."""
        from moto.backends import get_backend

        run_id: str = self.client(account, region).start_job_run(
            applicationId=app_id, executionRoleArn=f"arn:aws:iam::{account}:role/emr-jobs", name=name,
            jobDriver={"sparkSubmit": {"entryPoint": "s3://jobs/main.py"}}, tags=tags or {},
        )["jobRunId"]
        job = get_backend("emr-serverless")[account][region].get_job_run(app_id, run_id)
        job.created_at = created_at.astimezone(UTC).replace(tzinfo=None)  # moto keeps naive UTC times
        job.created_by = f"arn:aws:iam::{account}:role/airflow"
        job.state = "RUNNING"
        job.billed_resource_utilization = None  # type: ignore[assignment]  # AWS has none while it runs
        if not running:
            self.finish(account, region, app_id, run_id, **final)
        return run_id

    def finish(self, account: str, region: str, app_id: str, run_id: str, state: str = "SUCCESS",
               minutes: float = 10.0, billed: tuple[float, float, float] | None = (1.0, 4.0, 0.0),
               queued_ms: int = 0, attempt: int = 1, start_delay_s: float = 30.0) -> None:
        """What AWS reports of a finished run (moto leaves these out of its JobRun)."""
        from moto.backends import get_backend

        job = get_backend("emr-serverless")[account][region].get_job_run(app_id, run_id)
        started = job.created_at + dt.timedelta(seconds=start_delay_s)
        ended = started + dt.timedelta(minutes=minutes)
        job.state = state
        job.started_at = started  # type: ignore[attr-defined]
        job.ended_at = ended  # type: ignore[attr-defined]
        job.updated_at = ended + dt.timedelta(seconds=2)
        job.total_execution_duration_seconds = int(minutes * 60)
        job.queued_duration_milliseconds = queued_ms  # type: ignore[attr-defined]
        job.attempt = attempt  # type: ignore[attr-defined]
        figures = None if billed is None else {"vCPUHour": billed[0], "memoryGBHour": billed[1],
                                                "storageGBHour": billed[2]}
        job.billed_resource_utilization = figures  # type: ignore[assignment]

    def metric(self, account: str, region: str, name: str, dims: dict[str, str],
               values: list[tuple[dt.datetime, float]], namespace: str = "AWS/EMRServerless") -> None:
        self.metrics(account, region, [(name, dims, at, value) for at, value in values], namespace)

    def metrics(self, account: str, region: str, data: list[tuple[str, dict[str, str], dt.datetime, float]],
                namespace: str = "AWS/EMRServerless") -> None:
        """PutMetricData as the account (what EMR Serverless publishes there), 500 a call."""
        import boto3

        creds = boto3.client("sts", endpoint_url=self.moto_url, region_name=region).assume_role(
            RoleArn=role_arn(account), RoleSessionName="publisher")["Credentials"]
        cw = boto3.client("cloudwatch", endpoint_url=self.moto_url, region_name=region,
                          aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                          aws_session_token=creds["SessionToken"])
        # Dimensions in name order: moto matches a query's dimensions to the stored ones by sorting both
        # with a Dimension.__lt__ that is not an order (moto 5.2 compares a value with a name), so the
        # two only agree when they arrive in the same order. AWS does not care.
        entries = [{"MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(dims.items())],
                    "Timestamp": at, "Value": value} for name, dims, at, value in data]
        for i in range(0, len(entries), 500):
            cw.put_metric_data(Namespace=namespace, MetricData=entries[i : i + 500])


@pytest.fixture
def estate(aws_env: str) -> MetricsEstate:
    return MetricsEstate(aws_env)


@pytest.fixture
def prices() -> PriceList:
    return PriceList.from_fixtures()


@pytest.fixture
def quotas() -> Quotas:
    return Quotas()


@pytest.fixture
def aws(aws_env: str, monkeypatch: pytest.MonkeyPatch, prices: PriceList, quotas: Quotas) -> Iterator[AwsFaultProxy]:
    proxy = AwsFaultProxy(aws_env)
    proxy.answer = {"pricing": prices, "servicequotas": quotas}
    proxy.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def datadog(monkeypatch: pytest.MonkeyPatch) -> Iterator[DatadogApi]:
    server = DatadogApi(api_key=DD_KEY, app_key=DD_APP_KEY).start()
    monkeypatch.setenv("DD_API_KEY", DD_KEY)
    monkeypatch.setenv("EMRS_OBSERVE_DATADOG_URL", server.url)
    monkeypatch.delenv("DD_APP_KEY", raising=False)
    try:
        yield server
    finally:
        server.stop()


def write_config(path: Path, accounts: list[dict[str, Any]], regions: tuple[str, ...] = ("eu-west-1",),
                 **collect: Any) -> Path:
    lines = ["[compliance.scan]", "regions = " + json.dumps(list(regions)), ""]
    for account in accounts:
        lines.append("[[compliance.scan.accounts]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in account.items()]
        lines.append("")
    lines.append("[metrics.collect]")
    lines += [f"{k} = {json.dumps(v)}" for k, v in collect.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_cli(*args: str) -> Result:
    from emrs_observe.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def collect_json(config: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = run_cli("--config", str(config), "metrics", "collect", "--format", "json", *args)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"not a JSON report (exit {result.exit_code}):\n{result.output}") from None
    return result.exit_code, report, result.output


def by_job(points: list[tuple[int, float, tuple[str, ...]]]) -> dict[str, list[float]]:
    """Values per job_name tag."""
    out: dict[str, list[float]] = {}
    for _, value, tags in points:
        name = next(t.split(":", 1)[1] for t in tags if t.startswith("job_name:"))
        out.setdefault(name, []).append(value)
    return out
