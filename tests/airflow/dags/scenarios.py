"""DAGs of the operator's test scenarios (one task each); values come from Airflow Variables, like the example."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG

from emrs_observe.airflow import EmrServerlessSparkOperator

QUICK_RETRY = timedelta(seconds=1)  # Airflow's default retry_delay would sleep 5 minutes


def _dag(dag_id: str, **task: Any) -> DAG:
    with DAG(dag_id=dag_id, schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as dag:
        EmrServerlessSparkOperator(
            task_id="job",
            application_id="{{ var.value.emrs_application_id }}",
            execution_role_arn="{{ var.value.emrs_execution_role_arn }}",
            aws_assume_role="{{ var.value.emrs_team_role_arn }}",
            entry_point="s3://acme-artifacts/orders/1.4/app.jar",
            main_class="com.acme.Orders",
            alert_policy="critical",
            polling_interval=1,
            retry_delay=QUICK_RETRY,
            **task,
        )
    return dag


retry = _dag("emrs_test_retry", retries=1)
final_failure = _dag("emrs_test_final_failure", retries=0)
refused = _dag("emrs_test_refused", retries=3, spark_conf={"spark.spline.lineageDispatcher": "kafka"})
override = _dag(
    "emrs_test_override",
    retries=0,
    spark_conf={"spark.spline.lineageDispatcher": "kafka"},
    allow_observability_override=True,
)
timeout = _dag("emrs_test_timeout", retries=0, execution_timeout=timedelta(seconds=3))
