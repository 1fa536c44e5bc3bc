"""EmrServerlessSparkOperator: the Amazon provider's EMR Serverless operator, made safe for observability.

What it adds to `EmrServerlessStartJobOperator` (whose start, polling, deferral and cancel-on-kill
it keeps): the job's `spark_conf` merged with the application's spark-defaults so the plugin and
the lineage agent survive (conf_merge), a cross-account role for every EMR Serverless call (hook),
an idempotency token per try (naming), failures that carry the job run's stateDetails, the Spark UI
and Datadog links (links), and PagerDuty on final failure, resolved by the next success (alerts).
"""

from __future__ import annotations

import math
import os
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.providers.amazon.aws.operators.emr import EmrServerlessStartJobOperator
from airflow.sdk import BaseHook, Variable
from airflow.sdk.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowNotFoundException,
    AirflowTaskTimeout,
    TaskDeferred,
)
from airflow.sdk.log import mask_secret

from emrs_observe.airflow import alerts, naming
from emrs_observe.airflow.conf_merge import merge
from emrs_observe.airflow.hook import AssumedRoleEmrServerlessHook
from emrs_observe.airflow.links import DATADOG_KEY, SPARK_UI_KEY, DatadogLogsLink, SparkUiLink
from emrs_observe.compliance.pagerduty import ROUTING_KEY_ENV
from emrs_observe.compliance.properties import spark_defaults
from emrs_observe.defaults import contract as c

DEFAULT_DATADOG_SITE = "datadoghq.com"
# Polling without an execution_timeout stops after this long (then the job run is cancelled).
DEFAULT_MAX_WAIT = timedelta(hours=24)
# EMR's own run timeout is set this much beyond Airflow's, as the backstop when the worker dies:
# Airflow's timeout (which cancels and pages) is meant to fire first.
EMR_TIMEOUT_MARGIN_MIN = 5
EMR_TIMEOUT_MIN_MINUTES = 5  # EMR Serverless refuses executionTimeoutMinutes below 5
OPEN_ALERT_VARIABLE = "emrs_observe.pagerduty.open.{dag_id}.{task_id}"

# GetApplication answers, per DAG run, for the tasks of that run executed in this worker process.
_APPLICATIONS: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_APPLICATIONS_MAX = 256


class EmrServerlessSparkOperator(EmrServerlessStartJobOperator):  # type: ignore[misc]
    """Submit a Spark job (a jar with `main_class`, or a `.py` with `py_files`) to an EMR Serverless application.

    :param entry_point: s3:// location of the job's jar or Python file.
    :param main_class: the jar's main class (jar entry points only).
    :param entry_point_args: arguments of the job (templated).
    :param py_files: extra Python files or zips (`--py-files`), Python entry points only.
    :param archives: archives unpacked beside the job (`--archives`), e.g. a packed virtualenv.
    :param spark_conf: the job's Spark settings; list keys are merged with the application's.
    :param aws_assume_role: role assumed for every EMR Serverless call (the team's EMR role).
    :param tags: tags of the job run (with `airflow:dag_id` and `airflow:task_id`).
    :param alert_policy: PagerDuty policy: the routing key is connection `emrs_observe_pagerduty_<policy>`'s
        password, else EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY; None sends no alert.
    :param allow_observability_override: let spark_conf replace observability settings (logged).
    :param polling_interval: seconds between job run state checks.
    """

    aws_hook_class = AssumedRoleEmrServerlessHook
    template_fields: Sequence[str] = tuple(
        sorted({*EmrServerlessStartJobOperator.template_fields, "spark_conf", "tags", "aws_assume_role"})
    )
    # The UI shows what was submitted (the merged spark-defaults, the token, the tags), not only
    # what the DAG wrote: rendered fields are written again when the task ends.
    overwrite_rtif_after_execution = True
    template_fields_renderers = {
        **EmrServerlessStartJobOperator.template_fields_renderers,
        "job_driver": "json",
        "spark_conf": "json",
        "tags": "json",
    }
    # The provider's dashboard and driver-log links ask with the connection alone (wrong account under
    # aws_assume_role), so SparkUiLink, which asks as the role, replaces them.
    operator_extra_links = (SparkUiLink(), DatadogLogsLink())  # type: ignore[assignment]

    def __init__(
        self,
        *,
        application_id: str,
        execution_role_arn: str,
        entry_point: str,
        main_class: str | None = None,
        entry_point_args: Sequence[str] = (),
        py_files: Sequence[str] = (),
        archives: Sequence[str] = (),
        spark_conf: dict[str, str] | None = None,
        aws_assume_role: str | None = None,
        tags: dict[str, str] | None = None,
        alert_policy: str | None = None,
        allow_observability_override: bool = False,
        polling_interval: int = 60,
        monitoring_configuration: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        task = kwargs.get("task_id", "?")
        _check_entry_point(task, entry_point, main_class, py_files)
        if kwargs.get("deferrable") and aws_assume_role:
            # The provider's trigger builds its client from aws_conn_id alone: it would poll as the
            # connection's account, where the job run does not exist.
            raise ValueError(
                f"task {task}: deferrable=True cannot be combined with aws_assume_role; put the role in the "
                "AWS connection's role_arn instead, or run not deferrable"
            )
        if polling_interval < 1:
            raise ValueError(f"task {task}: polling_interval must be at least 1 second, not {polling_interval}")
        kwargs.setdefault("retries", 3)
        max_wait: timedelta = kwargs.get("execution_timeout") or DEFAULT_MAX_WAIT
        kwargs.setdefault("waiter_max_attempts", math.ceil(max_wait.total_seconds() / polling_interval) + 1)
        submit: dict[str, Any] = {"entryPoint": entry_point, "entryPointArguments": list(entry_point_args)}
        parameters = _submit_parameters(main_class, py_files, archives)
        if parameters:
            submit["sparkSubmitParameters"] = parameters
        self.spark_conf = dict(spark_conf or {})
        self.aws_assume_role = aws_assume_role
        self.tags = dict(tags or {})
        self.alert_policy = alert_policy
        self.allow_observability_override = allow_observability_override
        self.monitoring_configuration = monitoring_configuration
        self._datadog_site = DEFAULT_DATADOG_SITE
        super().__init__(
            application_id=application_id,
            execution_role_arn=execution_role_arn,
            job_driver={"sparkSubmit": submit},
            waiter_delay=polling_interval,
            **kwargs,
        )

    @property
    def _hook_parameters(self) -> dict[str, Any]:
        return {
            **super()._hook_parameters,
            "assume_role_arn": self.aws_assume_role or None,
            "role_session_name": naming.session_name(self.dag_id, self.task_id),
        }

    # -- execution ---------------------------------------------------------------------------------

    def execute(self, context: Any, event: dict[str, Any] | None = None) -> str | None:
        with self._alerting(context):
            self._prepare(context)
            try:
                job_id: str | None = super().execute(context, event)
            except AirflowException as exc:
                raise self._job_failure(exc) from exc
        return job_id

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        # Annotated None by the provider, yet it returns the job run id (the task's XCom): passed on.
        with self._alerting(context):
            try:
                job_id: Any = super().execute_complete(context, event)  # type: ignore[func-returns-value]
            except AirflowException as exc:
                raise self._job_failure(exc) from exc
        return job_id

    def _alerting(self, context: Any) -> _Alerting:
        return _Alerting(self, context)

    def _prepare(self, context: Any) -> None:
        ti = context["ti"]
        run_id = context["run_id"]
        self.client_request_token = naming.client_token(
            self.dag_id, self.task_id, run_id, ti.try_number, getattr(ti, "map_index", -1)
        )
        props = self._application_defaults(run_id)
        self._datadog_site = props.get(c.DATADOG_SITE) or DEFAULT_DATADOG_SITE
        job_conf = _string_conf(self.task_id, self.spark_conf)
        merged = merge(props, job_conf)
        for warning in merged.warnings:
            self.log.warning("application %s: %s", self.application_id, warning)
        if merged.overrides and not self.allow_observability_override:
            raise AirflowFailException(
                f"task {self.task_id}: job refused before submission to application {self.application_id}: "
                + "; ".join(merged.overrides.values())
            )
        for key in merged.overrides:
            self.log.warning(
                "allow_observability_override=True: spark_conf's %s replaces the application's setting; "
                "this job's logs or lineage may be lost",
                key,
            )
        overrides: dict[str, Any] = {}
        if merged.conf:
            overrides["applicationConfiguration"] = [{"classification": "spark-defaults", "properties": merged.conf}]
        if self.monitoring_configuration:
            overrides["monitoringConfiguration"] = self.monitoring_configuration
        self.configuration_overrides = overrides or None
        self.name = self.name or naming.job_run_name(self.dag_id, self.task_id, run_id)
        config = dict(self.config)
        config["tags"] = {
            "airflow:dag_id": self.dag_id,
            "airflow:task_id": self.task_id,
            **{str(k): str(v) for k, v in self.tags.items()},
            **config.get("tags", {}),
        }
        if self.execution_timeout and "executionTimeoutMinutes" not in config:
            minutes = math.ceil(self.execution_timeout.total_seconds() / 60) + EMR_TIMEOUT_MARGIN_MIN
            config["executionTimeoutMinutes"] = max(EMR_TIMEOUT_MIN_MINUTES, minutes)
        self.config = config
        self._submitted_ms = int(time.time() * 1000)

    def _application_defaults(self, run_id: str) -> dict[str, str]:
        key = (self.aws_conn_id, self.region_name, self.aws_assume_role, self.application_id, run_id)
        application = _APPLICATIONS.get(key)
        if application is None:
            try:
                client: Any = self.hook.conn
                application = client.get_application(applicationId=self.application_id)["application"]
            except Exception as exc:
                who = f" as {self.aws_assume_role}" if self.aws_assume_role else ""
                raise AirflowException(
                    f"task {self.task_id}: cannot read EMR Serverless application {self.application_id}{who}: {exc}"
                ) from exc
            _APPLICATIONS[key] = application
            while len(_APPLICATIONS) > _APPLICATIONS_MAX:
                _APPLICATIONS.popitem(last=False)
        props, problems = spark_defaults(application.get("runtimeConfiguration"))
        for problem in problems:
            self.log.warning("application %s: %s", self.application_id, problem)
        return props

    def _job_failure(self, exc: AirflowException) -> AirflowException:
        """The provider's error, with the job run's final state and stateDetails when there is a job run."""
        if not self.job_id:
            return exc
        try:
            client: Any = self.hook.conn
            run = client.get_job_run(applicationId=self.application_id, jobRunId=self.job_id)["jobRun"]
        except Exception:
            return exc
        details = run.get("stateDetails") or "no stateDetails"
        return AirflowException(
            f"EMR Serverless job run {self.job_id} of application {self.application_id} is {run.get('state')}: "
            f"{details}"
        )

    def persist_links(self, context: Any) -> None:
        super().persist_links(context)
        if not self.do_xcom_push or not self.job_id:
            return
        ti = context["ti"]
        ti.xcom_push(
            key=SPARK_UI_KEY,
            value={
                "application_id": self.application_id,
                "job_run_id": self.job_id,
                "aws_conn_id": self.aws_conn_id,
                "region_name": self.hook.conn_region_name,
                "assume_role_arn": self.aws_assume_role,
                "role_session_name": naming.session_name(self.dag_id, self.task_id),
            },
        )
        url = naming.datadog_logs_url(self._datadog_site, self.job_id, self._submitted_ms - 60_000)
        ti.xcom_push(key=DATADOG_KEY, value=url)
        self.log.info("Datadog logs of job run %s: %s", self.job_id, url)

    # -- PagerDuty ---------------------------------------------------------------------------------

    def _alert_target(self) -> alerts.Target | None:
        assert self.alert_policy
        password = host = None
        extra: dict[str, str] = {}
        try:
            conn = BaseHook.get_connection(alerts.connection_id(self.alert_policy))
            password, host, extra = conn.password, conn.host, conn.extra_dejson
        except AirflowNotFoundException:
            pass
        target = alerts.target_from(self.alert_policy, password, host, extra, os.environ)
        if target is not None:
            # Airflow masks connection passwords by itself, not environment values: whatever logs a
            # line with the key in it (the PagerDuty client at debug level), Airflow prints *** instead.
            mask_secret(target.routing_key)
        return target

    def _page(self, context: Any, exc: BaseException) -> None:
        ti = context["ti"]
        final = isinstance(exc, AirflowFailException) or ti.try_number > ti.max_tries
        if not final or not self.alert_policy:
            return
        target = self._alert_target()
        if target is None:
            self.log.error(
                "alert_policy %r: no PagerDuty routing key in connection %s nor in %s; this failure is not paged",
                self.alert_policy,
                alerts.connection_id(self.alert_policy),
                ROUTING_KEY_ENV,
            )
            return
        reason = str(exc) or type(exc).__name__
        details = {"application_id": self.application_id, "job_run_id": self.job_id or "", "error": reason[:2000]}
        event = alerts.failure_event(
            self.dag_id, self.task_id, context["run_id"], ti.try_number, reason[:300], target.severity, details
        )
        delivery = target.sink().send([event])
        for _, why in delivery.failed:
            self.log.error("PagerDuty alert %s not sent (%s): %s", event.dedup_key, target.origin, why)
        if delivery.delivered:
            self.log.info("PagerDuty alert %s triggered (%s)", event.dedup_key, target.origin)
            self._remember_open(True)

    def _resolve(self) -> None:
        if not self.alert_policy or not self._remember_open(None):
            return
        target = self._alert_target()
        if target is None:
            return
        event = alerts.resolve_event(self.dag_id, self.task_id)
        delivery = target.sink().send([event])
        for _, why in delivery.failed:
            self.log.error("PagerDuty alert %s not resolved (%s): %s", event.dedup_key, target.origin, why)
        if delivery.delivered:
            self.log.info("PagerDuty alert %s resolved", event.dedup_key)
            self._remember_open(False)

    def _remember_open(self, value: bool | None) -> bool:
        """Whether an incident of this task is open (None reads; True/False records).

        Kept in an Airflow Variable so a success sends a resolve only after a paged failure: with
        thousands of tasks a day, a resolve per success would spend PagerDuty's rate limit. When
        the Variable cannot be read, a success resolves anyway (a resolve of nothing is harmless).
        """
        key = OPEN_ALERT_VARIABLE.format(dag_id=self.dag_id, task_id=self.task_id)
        try:
            if value is None:
                return Variable.get(key, default=None) is not None
            if value:
                Variable.set(key, naming.dedup_key(self.dag_id, self.task_id))
            else:
                Variable.delete(key)
        except Exception as exc:
            self.log.warning("open-alert marker %s: %s", key, type(exc).__name__)
            return True
        return value


class _Alerting:
    """Pages on a final failure (including Airflow's timeout) and resolves on success; deferral is neither."""

    def __init__(self, operator: EmrServerlessSparkOperator, context: Any) -> None:
        self.operator = operator
        self.context = context

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if exc is None:
            self.operator._resolve()
        elif isinstance(exc, (Exception, AirflowTaskTimeout)) and not isinstance(exc, TaskDeferred):
            try:
                self.operator._page(self.context, exc)
            except Exception as page_error:  # paging must never hide the task's own error
                self.operator.log.error("PagerDuty alert failed: %s", type(page_error).__name__)


def _check_entry_point(task: str, entry_point: str, main_class: str | None, py_files: Sequence[str]) -> None:
    if not entry_point or "://" not in entry_point:
        raise ValueError(
            f"task {task}: entry_point must be a location such as s3://bucket/app.jar, not {entry_point!r}"
        )
    python = entry_point.endswith(".py")
    if python and main_class:
        raise ValueError(f"task {task}: main_class is for jar entry points; {entry_point} is a Python file")
    if py_files and not python:
        raise ValueError(f"task {task}: py_files are for Python entry points; {entry_point} is not a .py file")


def _submit_parameters(main_class: str | None, py_files: Sequence[str], archives: Sequence[str]) -> str:
    parts = []
    if main_class:
        parts.append(f"--class {main_class}")
    if py_files:
        parts.append("--py-files " + ",".join(py_files))
    if archives:
        parts.append("--archives " + ",".join(archives))
    return " ".join(parts)


def _string_conf(task: str, conf: dict[Any, Any]) -> dict[str, str]:
    out = {}
    for key, value in conf.items():
        if not isinstance(key, str) or not key.strip():
            raise AirflowFailException(f"task {task}: spark_conf has an empty or non-string key {key!r}")
        if isinstance(value, (dict, list)) or value is None:
            raise AirflowFailException(f"task {task}: spark_conf[{key!r}] must be a string, not {type(value).__name__}")
        out[key.strip()] = str(value).lower() if isinstance(value, bool) else str(value)
    return out
