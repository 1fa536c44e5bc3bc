"""The example job whose lineage ships in examples/lineage: orders-daily.

It reads orders (Parquet, two years, unioned), customers (CSV) and the `sales.fx_rates` catalog
table; joins, filters, applies a Python UDF, ranks orders per country with a window, writes
`curated/enriched_orders`, then aggregates revenue per country and INSERTs INTO
`sales.country_revenue`. On EMR Serverless the lake is s3://acme-lake; locally it is a folder.

    spark-submit examples/spark_job.py --lake /tmp/acme-lake
"""

from __future__ import annotations

import argparse
import datetime as dt

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import StringType


def seed(spark: SparkSession, lake: str) -> None:
    """Small input data, so the job runs anywhere."""
    ts = dt.datetime(2025, 11, 21, 9, 0)
    for year, rows in (("2025", [(1, "c1", 120.0, ts), (2, "c2", -5.0, ts)]),
                       ("2026", [(3, "c1", 80.0, ts), (4, "c3", 42.0, ts)])):
        spark.createDataFrame(rows, "order_id long, customer_id string, amount double, order_ts timestamp") \
            .write.mode("overwrite").parquet(f"{lake}/raw/orders/year={year}")
    spark.createDataFrame([("c1", "ada lovelace", "GB", "ada@example.com"), ("c2", "alan turing", "GB", None),
                           ("c3", "grace hopper", "US", "grace@example.com")],
                          "id string, name string, country string, email string") \
        .coalesce(1).write.mode("overwrite").option("header", True).csv(f"{lake}/raw/customers")
    spark.sql("CREATE DATABASE IF NOT EXISTS sales")
    spark.createDataFrame([("GB", "GBP", 1.17), ("US", "USD", 0.93)], "country string, currency string, rate double") \
        .write.mode("overwrite").saveAsTable("sales.fx_rates")
    spark.sql("CREATE TABLE IF NOT EXISTS sales.country_revenue (country string, revenue_eur double, "
              "order_count bigint) USING parquet")


def run(spark: SparkSession, lake: str) -> None:
    normalize_name = F.udf(lambda name: name.title() if name else None, StringType())
    orders = spark.read.parquet(f"{lake}/raw/orders/year=2025").unionByName(
        spark.read.parquet(f"{lake}/raw/orders/year=2026"))
    customers = spark.read.option("header", True).csv(f"{lake}/raw/customers")
    enriched = (
        orders.join(customers, orders.customer_id == customers.id)
        .where(F.col("amount") > 0)
        .select("order_id", normalize_name("name").alias("customer_name"), "country", "amount",
                (F.col("amount") * 1.2).alias("amount_gross"), F.to_date("order_ts").alias("order_date"))
        .withColumn("rank_in_country", F.rank().over(Window.partitionBy("country").orderBy("amount")))
        .withColumnRenamed("order_id", "id")
        .orderBy("order_date")
        .repartition(8)
    )
    enriched.write.mode("overwrite").parquet(f"{lake}/curated/enriched_orders")

    spark.read.parquet(f"{lake}/curated/enriched_orders").createOrReplaceTempView("enriched")
    spark.table("sales.fx_rates").createOrReplaceTempView("fx_view")
    spark.sql("""
        INSERT INTO sales.country_revenue
        SELECT country, revenue_eur, CAST(orders AS BIGINT) AS order_count FROM (
            SELECT e.country, SUM(e.amount * fx.rate) AS revenue_eur, COUNT(e.id) AS orders
            FROM enriched e LEFT OUTER JOIN fx_view fx ON e.country = fx.country
            GROUP BY e.country LIMIT 1000)
    """)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lake", required=True, help="root of the lake: s3://acme-lake or a local folder")
    parser.add_argument("--seed", action="store_true", help="create small input data first")
    args = parser.parse_args()
    spark = SparkSession.builder.appName("orders-daily").enableHiveSupport().getOrCreate()
    if args.seed:
        seed(spark, args.lake)
    run(spark, args.lake)
    spark.stop()


if __name__ == "__main__":
    main()
