"""What a job run really ran with, and whether it dropped what its application gives it. Pure.

EMR Serverless starts a job run with spark-submit: the application's runtimeConfiguration is its
spark-defaults, the job run's `configurationOverrides` replace them key by key, and the `--conf`,
`--jars`, … of its `sparkSubmitParameters` replace both. A job that sets its own `spark.jars` or
`spark.sql.queryExecutionListeners` therefore drops ours, and nothing in Spark says so.
"""

from __future__ import annotations

import datetime as dt
import shlex
from typing import Any

from emrs_observe.compliance.model import Application, Finding, JobRun, JobRunFinding, Severity
from emrs_observe.compliance.properties import Setting, all_settings, spark_defaults
from emrs_observe.compliance.rules import Context, check
from emrs_observe.defaults import contract as c

# spark-submit's options that take a value and the configuration key each one sets
# (SparkSubmitArguments / SparkSubmit's OptionAssigner, Spark 3.3 to 4.0); they win over --conf.
_FLAG_KEYS = {
    "--jars": c.SPARK_JARS,
    "--packages": c.SPARK_JARS_PACKAGES,
    "--exclude-packages": "spark.jars.excludes",
    "--repositories": "spark.jars.repositories",
    "--driver-java-options": c.DRIVER_EXTRA_JAVA_OPTIONS,
    "--driver-class-path": "spark.driver.extraClassPath",
    "--driver-library-path": "spark.driver.extraLibraryPath",
    "--driver-memory": "spark.driver.memory",
    "--driver-cores": "spark.driver.cores",
    "--executor-memory": "spark.executor.memory",
    "--executor-cores": "spark.executor.cores",
    "--num-executors": "spark.executor.instances",
    "--py-files": "spark.submit.pyFiles",
    "--files": "spark.files",
    "--archives": "spark.archives",
    "--name": "spark.app.name",
    "--proxy-user": "spark.submit.proxyUser",
}
# Options with a value that set no configuration key we look at.
_OTHER_VALUED = {
    "--master",
    "--deploy-mode",
    "--class",
    "--properties-file",
    "--total-executor-cores",
    "--queue",
    "--principal",
    "--keytab",
    "--kill",
    "--status",
}
_SWITCHES = {"--verbose", "-v", "--supervise", "--help", "-h", "--version", "--usage-error"}
# The keys our observability depends on: a job run that sets one of them is named as overriding it.
_WATCHED = (
    c.SPARK_PLUGINS,
    c.SPARK_PLUGINS_DEFAULT_LIST,
    c.SPARK_JARS,
    c.SPARK_JARS_PACKAGES,
    c.SPARK_QUERY_LISTENERS,
    c.DRIVER_DEFAULT_JAVA_OPTIONS,
    c.DRIVER_EXTRA_JAVA_OPTIONS,
    c.DRIVER_JAVA_HOME,
    c.SPARK_EXTRA_LISTENERS,
    c.OPENLINEAGE_DISABLED,
    c.METRICS_ENABLED,
)
# Likewise every key under these: OpenLineage's transport is one nested setting.
_WATCHED_PREFIXES = (c.OPENLINEAGE_TRANSPORT,)
_TRANSPORT_RULE = "openlineage-transport"


def parse_submit_parameters(text: str | None) -> tuple[dict[str, str], list[str]]:
    """The configuration keys `sparkSubmitParameters` sets, read as spark-submit reads its arguments
    (a POSIX shell's words, `--opt value` or `--opt=value`), and the problems met."""
    if not text or not text.strip():
        return {}, []
    try:
        words = shlex.split(text)
    except ValueError as exc:  # e.g. an unbalanced quote: spark-submit never starts
        return {}, [f"sparkSubmitParameters cannot be split into arguments ({exc})"]
    conf: dict[str, str] = {}
    flags: dict[str, str] = {}
    problems: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        name, eq, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        i += 1
        if name in _SWITCHES:
            continue
        if name in ("--conf", "-c") or name in _FLAG_KEYS or name in _OTHER_VALUED:
            if eq:
                value = inline
            elif i < len(words):
                value, i = words[i], i + 1
            else:
                problems.append(f"sparkSubmitParameters: {name} has no value")
                break
            if name in ("--conf", "-c"):
                key, sep, conf_value = value.partition("=")
                if not sep:
                    problems.append(f"sparkSubmitParameters: --conf {key!r} has no '=' (spark-submit refuses it)")
                elif key.startswith("spark."):  # spark-submit ignores other keys
                    conf[key] = conf_value
            elif name in _FLAG_KEYS:
                flags[_FLAG_KEYS[name]] = value
            continue
        problems.append(f"sparkSubmitParameters: {word.split('=', 1)[0]!r} is not a spark-submit option")
    conf.update(flags)  # spark-submit: --jars, --driver-java-options, … win over --conf of the same key
    return conf, problems


def _overrides(job_run: JobRun) -> tuple[Any, Any]:
    raw = job_run.configuration_overrides
    if not isinstance(raw, dict):
        return None, None
    return raw.get("applicationConfiguration"), raw.get("monitoringConfiguration")


def job_run_settings(job_run: JobRun) -> tuple[dict[str, str], list[Setting], list[str]]:
    """What the job run sets itself: spark-defaults keys (overrides, then submit parameters), every
    string it carries (for the secret check), and the problems reading them."""
    application_configuration, monitoring = _overrides(job_run)
    override_props, problems = spark_defaults(application_configuration)
    settings, more = all_settings(
        application_configuration, ("configurationOverrides.monitoringConfiguration", monitoring)
    )
    submitted, submit_problems = parse_submit_parameters(job_run.spark_submit_parameters)
    settings += [Setting("sparkSubmitParameters", k, v) for k, v in submitted.items()]
    return {**override_props, **submitted}, settings, problems + more + submit_problems


def audit_job_run(
    application: Application, job_run: JobRun, app_ctx: Context, app_failing: frozenset[str]
) -> JobRunFinding | None:
    """The job run's own losses: findings of rules its application passes. None when there are none."""
    own_keys, settings, problems = job_run_settings(job_run)
    ctx = Context(application, {**app_ctx.props, **own_keys}, tuple(problems), app_ctx.release, tuple(settings))
    findings, _ = check(ctx)
    lost = [f for f in findings if f.rule_id not in app_failing]
    replaced = _replaced_transport(app_ctx.props, own_keys)
    if ctx.openlineage and replaced and _TRANSPORT_RULE not in app_failing and not any(
        f.rule_id == _TRANSPORT_RULE for f in lost
    ):
        # Still our transport, but not as the application has it (another bucket, another prefix):
        # the processor reads the application's location and never sees this run's lineage.
        lost.append(
            Finding(
                _TRANSPORT_RULE,
                Severity.ERROR,
                f"this job run sets {', '.join(replaced)} to other values than its application: its lineage goes "
                "where the job says, not to the lineage bucket the processor reads (and where EMR sends lineage to "
                f"AWS Glue, that feed may stop too). Fix: leave {c.OPENLINEAGE_TRANSPORT}* to the application",
            )
        )
    if not lost:
        return None
    overridden = tuple(k for k in _WATCHED if k in own_keys) + tuple(
        sorted(k for k in own_keys if k.startswith(_WATCHED_PREFIXES))
    )
    if overridden:  # the fix is the submitter's: keep what the application sets, add to it
        note = (
            f" This job run sets {', '.join(overridden)} itself, which replaces the application's value: "
            "its submitter should pass the application's value plus its own"
        )
        lost = [Finding(f.rule_id, f.severity, f.message.rstrip(".") + "." + note) for f in lost]
    return JobRunFinding(job_run, tuple(lost), overridden)


def _replaced_transport(app_props: dict[str, str], own_keys: dict[str, str]) -> list[str]:
    """The OpenLineage transport keys a job run sets to another value than its application's."""
    return sorted(
        k
        for k, v in own_keys.items()
        if k.startswith(c.OPENLINEAGE_TRANSPORT) and v.strip() != app_props.get(k, "").strip()
    )


def failing_rules(findings: list[Finding]) -> frozenset[str]:
    return frozenset(f.rule_id for f in findings if f.severity.fails)


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value) if value is not None else ""


def job_run_from_api(doc: dict[str, Any], where: str) -> JobRun:
    """A `get-job-run` response's `jobRun`; raises ValueError naming `where` when it is not one."""
    arn = doc.get("arn")
    run_id = doc.get("jobRunId") or doc.get("id")
    app_id = doc.get("applicationId")
    if not isinstance(arn, str) or not isinstance(run_id, str) or not isinstance(app_id, str):
        raise ValueError(f"{where}: `applicationId`, `jobRunId` and `arn` are required")
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "emr-serverless" or not parts[4].isdigit() or "/jobruns/" not in arn:
        raise ValueError(f"{where}: arn {arn!r} is not an EMR Serverless job run ARN")
    driver = doc.get("jobDriver")
    submit = driver.get("sparkSubmit") if isinstance(driver, dict) else None
    params = submit.get("sparkSubmitParameters") if isinstance(submit, dict) else None
    return JobRun(
        account_id=parts[4],
        region=parts[3],
        application_id=app_id,
        job_run_id=run_id,
        name=str(doc.get("name") or ""),
        created_by=str(doc.get("createdBy") or ""),
        created_at=_iso(doc.get("createdAt")),
        state=str(doc.get("state") or ""),
        execution_role=str(doc.get("executionRole") or ""),
        spark_submit_parameters=params if isinstance(params, str) else None,
        configuration_overrides=doc.get("configurationOverrides"),
    )
