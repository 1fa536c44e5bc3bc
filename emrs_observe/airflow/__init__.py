"""The Airflow operator (optional extra `emrs-observe[airflow]`): nothing else in the package imports it."""

from emrs_observe.airflow.operator import EmrServerlessSparkOperator

__all__ = ["EmrServerlessSparkOperator"]
