"""The rendered defaults survive a job's own settings, on real Spark (pyspark 3.5, local mode, Java 17).

The application's defaults are rendered by `emrs-observe defaults render --format properties` into
the spark-defaults.conf of a SPARK_CONF_DIR; the job's own settings go in as `--conf`, on top, as
EMR Serverless layers a job run over its application. The job sets its own `spark.plugins` and
`spark.driver.extraJavaOptions`: Spark still loads our plugin (from spark.plugins.defaultList) and
still starts the driver with Spline's Java 17 option (from spark.driver.defaultJavaOptions), so the
Spline bundle can start. Spark 3.3 to 4.0 prepend both lists the same way (docs/compliance.md cites
the source); what the scanner says about the same job run is checked against what Spark did.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from emrs_observe.compliance.jobruns import audit_job_run, failing_rules
from emrs_observe.compliance.model import Application, JobRun
from emrs_observe.compliance.rules import application_context, evaluate
from emrs_observe.defaults.contract import SPLINE_JAVA17_OPTION
from emrs_observe.defaults.formats import to_properties
from emrs_observe.defaults.render import RenderRequest, render_properties

ROOT = Path(__file__).resolve().parents[2]
JOB = Path(__file__).resolve().parent / "spark_overrides_job.py"
PLUGIN_JAR = ROOT / "plugin_jvm" / "target" / "emrs-observe-plugin.jar"
SPLINE_JAR_NAME = "spark-3.5-spline-agent-bundle_2.12-2.2.0.jar"
JOB_PLUGIN = "org.apache.spark.scheduler.cluster.k8s.ExecutorRollPlugin"  # ships with pyspark
_SCRUB = ("AWS_", "VAULT_", "DD_", "ROOT_LOG_LEVEL", "LOG_LEVEL", "EMR_", "SPARK_", "PYSPARK_")
LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %p %c: %m%n
logger.plugins.name = org.apache.spark.internal.plugin
logger.plugins.level = info
logger.spline.name = za.co.absa.spline
logger.spline.level = info
"""


def spline_jar() -> Path:
    for folder in (ROOT / ".cache" / "jars", ROOT.parent / "shared" / "jars"):
        if (folder / SPLINE_JAR_NAME).is_file():
            return folder / SPLINE_JAR_NAME
    raise AssertionError(f"{SPLINE_JAR_NAME} is in neither .cache/jars nor ../shared/jars (see scripts/setup.sh)")


def application_defaults() -> dict[str, str]:
    props = render_properties(
        RenderRequest(
            release_label="emr-7.2.0",
            plugin_jar=PLUGIN_JAR.as_uri(),
            spline_jar=spline_jar().as_uri(),
            lineage_location="s3://lineage-bucket/spline/",
            vault_addr="http://127.0.0.1:9",  # nothing listens: the plugin warns and the job goes on
            vault_role="jobs",
        )
    )
    # The emrs dispatcher writes to S3, which this test has none of; Spline's own logging
    # dispatcher shows that Spline runs. Only the dispatcher changes: every other rendered key is kept.
    props["spark.spline.lineageDispatcher"] = "logging"
    return props


def run_job(tmp_path: Path, defaults: dict[str, str], job_conf: dict[str, str]) -> tuple[int, str, dict[str, Any]]:
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    (conf_dir / "spark-defaults.conf").write_text(to_properties(defaults))
    (conf_dir / "log4j2.properties").write_text(LOG4J2)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"conf": job_conf, "output": str(tmp_path / "out")}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
    env.update(SPARK_CONF_DIR=str(conf_dir), PYSPARK_PYTHON=sys.executable)
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, str(JOB), str(spec), str(report)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    return proc.returncode, proc.stderr, json.loads(report.read_text()) if report.exists() else {}


def scanner_verdict(defaults: dict[str, str], job_conf: dict[str, str]) -> set[str]:
    """What the scanner says about an application with `defaults` and a job run with `job_conf`."""
    app = Application(
        "111111111111", "eu-west-1", "00f1", "app", "arn:x", "emr-7.2.0", "Spark", "STARTED", None,
        [{"classification": "spark-defaults", "properties": defaults}],
    )  # fmt: skip
    params = " ".join(f"--conf '{k}={v}'" for k, v in job_conf.items())
    run = JobRun("111111111111", "eu-west-1", "00f1", "r1", "job", "", "", "SUCCESS", "", params, None)
    found = audit_job_run(app, run, application_context(app), failing_rules(evaluate(app)))
    return {f.rule_id for f in found.findings} if found else set()


@pytest.fixture(scope="module")
def built_plugin() -> Path:
    subprocess.run(["bash", str(ROOT / "scripts" / "build_jvm.sh")], check=True)
    assert PLUGIN_JAR.is_file()
    return PLUGIN_JAR


def test_a_job_with_its_own_plugins_and_java_options_keeps_ours(tmp_path: Path, built_plugin: Path) -> None:
    defaults = application_defaults()
    job = {"spark.plugins": JOB_PLUGIN, "spark.driver.extraJavaOptions": "-Demrs.test.job=own"}
    code, stderr, report = run_job(tmp_path, defaults, job)
    assert code == 0, stderr[-3000:]  # the session started: Spline's Java 17 option reached the driver
    assert SPLINE_JAVA17_OPTION in report["jvm_arguments"] and "-Demrs.test.job=own" in report["jvm_arguments"]
    # both plugins were loaded and initialised by Spark, ours from the default list
    assert "Initialized driver component for plugin emrs.observe.spark.LoggerSparkPlugin" in stderr
    assert f"Initialized driver component for plugin {JOB_PLUGIN}" in stderr
    assert (report["spark.plugins.defaultList"], report["spark.plugins"]) == (
        "emrs.observe.spark.LoggerSparkPlugin",
        JOB_PLUGIN,
    )
    assert "Spline successfully initialized" in stderr
    assert "ExecutionPlan (apiVersion: 1.2)" in stderr  # and captured the job's write
    assert scanner_verdict(defaults, job) == set()  # and the scanner agrees: nothing dropped
