"""A PySpark (3.5 or 4.0) job for the metrics path, run in its own process with the plugin jar.

Usage: python metrics_job.py SPEC.json REPORT.json. SPEC: {"conf": {...}, "master": "...", "out": dir,
"rows": N, "sleep_s": s}. The job writes N rows as Parquet, runs a task whose first attempt fails
(its retry succeeds), joins and aggregates what it wrote, caches a small dataset, and then reports
what Spark's own REST API (the application status store) says about jobs, stages, executors and
RDDs, the files it wrote, the plugin's counters from the metrics servlet, and how long
`spark.stop()` took.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from pyspark import TaskContext
from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def fetch(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def fail_first_attempt(rows: Any) -> Any:
    ctx = TaskContext.get()
    if ctx is not None and ctx.partitionId() == 0 and ctx.attemptNumber() == 0:
        raise RuntimeError("emrs-test: the first attempt of this task fails on purpose")
    return rows


def plugin_gauges(ui: str) -> dict[str, int]:
    gauges = fetch(f"{ui}/metrics/json/").get("gauges", {})
    marker = "LoggerSparkPlugin."
    return {name.split(marker, 1)[1]: int(g["value"]) for name, g in gauges.items() if marker in name}


def main(spec_path: str, report_path: str) -> None:
    spec: dict[str, Any] = json.loads(Path(spec_path).read_text())
    started = time.time()
    builder = SparkSession.builder.master(spec["master"]).appName("emrs-metrics-test")
    for key, value in spec["conf"].items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    out = spec["out"]
    rows = int(spec["rows"])
    data = spark.range(0, rows, numPartitions=4).selectExpr(
        "id", "id % 13 as k", "concat('v', cast(id as string)) as s"
    )
    data.write.mode("overwrite").parquet(out)
    sc.parallelize(range(100), 4).mapPartitions(fail_first_attempt).count()
    back = spark.read.parquet(out)
    per_key = back.groupBy("k").agg(F.count("*").alias("n"))
    joined = back.join(per_key, "k").groupBy("k").agg(F.sum("n").alias("total")).collect()
    cached = spark.range(0, 5000, numPartitions=2).cache()
    cached.count()
    time.sleep(float(spec.get("sleep_s", 0)))
    ui = sc.uiWebUrl
    assert ui, "the job needs Spark's UI (REST API) to report what Spark says"
    api = f"{ui}/api/v1/applications/{sc.applicationId}"
    report: dict[str, Any] = {
        "app_id": sc.applicationId,
        "spark_version": spark.version,
        "joined_keys": len(joined),
        "jobs": fetch(f"{api}/jobs"),
        "stages": fetch(f"{api}/stages"),
        "executors": fetch(f"{api}/executors"),
        "allexecutors": fetch(f"{api}/allexecutors"),
        "rdds": fetch(f"{api}/storage/rdd"),
        "gauges": plugin_gauges(ui),
        "written_bytes": sum(p.stat().st_size for p in Path(out).glob("part-*")),
        "conf": dict(sc.getConf().getAll()),
    }
    stop_started = time.time()
    report["ran_s"] = stop_started - started
    spark.stop()
    report["stop_s"] = time.time() - stop_started
    Path(report_path).write_text(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
