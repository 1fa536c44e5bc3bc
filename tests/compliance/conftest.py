"""Fixtures for the scanner: an EMR Serverless estate on the moto server, the fault proxy, PagerDuty."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from emrs_observe.defaults.render import RenderRequest, render_properties
from tests.compliance.aws_proxy import AwsFaultProxy
from tests.servers.pagerduty import PagerDutyReceiver, TlsPagerDutyReceiver, self_signed_cert

ROUTING_KEY = "R0UT1NGKEYdoNotLeak0000000000042"
_ACCOUNTS = itertools.count(random.Random().randrange(10**10, 9 * 10**10) * 100)


def new_account() -> str:
    """A fresh 12-digit account id: moto keeps one backend per account, so tests never collide."""
    return f"{next(_ACCOUNTS):012d}"[-12:]


def role_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:role/emrs-observe-scanner"


def compliant_props(release: str = "emr-7.2.0", lineage_agent: str | None = None, **overrides: str) -> dict[str, str]:
    props = render_properties(
        RenderRequest(
            release_label=release,
            plugin_jar="s3://artifacts/jars/emrs-observe-plugin-0.1.0.jar",
            lineage_location="s3://lineage-bucket/spline/",
            vault_addr="https://vault.example.com:8200",
            vault_role="emr-serverless",
            tags=(("team", "data"),),
            spline_jar="s3://artifacts/jars/",
            lineage_agent=lineage_agent,
            openlineage_jar="s3://artifacts/jars/",
            aws_region="eu-west-1",
        )
    )
    props.update(overrides)
    return props


def spark_defaults(props: dict[str, str]) -> list[dict[str, Any]]:
    return [{"classification": "spark-defaults", "properties": props}]


class Estate:
    """Creates applications in moto through boto3 and sets what moto drops (runtimeConfiguration)."""

    def __init__(self, moto_url: str) -> None:
        self.moto_url = moto_url
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, account: str, region: str) -> Any:
        import boto3

        if (account, region) not in self._clients:
            sts = boto3.client("sts", endpoint_url=self.moto_url, region_name=region)
            creds = sts.assume_role(RoleArn=role_arn(account), RoleSessionName="estate-setup")["Credentials"]
            self._clients[(account, region)] = boto3.client(
                "emr-serverless",
                endpoint_url=self.moto_url,
                region_name=region,
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
        return self._clients[(account, region)]

    def create(
        self,
        account: str,
        region: str,
        name: str,
        runtime: Any = None,
        release: str = "emr-7.2.0",
        app_type: str = "SPARK",
    ) -> str:
        # moto accepts only emr-<d>.<dd>.0 labels: AWS's emr-spark-8.0.0 is set on its backend
        moto_label = release if re.match(r"^emr-\d\.\d{1,2}\.0$", release) else "emr-7.2.0"
        app_id: str = self.client(account, region).create_application(
            name=name, releaseLabel=moto_label, type=app_type
        )["applicationId"]
        if moto_label != release:
            from moto.backends import get_backend

            get_backend("emr-serverless")[account][region].applications[app_id].release_label = release
        if runtime is not None:
            self.set_runtime(account, region, app_id, runtime)
        return app_id

    def set_runtime(self, account: str, region: str, app_id: str, runtime: Any) -> None:
        from moto.backends import get_backend

        application = get_backend("emr-serverless")[account][region].applications[app_id]
        # moto's Application does not declare runtimeConfiguration (it drops it on CreateApplication),
        # but its response serializer sends the attribute when it is set.
        application.runtime_configuration = runtime  # type: ignore[attr-defined]

    def start_job_run(
        self,
        account: str,
        region: str,
        app_id: str,
        name: str,
        submit_parameters: str | None = None,
        overrides: dict[str, Any] | None = None,
        created_by: str = "arn:aws:iam::123456789012:user/jane",
        created_at: dt.datetime | None = None,
    ) -> str:
        """StartJobRun through boto3, then what moto leaves out: createdBy, and a createdAt to the
        second (moto stamps every job run with midnight of the day)."""
        from moto.backends import get_backend

        driver: dict[str, Any] = {"entryPoint": "s3://jobs/main.py"}
        if submit_parameters is not None:
            driver["sparkSubmitParameters"] = submit_parameters
        kwargs: dict[str, Any] = {"configurationOverrides": overrides} if overrides else {}
        run_id: str = self.client(account, region).start_job_run(
            applicationId=app_id,
            executionRoleArn=f"arn:aws:iam::{account}:role/emr-jobs",
            name=name,
            jobDriver={"sparkSubmit": driver},
            **kwargs,
        )["jobRunId"]
        run = get_backend("emr-serverless")[account][region].get_job_run(app_id, run_id)
        run.created_by = created_by
        at = created_at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        run.created_at = at.astimezone(dt.timezone.utc).replace(tzinfo=None)  # moto keeps naive UTC times
        return run_id


@pytest.fixture
def estate(aws_env: str) -> Estate:
    return Estate(aws_env)


@pytest.fixture
def aws_proxy(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsFaultProxy]:
    proxy = AwsFaultProxy(aws_env).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)  # the scanner goes through the proxy
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def pagerduty(monkeypatch: pytest.MonkeyPatch, tls_cert: tuple[Path, Path]) -> Iterator[PagerDutyReceiver]:
    receiver = TlsPagerDutyReceiver(*tls_cert).start()
    monkeypatch.setenv("EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY", ROUTING_KEY)
    monkeypatch.setenv("EMRS_OBSERVE_PAGERDUTY_URL", receiver.url)
    monkeypatch.setenv("EMRS_OBSERVE_PAGERDUTY_CA_BUNDLE", str(tls_cert[0]))
    try:
        yield receiver
    finally:
        receiver.stop()


def run_cli(*args: str) -> Result:
    from emrs_observe.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def scan_json(*scan_args: str, config: Path | None = None) -> tuple[int, dict[str, Any], str]:
    """Runs `compliance scan --format json`; returns exit code, the parsed report and all output."""
    head = ["--config", str(config)] if config else []
    result = run_cli(*head, "compliance", "scan", "--format", "json", *scan_args)
    return result.exit_code, json.loads(result.stdout), result.output


def write_inventory(path: Path, docs: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps([{"application": d} for d in docs]))
    return path


def app_doc(
    runtime: Any,
    app_id: str = "00fabc123",
    account: str = "111111111111",
    region: str = "eu-west-1",
    release: str = "emr-7.2.0",
    name: str = "job",
) -> dict[str, Any]:
    return {
        "applicationId": app_id,
        "name": name,
        "arn": f"arn:aws:emr-serverless:{region}:{account}:/applications/{app_id}",
        "releaseLabel": release,
        "type": "Spark",
        "state": "CREATED",
        "createdAt": "2026-01-02T03:04:05+00:00",
        "runtimeConfiguration": runtime,
    }
