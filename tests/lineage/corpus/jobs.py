"""The lineage corpus: small real PySpark jobs, each exercising the plan shapes of one Spark feature.

`capture.py` runs them with the real Spline agent and stores what the agent wrote under
`fixtures/<job>/`; `expected.py` holds, for each job, its column lineage written by hand from the
code below. Every job reads the inputs `seed` writes under BASE and writes its own output.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

# A fixed place, so that the captured plans name the same paths on every machine.
BASE = "/tmp/emrs-corpus"
IN = f"{BASE}/in"
OUT = f"{BASE}/out"

Job = Callable[[Any], None]
JOBS: dict[str, Job] = {}


def job(fn: Job) -> Job:
    JOBS[fn.__name__] = fn
    return fn


def seed(spark: Any) -> None:
    """The inputs; their own plans are not part of the corpus."""
    ts = dt.datetime(2025, 11, 21, 9, 0)
    orders = spark.createDataFrame(
        [(1, 10, 120.0, "paid", "GB", ts, [("a", 1), ("b", 2)]),
         (2, 10, 30.0, "open", "GB", ts + dt.timedelta(hours=1), [("a", 3)]),
         (3, 20, 80.0, "paid", "US", ts + dt.timedelta(hours=2), []),
         (4, 30, 42.0, "void", "US", ts + dt.timedelta(hours=3), [("c", 1)])],
        "order_id long, customer_id long, amount double, status string, country string, ts timestamp, "
        "items array<struct<sku:string,qty:int>>",
    )
    orders.write.mode("overwrite").parquet(f"{IN}/orders")
    customers = spark.createDataFrame(
        [(10, "ada", "ada@example.com", "gold", ("London", "N1")),
         (20, "alan", None, "silver", ("Boston", "02110")),
         (40, "grace", "grace@example.com", "gold", ("Arlington", "22201"))],
        "customer_id long, name string, email string, segment string, address struct<city:string,zip:string>",
    )
    customers.write.mode("overwrite").parquet(f"{IN}/customers")
    spark.createDataFrame([("ada", 36), ("alan", 41)], "name string, age int") \
        .coalesce(1).write.mode("overwrite").json(f"{IN}/people_raw")
    events = spark.createDataFrame(
        [("2025-11-20", 10, "click", 1.0), ("2025-11-21", 10, "view", 2.0), ("2025-11-21", 20, "click", 3.0)],
        "day string, user_id long, event string, value double",
    )
    events.write.mode("overwrite").partitionBy("day").parquet(f"{IN}/events")
    spark.sql("CREATE DATABASE IF NOT EXISTS sales")
    spark.sql("DROP TABLE IF EXISTS sales.orders_by_country")
    spark.sql("CREATE TABLE sales.orders_by_country (order_id bigint, amount double, country string) "
              "USING parquet PARTITIONED BY (country)")
    spark.sql("DROP TABLE IF EXISTS sales.amounts")
    spark.sql("CREATE TABLE sales.amounts (id bigint, value double) USING parquet")


def people_file() -> str:
    """The single JSON file seed wrote (Spark names it part-…): renamed to a user-chosen name."""
    import glob
    import os
    import shutil

    target = f"{IN}/people.json"
    if not os.path.exists(target):
        [part] = glob.glob(f"{IN}/people_raw/part-*.json")
        shutil.copyfile(part, target)
    return target


def _orders(spark: Any) -> Any:
    return spark.read.parquet(f"{IN}/orders")


def _customers(spark: Any) -> Any:
    return spark.read.parquet(f"{IN}/customers")


def _write(df: Any, name: str) -> None:
    df.write.mode("overwrite").parquet(f"{OUT}/{name}")


@job
def join_inner(spark: Any) -> None:
    o, c = _orders(spark), _customers(spark)
    _write(o.join(c, "customer_id").select("order_id", "name", "amount"), "join_inner")


@job
def join_left(spark: Any) -> None:
    o, c = _orders(spark), _customers(spark)
    _write(c.join(o, c.customer_id == o.customer_id, "left").select(c.customer_id, c.name, o.amount), "join_left")


@job
def join_semi(spark: Any) -> None:
    o, c = _orders(spark), _customers(spark)
    _write(o.join(c, "customer_id", "left_semi").select("order_id", "amount"), "join_semi")


@job
def join_anti(spark: Any) -> None:
    o, c = _orders(spark), _customers(spark)
    _write(c.join(o, "customer_id", "left_anti").select("customer_id", "name"), "join_anti")


@job
def join_self(spark: Any) -> None:
    from pyspark.sql import functions as F

    a, b = _orders(spark).alias("a"), _orders(spark).alias("b")
    pairs = a.join(b, (F.col("a.customer_id") == F.col("b.customer_id")) & (F.col("a.order_id") < F.col("b.order_id")))
    _write(pairs.select(F.col("a.order_id").alias("first_id"), F.col("b.order_id").alias("next_id")), "join_self")


@job
def group_by(spark: Any) -> None:
    from pyspark.sql import functions as F

    agg = _orders(spark).groupBy("country").agg(F.sum("amount").alias("revenue"), F.count("*").alias("orders"),
                                                F.max("ts").alias("last_ts"))
    _write(agg, "group_by")


@job
def renamed_like_functions(spark: Any) -> None:
    from pyspark.sql import functions as F

    # Plain renames whose new names happen to be aggregate function names.
    _write(_orders(spark).select(F.col("amount").alias("max"), F.col("order_id").alias("count"),
                                 F.col("status").alias("first"), F.col("customer_id").alias("product")),
           "renamed_like_functions")


@job
def rollup(spark: Any) -> None:
    from pyspark.sql import functions as F

    _write(_orders(spark).rollup("country", "status").agg(F.sum("amount").alias("revenue")), "rollup")


@job
def cube_local(spark: Any) -> None:
    from pyspark.sql import functions as F

    local = spark.createDataFrame([("GB", "paid", 1.0), ("US", "open", 2.0)], "country string, status string, v double")
    _write(local.cube("country", "status").agg(F.sum("v").alias("total")), "cube_local")


@job
def grouping_sets(spark: Any) -> None:
    _orders(spark).createOrReplaceTempView("orders")
    _write(spark.sql("SELECT country, status, SUM(amount) AS revenue FROM orders "
                     "GROUP BY GROUPING SETS ((country), (status))"), "grouping_sets")


@job
def window_dedup(spark: Any) -> None:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    w = Window.partitionBy("customer_id").orderBy(F.col("ts").desc())
    latest = _orders(spark).withColumn("rn", F.row_number().over(w)).where("rn = 1").drop("rn")
    _write(latest.select("customer_id", "order_id", "amount"), "window_dedup")


@job
def window_lag(spark: Any) -> None:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    w = Window.partitionBy("customer_id").orderBy("ts")
    _write(_orders(spark).select("order_id", F.lag("amount").over(w).alias("previous_amount")), "window_lag")


@job
def window_running_sum(spark: Any) -> None:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    w = Window.partitionBy("customer_id").orderBy("ts").rowsBetween(Window.unboundedPreceding, Window.currentRow)
    _write(_orders(spark).select("order_id", F.sum("amount").over(w).alias("running_total")), "window_running_sum")


@job
def union_all(spark: Any) -> None:
    events = spark.read.parquet(f"{IN}/events")
    merged = _orders(spark).select("order_id", "amount").union(events.select("user_id", "value"))
    _write(merged, "union_all")


@job
def union_then_aggregate(spark: Any) -> None:
    from pyspark.sql import functions as F

    events = spark.read.parquet(f"{IN}/events")
    both = _orders(spark).select(F.col("customer_id").alias("user_id"), F.col("amount").alias("value")) \
        .union(events.select("user_id", "value"))
    _write(both.groupBy("user_id").agg(F.sum("value").alias("total")), "union_then_aggregate")


@job
def union_by_name(spark: Any) -> None:
    events = spark.read.parquet(f"{IN}/events")
    left = _orders(spark).selectExpr("customer_id AS user_id", "amount AS value", "status")
    _write(left.unionByName(events.select("value", "user_id"), allowMissingColumns=True), "union_by_name")


@job
def explode_items(spark: Any) -> None:
    from pyspark.sql import functions as F

    items = _orders(spark).select("order_id", F.explode("items").alias("item"))
    _write(items.select("order_id", F.col("item.sku").alias("sku"), F.col("item.qty").alias("qty")), "explode_items")


@job
def posexplode_inline(spark: Any) -> None:
    from pyspark.sql import functions as F

    pos = _orders(spark).select("order_id", F.posexplode("items").alias("position", "item"))
    _write(pos.select("order_id", "position", F.inline(F.array("item"))), "posexplode_inline")


@job
def struct_access(spark: Any) -> None:
    c = _customers(spark)
    _write(c.select("customer_id", c.address.city.alias("city"), "address.zip"), "struct_access")


@job
def python_udf(spark: Any) -> None:
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    shout = F.udf(lambda s: s.upper() if s else None, StringType())
    _write(_customers(spark).select("customer_id", shout("name").alias("loud_name")), "python_udf")


@job
def pandas_udf(spark: Any) -> None:
    import pandas as pd
    from pyspark.sql.pandas import functions as PF  # where pandas_udf lives; pyspark.sql.functions re-imports it

    # pandas UDFs read their type hints at definition time: this module has no postponed annotations.
    # pyspark 3.5's stubs only know the deprecated forms that name a functionType, not this one.
    @PF.pandas_udf("double")  # type: ignore[call-overload, untyped-decorator]
    def with_vat(amount: pd.Series) -> pd.Series:
        return amount * 1.2

    _write(_orders(spark).select("order_id", with_vat("amount").alias("gross")), "pandas_udf")


@job
def map_in_pandas(spark: Any) -> None:
    def halve(batches: Iterator[Any]) -> Iterator[Any]:
        for batch in batches:
            yield batch.assign(amount=batch.amount / 2)[["order_id", "amount"]]

    _write(_orders(spark).select("order_id", "amount").mapInPandas(halve, "order_id long, amount double"),
           "map_in_pandas")


@job
def apply_in_pandas(spark: Any) -> None:
    def total(group: Any) -> Any:
        return group.groupby("customer_id", as_index=False)["amount"].sum()

    grouped = _orders(spark).select("customer_id", "amount").groupBy("customer_id")
    _write(grouped.applyInPandas(total, "customer_id long, amount double"), "apply_in_pandas")


@job
def rdd_map(spark: Any) -> None:
    # A typed map through the RDD API, the way PySpark jobs do it: Spark sees an RDD, not columns.
    rows = _orders(spark).select("order_id", "amount").rdd.map(lambda r: (r.order_id, r.amount * 2))
    _write(spark.createDataFrame(rows, "order_id long, doubled double"), "rdd_map")


@job
def cte(spark: Any) -> None:
    _orders(spark).createOrReplaceTempView("orders")
    _write(spark.sql("""
        WITH big AS (SELECT order_id, customer_id, amount FROM orders WHERE amount > 40)
        SELECT b1.order_id, b1.amount, b2.order_id AS other_id
        FROM big b1 JOIN big b2 ON b1.customer_id = b2.customer_id AND b1.order_id <> b2.order_id
    """), "cte")


@job
def scalar_subquery(spark: Any) -> None:
    _orders(spark).createOrReplaceTempView("orders")
    _write(spark.sql("""
        SELECT o.order_id,
               (SELECT AVG(amount) FROM orders) AS avg_amount,
               (SELECT MAX(i.amount) FROM orders i WHERE i.customer_id = o.customer_id) AS customer_max
        FROM orders o
    """), "scalar_subquery")


@job
def in_subquery(spark: Any) -> None:
    _orders(spark).createOrReplaceTempView("orders")
    _customers(spark).createOrReplaceTempView("customers")
    _write(spark.sql("SELECT order_id, amount FROM orders "
                     "WHERE customer_id IN (SELECT customer_id FROM customers WHERE segment = 'gold')"), "in_subquery")


@job
def case_when(spark: Any) -> None:
    _orders(spark).createOrReplaceTempView("orders")
    _write(spark.sql("SELECT order_id, CASE WHEN status = 'paid' THEN amount ELSE 0 END AS paid_amount, "
                     "IF(country = 'GB', 'uk', 'other') AS region FROM orders"), "case_when")


@job
def coalesce_columns(spark: Any) -> None:
    from pyspark.sql import functions as F

    _write(_customers(spark).select("customer_id", F.coalesce("email", "name").alias("contact")), "coalesce_columns")


@job
def pivot(spark: Any) -> None:
    _write(_orders(spark).groupBy("customer_id").pivot("status", ["paid", "open"]).sum("amount"), "pivot")


@job
def drop_duplicates(spark: Any) -> None:
    _write(_orders(spark).dropDuplicates(["customer_id"]).select("customer_id", "country"), "drop_duplicates")


@job
def masking(spark: Any) -> None:
    from pyspark.sql import functions as F

    c = _customers(spark)
    _write(c.select(F.sha2("email", 256).alias("email_sha"), F.md5("name").alias("name_md5"),
                    F.hash("customer_id").alias("id_hash"), F.xxhash64("segment").alias("segment_xx"),
                    F.upper("name").alias("name_upper")), "masking")


@job
def range_source(spark: Any) -> None:
    from pyspark.sql import functions as F

    _write(spark.range(5).select("id", (F.col("id") * F.col("id")).alias("square")), "range_source")


@job
def create_dataframe_source(spark: Any) -> None:
    _write(spark.createDataFrame([(1, "x"), (2, "y")], "k int, v string"), "create_dataframe_source")


@job
def ctas(spark: Any) -> None:
    _orders(spark).createOrReplaceTempView("orders")
    spark.sql("DROP TABLE IF EXISTS sales.big_orders")
    spark.sql("CREATE TABLE sales.big_orders USING parquet AS "
              "SELECT order_id, amount * 2 AS double_amount FROM orders WHERE amount > 40")


@job
def insert_into_partitioned(spark: Any) -> None:
    _orders(spark).createOrReplaceTempView("orders")
    spark.sql("INSERT INTO sales.orders_by_country PARTITION (country) SELECT order_id, amount, country FROM orders")


@job
def insert_overwrite_partitioned(spark: Any) -> None:
    _orders(spark).createOrReplaceTempView("orders")
    spark.sql("INSERT OVERWRITE TABLE sales.orders_by_country PARTITION (country = 'GB') "
              "SELECT order_id, amount FROM orders WHERE country = 'GB'")


@job
def insert_renamed_same_type(spark: Any) -> None:
    # The query's names differ from the table's: Spark adds a cast to the column's own type.
    _orders(spark).createOrReplaceTempView("orders")
    spark.sql("INSERT INTO sales.amounts SELECT order_id AS oid, amount AS amt FROM orders")


@job
def save_as_table(spark: Any) -> None:
    spark.sql("DROP TABLE IF EXISTS sales.customer_names")
    _customers(spark).select("customer_id", "name").write.saveAsTable("sales.customer_names")


@job
def read_single_file(spark: Any) -> None:
    _write(spark.read.json(people_file()).select("name", "age"), "read_single_file")


@job
def read_partitioned(spark: Any) -> None:
    events = spark.read.parquet(f"{IN}/events")
    _write(events.where("day = '2025-11-21'").select("user_id", "event", "day"), "read_partitioned")


@job
def read_directory_csv(spark: Any) -> None:
    _customers(spark).select("customer_id", "segment").write.mode("overwrite").option("header", True) \
        .csv(f"{IN}/segments_csv")
    _write(spark.read.option("header", True).csv(f"{IN}/segments_csv").select("segment"), "read_directory_csv")


@job
def sort_limit_repartition(spark: Any) -> None:
    top = _orders(spark).orderBy("amount").limit(3).repartition(2).select("order_id", "amount")
    _write(top, "sort_limit_repartition")
