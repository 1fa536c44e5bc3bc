"""Extra links of the operator: the job run's Spark UI and its logs in Datadog.

Airflow 3 evaluates links when the task finishes and stores the URLs; both read what the operator
stored in XCom when the job run started.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.sdk import BaseOperatorLink, XCom

SPARK_UI_KEY = "emrs_observe_spark_ui"
DATADOG_KEY = "emrs_observe_datadog_logs"


class SparkUiLink(BaseOperatorLink):  # type: ignore[misc]
    """The job run's Spark UI: a one-time URL from GetDashboardForJobRun, asked as the task's role.

    The provider's dashboard link asks with the connection alone, which is the wrong account when
    the job runs under `aws_assume_role`.
    """

    name = "Spark UI"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        stored = XCom.get_value(key=SPARK_UI_KEY, ti_key=ti_key)
        if not stored:
            return ""
        from emrs_observe.airflow.hook import AssumedRoleEmrServerlessHook

        try:
            hook = AssumedRoleEmrServerlessHook(
                aws_conn_id=stored.get("aws_conn_id"),
                region_name=stored.get("region_name"),
                assume_role_arn=stored.get("assume_role_arn"),
                role_session_name=stored.get("role_session_name", ""),
            )
            client: Any = hook.conn
            url = client.get_dashboard_for_job_run(
                applicationId=stored["application_id"], jobRunId=stored["job_run_id"]
            ).get("url")
        except Exception as exc:  # a link that cannot be made is an empty link, never a failed task
            operator.log.warning("Spark UI link for job run %s: %s", stored.get("job_run_id"), type(exc).__name__)
            return ""
        return str(url or "")


class DatadogLogsLink(BaseOperatorLink):  # type: ignore[misc]
    """Datadog's log explorer filtered on the job run id tag the plugin puts on every line."""

    name = "Datadog logs"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        return str(XCom.get_value(key=DATADOG_KEY, ti_key=ti_key) or "")
