"""Example DAG: a Scala job and a PySpark job on EMR Serverless, observable whatever their spark_conf.

The application, the roles and PagerDuty come from the deployment, not from the DAG: Airflow
Variables `emrs_application_id`, `emrs_execution_role_arn`, `emrs_team_role_arn`, and the
connection `emrs_observe_pagerduty_critical` (the routing key as its password).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG

from emrs_observe.airflow import EmrServerlessSparkOperator

with DAG(
    dag_id="emrs_observe_example",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["emr-serverless", "emrs-observe"],
) as dag:
    orders = EmrServerlessSparkOperator(
        task_id="daily_orders",
        application_id="{{ var.value.emrs_application_id }}",
        execution_role_arn="{{ var.value.emrs_execution_role_arn }}",
        aws_assume_role="{{ var.value.emrs_team_role_arn }}",
        entry_point="s3://acme-artifacts/orders/1.4/app.jar",
        main_class="com.acme.Orders",
        entry_point_args=["--date", "{{ ds }}"],
        # Our jars are added to the application's (plugin, Spline bundle), not put in their place.
        spark_conf={"spark.executor.memory": "8g", "spark.jars": "s3://acme-artifacts/orders/1.4/deps.jar"},
        tags={"owner": "team-a"},
        alert_policy="critical",
        polling_interval=120,
        execution_timeout=timedelta(hours=1),
        retries=5,
    )
    report = EmrServerlessSparkOperator(
        task_id="orders_report",
        application_id="{{ var.value.emrs_application_id }}",
        execution_role_arn="{{ var.value.emrs_execution_role_arn }}",
        aws_assume_role="{{ var.value.emrs_team_role_arn }}",
        entry_point="s3://acme-artifacts/orders/1.4/report.py",
        py_files=["s3://acme-artifacts/orders/1.4/orders_lib.zip"],
        archives=["s3://acme-artifacts/orders/1.4/pyenv.tar.gz#environment"],
        entry_point_args=["--date", "{{ ds }}"],
        spark_conf={
            "spark.emr-serverless.driverEnv.PYSPARK_PYTHON": "./environment/bin/python",
            "spark.executorEnv.PYSPARK_PYTHON": "./environment/bin/python",
        },
        tags={"owner": "team-a"},
        alert_policy="critical",
        polling_interval=120,
        execution_timeout=timedelta(hours=1),
        retries=5,
    )
    orders >> report

if __name__ == "__main__":
    dag.test()
