"""The example DAG under real Airflow against moto: what the job runs receive, and as whom."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import boto3
import pytest

from emrs_observe.airflow import naming
from emrs_observe.defaults import contract as c
from tests.airflow.conftest import REGION, Team, rendered_fields, run_dag, xcom
from tests.airflow.emr_proxy import EmrJobProxy
from tests.compliance.aws_proxy import _CREDENTIAL


def _example_dag() -> object:
    from examples.airflow.emr_serverless_spark import dag

    return dag


def test_example_dag_submits_merged_conf_as_the_team_role(
    airflow_db: Path, team: Team, aws_proxy: EmrJobProxy, capfd: pytest.CaptureFixture[str]
) -> None:
    dag = _example_dag()
    outcome = run_dag(dag)
    assert outcome.state == "success", capfd.readouterr().out[-5000:]
    assert outcome.tries == {"daily_orders": ("success", 1), "orders_report": ("success", 1)}

    jar, py = aws_proxy.started
    # Every EMR Serverless call was made in the team's account, as the team's role.
    assert jar["account"] == py["account"] == team.account
    assume = [parse_qs(r.body.decode()) for r in aws_proxy.requests if b"Action=AssumeRole" in r.body]
    assert {(a["RoleArn"][0], a["RoleSessionName"][0]) for a in assume} == {
        (team.emr_role, "airflow.emrs_observe_example.daily_orders"),
        (team.emr_role, "airflow.emrs_observe_example.orders_report"),
    }

    # Read back through the API as the team (moto keeps one backend per account).
    creds = boto3.client("sts", region_name=REGION, endpoint_url=aws_proxy.url).assume_role(
        RoleArn=team.emr_role, RoleSessionName="check"
    )["Credentials"]
    emr = boto3.client(
        "emr-serverless",
        region_name=REGION,
        endpoint_url=aws_proxy.url,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    run = emr.get_job_run(applicationId=team.application_id, jobRunId=jar["jobRunId"])["jobRun"]
    submit = run["jobDriver"]["sparkSubmit"]
    assert submit["entryPoint"] == "s3://acme-artifacts/orders/1.4/app.jar"
    assert submit["sparkSubmitParameters"] == "--class com.acme.Orders"
    date = outcome.run_id  # the ds the task rendered is the run's logical date
    assert submit["entryPointArguments"][0] == "--date" and submit["entryPointArguments"][1] in date
    (defaults,) = run["configurationOverrides"]["applicationConfiguration"]
    props = defaults["properties"]
    # The job's jar is added to the application's plugin jar and Spline bundle, which stay first.
    assert props[c.SPARK_JARS] == team.props[c.SPARK_JARS] + ",s3://acme-artifacts/orders/1.4/deps.jar"
    assert props["spark.executor.memory"] == "8g"
    assert set(props) == {c.SPARK_JARS, "spark.executor.memory"}  # the rest comes from the application
    assert run["tags"] == {
        "owner": "team-a",
        "airflow:dag_id": "emrs_observe_example",
        "airflow:task_id": "daily_orders",
    }
    assert run["executionRole"] == team.execution_role
    assert jar["executionTimeoutMinutes"] == 65  # Airflow's hour, plus the margin
    assert jar["clientToken"] == naming.client_token("emrs_observe_example", "daily_orders", outcome.run_id, 1)

    pyrun = emr.get_job_run(applicationId=team.application_id, jobRunId=py["jobRunId"])["jobRun"]
    pysubmit = pyrun["jobDriver"]["sparkSubmit"]
    assert pysubmit["entryPoint"].endswith("/report.py")
    assert pysubmit["sparkSubmitParameters"] == (
        "--py-files s3://acme-artifacts/orders/1.4/orders_lib.zip "
        "--archives s3://acme-artifacts/orders/1.4/pyenv.tar.gz#environment"
    )

    # The Spark UI link asks GetDashboardForJobRun as the team role, in the team's account (moto does not
    # implement the call, so the link itself stays empty here).
    dashboard = [r for r in aws_proxy.requests if r.path.endswith(f"/jobruns/{jar['jobRunId']}/dashboard")]
    assert dashboard, "the Spark UI link was never asked for"
    credentials = [_CREDENTIAL.search(r.header("Authorization") or "") for r in dashboard]
    assert all(credentials), "a GetDashboardForJobRun request without SigV4 credentials"
    keys = {c.group(1) for c in credentials if c}
    assert {aws_proxy.key_account.get(k) for k in keys} == {team.account}

    # The UI's rendered fields show the configuration actually submitted, merged.
    rendered = rendered_fields("emrs_observe_example", outcome.run_id, "daily_orders")
    assert rendered["configuration_overrides"]["applicationConfiguration"][0]["properties"] == props

    # The Datadog link filters on the job run id tag the plugin sets, on the application's site.
    link = xcom("emrs_observe_example", outcome.run_id, "daily_orders", "_link_DatadogLogsLink")
    assert link.startswith("https://app.datadoghq.eu/logs?")
    assert parse_qs(link.split("?", 1)[1])["query"] == [f"emr_job_run_id:{jar['jobRunId']}"]
