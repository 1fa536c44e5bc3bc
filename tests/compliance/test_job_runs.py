"""Job runs on the moto server: what a job passes itself can drop what its application gives it.

Each job run is started with boto3's StartJobRun (moto keeps its sparkSubmitParameters and
configurationOverrides); createdBy and a createdAt to the second are set on moto's backend, as
moto leaves them out. The scanner reads them through the fault proxy with ListJobRuns
(createdAtAfter) and GetJobRun, exactly as it reads AWS.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tests.compliance.aws_proxy import AwsFaultProxy
from tests.compliance.conftest import (
    ROUTING_KEY,
    Estate,
    compliant_props,
    new_account,
    role_arn,
    scan_json,
    spark_defaults,
)
from tests.compliance.test_scan_aws import keys, write_config
from tests.servers.pagerduty import PagerDutyReceiver

LISTENER = "za.co.absa.spline.harvester.listener.SplineQueryExecutionListener"
OURS = (
    "s3://artifacts/jars/emrs-observe-plugin-0.1.0.jar,s3://artifacts/jars/spark-3.5-spline-agent-bundle_2.12-2.2.0.jar"
)
DD_KEY = "0123456789abcdef0123456789abcdef"
JANE = "arn:aws:iam::123456789012:user/jane"
BOB = "arn:aws:sts::123456789012:assumed-role/airflow/bob"


def test_job_runs_that_drop_observability_are_reported_with_their_submitter_once_per_application(
    tmp_path: Path, estate: Estate, aws_proxy: AwsFaultProxy, pagerduty: PagerDutyReceiver
) -> None:
    account, region = new_account(), "eu-west-1"
    app = estate.create(account, region, "orders", spark_defaults(compliant_props()))
    clean = estate.create(account, region, "clean", spark_defaults(compliant_props()))
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=2)
    minute = iter(range(100))

    def run(name: str, params: str | None = None, who: str = JANE, at: dt.datetime | None = None,
            overrides: dict[str, Any] | None = None) -> str:
        at = at or start + dt.timedelta(minutes=next(minute))
        return estate.start_job_run(account, region, app, name, params, overrides=overrides, created_by=who,
                                    created_at=at)

    run("own-jars", "--jars s3://team/udfs.jar --conf spark.executor.memory=4g")
    run("own-listener", "--conf spark.sql.queryExecutionListeners=com.acme.AuditListener", who=BOB)
    run("own-default-java-options", "--conf=spark.driver.defaultJavaOptions=-Xss4m")
    run("quoted", "--name q --conf 'spark.sql.queryExecutionListeners=com.acme.A, com.acme.B' --verbose")
    run(
        "overrides-and-secret",
        overrides={
            "applicationConfiguration": [
                {"classification": "spark-defaults", "properties": {"spark.plugins.defaultList": "com.acme.P"}},
                {
                    "classification": "spark-env",
                    "configurations": [{"classification": "export", "properties": {"DD_API_KEY": DD_KEY}}],
                },
            ]
        },
    )
    # A job that brings its own plugin, Java options, jars and listener the way that keeps ours.
    run(
        "compliant",
        "--conf spark.plugins=org.apache.spark.scheduler.cluster.k8s.ExecutorRollPlugin "
        '--conf "spark.driver.extraJavaOptions=-XX:+UseG1GC -Dteam=orders" '
        f"--jars {OURS},s3://team/udfs.jar --conf spark.sql.queryExecutionListeners=' {LISTENER} ,com.acme.A'",
    )
    # Older than the first scan's look-back (24 h): not audited.
    run("three-days-ago", "--jars s3://team/old.jar", at=start - dt.timedelta(days=3))

    state = tmp_path / "state.json"
    config = write_config(tmp_path / "c.toml", [{"role_arn": role_arn(account), "regions": [region]}], [], state)
    code, report, output = scan_json(config=config)
    assert code == 3
    apps = {a["id"]: a for a in report["applications"]}
    assert apps[app]["status"] == "violation" and apps[app]["violations"] == []  # its own defaults are fine
    assert apps[clean]["status"] == "compliant" and apps[clean]["job_runs"] == {"audited": 0, "violating": []}
    assert apps[app]["job_runs"]["audited"] == 6
    found = {r["name"]: r for r in apps[app]["job_runs"]["violating"]}
    assert {n: sorted({v["rule"] for v in r["violations"]}) for n, r in found.items()} == {
        "own-jars": ["plugin-jar", "spline-bundle"],
        "own-listener": ["spline-listener"],
        "own-default-java-options": ["spline-java17-opens"],
        "quoted": ["spline-listener"],
        "overrides-and-secret": ["no-plaintext-secret", "plugin-registered"],
    }
    assert found["own-listener"]["created_by"] == BOB and found["own-jars"]["created_by"] == JANE
    assert found["own-jars"]["overrides"] == ["spark.jars"]
    assert (
        "its submitter should pass the application's value plus its own"
        in found["own-jars"]["violations"][0]["message"]
    )
    assert found["own-default-java-options"]["overrides"] == ["spark.driver.defaultJavaOptions"]
    secret = next(v for v in found["overrides-and-secret"]["violations"] if v["rule"] == "no-plaintext-secret")
    assert secret["severity"] == "critical" and "spark-env/export: DD_API_KEY" in secret["message"]
    assert report["summary"]["job_runs_violating"] == 5
    assert report["summary"]["job_run_violations_by_rule"]["spline-listener"] == 2

    # One alert for the application's job runs, not one per job run; the key never leaves us.
    events = pagerduty.events()
    runs_key = f"emrs-observe/job-runs/{account}/{region}/{app}"
    assert keys(events, "trigger") == {runs_key}
    (alert,) = events
    assert alert["payload"]["severity"] == "critical"
    assert "5 job run(s)" in alert["payload"]["summary"]
    assert DD_KEY not in output and DD_KEY not in str(events) and DD_KEY not in state.read_text()
    assert ROUTING_KEY not in output
    calls = aws_proxy.operations
    assert calls["emr-serverless:ListJobRuns"] == 2  # one per application: createdAtAfter does the rest
    assert calls["emr-serverless:GetJobRun"] == 6  # the one older than the look-back is not read

    # Second scan: only the new job run is read; it keeps observability, so the alert resolves.
    aws_proxy.reset_counts()
    pagerduty.clear()
    run("fixed", f"--jars {OURS},s3://team/udfs.jar", at=start + dt.timedelta(minutes=90))
    code, report, _ = scan_json(config=config)
    assert code == 0, report["applications"]
    assert aws_proxy.operations["emr-serverless:GetJobRun"] == 1
    assert {a["id"]: a["job_runs"]["audited"] for a in report["applications"]} == {app: 1, clean: 0}
    assert keys(pagerduty.events(), "resolve") == {runs_key}

    # Third scan, nothing new: nothing read, and nothing reported.
    aws_proxy.reset_counts()
    code, report, _ = scan_json(config=config)
    assert code == 0 and aws_proxy.operations["emr-serverless:GetJobRun"] == 0


def test_a_job_run_alert_stays_open_while_no_new_job_run_shows_it_fixed(
    tmp_path: Path, estate: Estate, aws_proxy: AwsFaultProxy, pagerduty: PagerDutyReceiver
) -> None:
    account, region = new_account(), "us-east-1"
    app = estate.create(account, region, "nightly", spark_defaults(compliant_props()))
    estate.start_job_run(account, region, app, "bad", "--jars s3://team/udfs.jar")
    config = write_config(
        tmp_path / "c.toml", [{"role_arn": role_arn(account), "regions": [region]}], [], tmp_path / "s.json"
    )
    assert scan_json(config=config)[0] == 3
    pagerduty.clear()
    code, report, _ = scan_json(config=config)
    assert code == 0 and report["summary"]["job_runs_audited"] == 0  # nothing new ran
    assert not keys(pagerduty.events(), "resolve"), "no job run has shown that the jobs were fixed"


def test_a_job_run_that_cannot_be_read_keeps_its_mark_and_is_read_again(
    tmp_path: Path, estate: Estate, aws_proxy: AwsFaultProxy, pagerduty: PagerDutyReceiver
) -> None:
    account, region = new_account(), "eu-west-1"
    app = estate.create(account, region, "etl", spark_defaults(compliant_props()))
    estate.start_job_run(account, region, app, "bad", "--conf spark.sql.queryExecutionListeners=x.Y")
    config = write_config(
        tmp_path / "c.toml", [{"role_arn": role_arn(account), "regions": [region]}], [], tmp_path / "s.json"
    )
    aws_proxy.throttle_apps.add(app)  # GetApplication of this application is throttled past retries
    code, report, _ = scan_json(config=config)
    assert code == 4 and report["not_scanned"][0]["application"] == app
    assert aws_proxy.operations["emr-serverless:GetJobRun"] == 0
    aws_proxy.throttle_apps.clear()
    code, report, _ = scan_json(config=config)
    assert code == 3 and report["summary"]["job_runs_violating"] == 1


def test_spark_4_job_runs_that_turn_openlineage_off_or_take_its_lineage_elsewhere_are_reported(
    tmp_path: Path, estate: Estate, aws_proxy: AwsFaultProxy, pagerduty: PagerDutyReceiver
) -> None:
    account, region = new_account(), "eu-west-1"
    props = compliant_props("emr-spark-8.0.0")
    app = estate.create(account, region, "spark4", spark_defaults(props), release="emr-spark-8.0.0")
    glue = estate.create(account, region, "glue", spark_defaults(compliant_props("emr-spark-8.2.0")),
                         release="emr-spark-8.2.0")
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=1)
    minute = iter(range(100))

    def run(app_id: str, name: str, params: str) -> None:
        at = start + dt.timedelta(minutes=next(minute))
        estate.start_job_run(account, region, app_id, name, params, created_at=at)

    run(app, "ol-off", "--conf spark.openlineage.disabled=true")
    run(app, "own-transport", "--conf spark.openlineage.transport.type=http --conf spark.openlineage.transport.url=x")
    run(app, "own-bucket", "--conf spark.openlineage.transport.location=s3://team-bucket/lineage/")
    run(app, "own-listener", "--conf spark.extraListeners=com.acme.AuditListener")
    run(app, "own-jars", "--jars s3://team/udfs.jar")
    # What a job may set: the parent keys that link its run to the Airflow task, our own Vault keys,
    # and its listener added to the application's (as the Airflow operator merges it)
    run(
        app,
        "fine",
        "--conf spark.openlineage.parentJobName=orders.load --conf spark.emrs.observe.vault.secretField=api_key "
        f"--conf spark.extraListeners={props['spark.extraListeners']},com.acme.AuditListener",
    )
    # On emr-spark-8.2.0 EMR adds its listener and jar to a job's own: nothing is lost there
    run(glue, "glue-own-listener", "--conf spark.extraListeners=com.acme.AuditListener --jars s3://team/udfs.jar")
    run(glue, "glue-transport", "--conf spark.openlineage.transport.type=amazon_glue_api")

    config = write_config(tmp_path / "c.toml", [{"role_arn": role_arn(account), "regions": [region]}], [],
                          tmp_path / "state.json")
    code, report, _ = scan_json(config=config)
    assert code == 3
    apps = {a["id"]: a for a in report["applications"]}
    assert apps[app]["violations"] == [] and apps[glue]["violations"] == []
    found = {r["name"]: r for a in (app, glue) for r in apps[a]["job_runs"]["violating"]}
    assert {n: sorted({v["rule"] for v in r["violations"]}) for n, r in found.items()} == {
        "ol-off": ["openlineage-listener"],
        "own-transport": ["openlineage-transport"],
        "own-bucket": ["openlineage-transport"],
        "own-listener": ["openlineage-listener"],
        "own-jars": ["openlineage-jar", "plugin-jar"],
        "glue-own-listener": ["plugin-jar"],
        "glue-transport": ["openlineage-transport"],
    }
    assert found["ol-off"]["overrides"] == ["spark.openlineage.disabled"]
    assert found["own-bucket"]["overrides"] == ["spark.openlineage.transport.location"]
    bucket = found["own-bucket"]["violations"][0]["message"]
    assert "other values than its application" in bucket and "s3://team-bucket" not in bucket
    assert found["own-listener"]["overrides"] == ["spark.extraListeners"]
