"""A small Spark job run with the real Spline agent, in its own process (one driver per Spark conf).

    python tests/lineage/agent_job.py SPEC.json

SPEC: {"conf": {...spark conf...}, "lake": "s3a://lake" or a folder}. The job seeds orders and
customers, joins and aggregates them into `<lake>/out/revenue`, waits until Spline's listener
has handled every execution, and exits 0 when Spark did (whatever lineage did).
"""

import json
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main(spec_path: str) -> None:
    with open(spec_path) as f:
        spec = json.load(f)
    builder = SparkSession.builder.master("local[2]").appName("revenue-daily")
    for key, value in spec["conf"].items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    lake = spec["lake"]
    order_rows = [(1, 10, 120.0), (2, 10, 30.0), (3, 20, 80.0)]
    spark.createDataFrame(order_rows, "order_id long, customer_id long, amount double") \
        .write.mode("overwrite").parquet(f"{lake}/in/orders")
    spark.createDataFrame([(10, "GB"), (20, "US")], "customer_id long, country string") \
        .write.mode("overwrite").parquet(f"{lake}/in/customers")
    orders, customers = spark.read.parquet(f"{lake}/in/orders"), spark.read.parquet(f"{lake}/in/customers")
    revenue = (orders.join(customers, "customer_id").where(F.col("amount") > 0)
               .groupBy("country").agg(F.sum("amount").alias("revenue"), F.max(F.sha2("country", 256)).alias("tag")))
    revenue.write.mode("overwrite").parquet(f"{lake}/out/revenue")
    rows = spark.read.parquet(f"{lake}/out/revenue").count()
    print(json.dumps({"rows": rows, "app_id": spark.sparkContext.applicationId}), flush=True)
    spark.stop()  # returns once every listener, Spline's and our dispatcher's, has finished


if __name__ == "__main__":
    main(sys.argv[1])
