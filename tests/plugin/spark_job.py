"""A small PySpark (3.5 or 4.0) job run in its own process with the plugin jar: Spark plugins are
per-JVM, so each configuration under test needs a fresh driver.

Usage: python spark_job.py SPEC.json REPORT.json. SPEC: {"conf": {...}, "lines": N, "master": "...",
"wait_metric": [name, min] | null, "lineage": {...} | null}. The job logs N driver lines through log4j2,
runs a small shuffle (executor lines), then writes REPORT: app id, the driver SparkConf, the UI's
environment (REST and HTML) and metrics, and the event log directory.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import urllib.request
from typing import Any

from pyspark.sql import SparkSession


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode("utf-8"))


def plugin_gauges(ui: str) -> dict[str, int]:
    """Our counters as the Spark metrics servlet shows them: {"logs.sent": n, ...}."""
    gauges = json.loads(fetch(f"{ui}/metrics/json/")).get("gauges", {})
    out: dict[str, int] = {}
    for name, gauge in gauges.items():
        if "LoggerSparkPlugin" in name and ".logs." in name:
            out[name.split(".logs.", 1)[1]] = int(gauge["value"])
    return out


def main(spec_path: str, report_path: str) -> None:
    with open(spec_path) as f:
        spec: dict[str, Any] = json.load(f)
    builder = SparkSession.builder.master(spec.get("master", "local[2]")).appName(spec.get("app", "emrs-plugin-test"))
    for key, value in spec["conf"].items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    jvm = sc._jvm
    assert jvm is not None
    log = jvm.org.apache.logging.log4j.LogManager.getLogger("emrs.test.job")
    other = jvm.org.apache.logging.log4j.LogManager.getLogger("other.pkg.job")
    for i in range(int(spec.get("lines", 10))):
        log.info(f"driver line {i}")
    log.debug("driver debug line")
    other.debug("other debug line")
    other.info("other info line")
    log.error("driver error line", jvm.java.lang.IllegalStateException("boom for the stack trace"))
    if spec.get("reconfigure"):
        # What a job or a library does to log4j: its own file, then a plain reload.
        ctx = jvm.org.apache.logging.log4j.LogManager.getContext(False)
        ctx.setConfigLocation(jvm.java.net.URI(spec["reconfigure"]))
        log.info("after setConfigLocation line")
        jvm.org.apache.logging.log4j.LogManager.getLogger("emrs.quiet.job").warn("non-additive line")
        jvm.org.apache.logging.log4j.core.config.Configurator.reconfigure()
        log.info("after reconfigure line")
    if spec.get("python_output"):
        print("py-print: hello from the driver", flush=True)
        print("py-stderr: to stderr", file=sys.stderr, flush=True)
        logging.basicConfig(level=logging.INFO, format="%(levelname)s:%(name)s:%(message)s")
        logging.getLogger("emrs.pyjob").warning("py-logging: careful")
        sc.parallelize(range(2), 2).foreach(lambda i: print(f"py-worker: partition {i}", flush=True))
    rows = spark.range(0, 1000, numPartitions=2).selectExpr("id % 7 as k").groupBy("k").count().collect()
    report: dict[str, Any] = {"rows": len(rows), "app_id": sc.applicationId, "spark_version": spark.version}
    if spec.get("lineage"):
        lineage = spec["lineage"]
        writer = jvm.emrs.observe.lineage.LineageWriter.fromSpark(sc._jsc.sc(), lineage["location"])
        for item in lineage["items"]:
            report.setdefault("lineage_keys", []).append(
                writer.write(item["plan"], item["event"])
            )
        report["lineage_counters"] = json.loads(writer.countersJson())
    ui = sc.uiWebUrl
    if ui:
        wait = spec.get("wait_metric")
        deadline = time.monotonic() + float(spec.get("wait_s", 30))
        gauges = plugin_gauges(ui)
        while wait and gauges.get(wait[0], 0) < wait[1] and time.monotonic() < deadline:
            time.sleep(0.2)
            gauges = plugin_gauges(ui)
        report["gauges"] = gauges
        report["ui_environment_rest"] = fetch(f"{ui}/api/v1/applications/{sc.applicationId}/environment")
        report["ui_environment_html"] = fetch(f"{ui}/environment/")
    report["conf"] = dict(sc.getConf().getAll())
    time.sleep(float(spec.get("sleep_s", 0)))
    if spec.get("python_output"):
        with open(report_path, "w") as f:
            json.dump(report, f)
        fail()  # uncaught, with the SparkContext still running, as a failing job ends
    spark.stop()
    with open(report_path, "w") as f:
        json.dump(report, f)


def fail() -> None:
    empty: dict[str, str] = {}
    try:
        empty["missing"]
    except KeyError as e:
        raise ValueError("py-boom: the job failed") from e


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
