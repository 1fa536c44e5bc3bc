"""A PySpark job run in its own process on the application defaults under SPARK_CONF_DIR, with its
own settings passed as `--conf` (pyspark hands builder settings to spark-submit): the same layering
as EMR Serverless (application spark-defaults, then the job run's --conf).

Usage: python spark_overrides_job.py SPEC.json REPORT.json. SPEC: {"conf": {...}, "output": dir}.
REPORT: the driver JVM's arguments, the plugins and listeners as Spark reads them.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pyspark.sql import SparkSession


def main(spec_path: str, report_path: str) -> None:
    with open(spec_path) as f:
        spec: dict[str, Any] = json.load(f)
    builder = SparkSession.builder.master("local[1]").appName("emrs-overrides-test")
    for key, value in spec["conf"].items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    spark.range(3).write.mode("overwrite").parquet(spec["output"])  # one execution for Spline
    conf = spark.sparkContext.getConf()
    report = {
        "jvm_arguments": list(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()),
        "spark.plugins.defaultList": conf.get("spark.plugins.defaultList", None),
        "spark.plugins": conf.get("spark.plugins", None),
        "listeners": conf.get("spark.sql.queryExecutionListeners", None),
    }
    spark.stop()
    with open(report_path, "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
