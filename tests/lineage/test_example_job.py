"""The real example job on local Spark writes exactly the columns the shipped lineage describes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.lineage.expected import COUNTRY_REVENUE, ENRICHED_ORDERS

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    from pyspark.sql import SparkSession

    warehouse = tmp_path_factory.mktemp("warehouse")
    session = (SparkSession.builder.master("local[2]").appName("orders-daily")
               .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false")
               .config("spark.sql.warehouse.dir", str(warehouse))
               .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
               .getOrCreate())
    yield session
    session.stop()


def test_example_job_output_matches_the_lineage_columns(spark: SparkSession, tmp_path: Path) -> None:
    import spark_job

    lake = str(tmp_path / "acme-lake")
    spark_job.seed(spark, lake)
    spark_job.run(spark, lake)
    enriched = spark.read.parquet(f"{lake}/curated/enriched_orders")
    assert enriched.columns == list(ENRICHED_ORDERS["columns"])
    assert enriched.count() == 3  # the negative order was filtered out
    revenue = spark.table("sales.country_revenue")
    assert revenue.columns == list(COUNTRY_REVENUE["columns"])
    rows = {r["country"]: (round(r["revenue_eur"], 2), r["order_count"]) for r in revenue.collect()}
    assert rows == {"GB": (round(200.0 * 1.17, 2), 2), "US": (round(42.0 * 0.93, 2), 1)}
