"""What the operator refuses when a DAG is parsed: each message names the task and the argument."""

from __future__ import annotations

from typing import Any

import pytest

from emrs_observe.airflow import EmrServerlessSparkOperator

BASE: dict[str, Any] = {
    "task_id": "daily_orders",
    "application_id": "00fabc",
    "execution_role_arn": "arn:aws:iam::111111111111:role/exec",
    "entry_point": "s3://acme/app.jar",
}


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"deferrable": True, "aws_assume_role": "arn:aws:iam::1:role/t"}, "deferrable=True cannot be combined"),
        ({"entry_point": "s3://acme/job.py", "main_class": "com.acme.Orders"}, "main_class is for jar entry points"),
        ({"py_files": ["s3://acme/lib.zip"]}, "py_files are for Python entry points"),
        ({"entry_point": "app.jar"}, "entry_point must be a location"),
        ({"polling_interval": 0}, "polling_interval must be at least 1 second"),
    ],
)
def test_bad_arguments_are_refused_with_the_task_named(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        EmrServerlessSparkOperator(**{**BASE, **changes})
    assert "task daily_orders" in str(error.value)


def test_the_routing_key_is_no_argument_and_no_template_field() -> None:
    op = EmrServerlessSparkOperator(**BASE, alert_policy="critical")
    assert not any("routing" in f or "pagerduty" in f for f in op.template_fields)
    assert {"job_driver", "spark_conf", "aws_assume_role", "tags"} <= set(op.template_fields)
    assert op.retries == 3  # built-in retries unless the DAG says otherwise
