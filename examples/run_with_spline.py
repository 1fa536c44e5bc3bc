"""Runs the example job (spark_job.py) on local Spark with the real Spline agent and our dispatcher,
enabled the way an EMR Serverless application enables them: jars in `spark.jars`, Spline's
listener, the `emrs` dispatcher (writing to a local folder here instead of S3).

    .venv/bin/python examples/run_with_spline.py --out out/demo

Leaves the lake in OUT/acme-lake and one lineage object per execution in OUT/lineage/dt=…/.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_JAR = ROOT / "plugin_jvm" / "target" / "emrs-observe-plugin.jar"
JARS = ROOT / ".cache" / "jars"
LISTENER = "za.co.absa.spline.harvester.listener.SplineQueryExecutionListener"
# Java 17: Spline reads its default configuration through a jar: URL, which needs this
# (AbsaOSS/spline-spark-agent#782); without it the Spark session cannot even be created.
ADD_OPENS = "--add-opens=java.base/sun.net.www.protocol.jar=ALL-UNNAMED"


def spline_bundle() -> Path:
    found = sorted(JARS.glob("spark-3.5-spline-agent-bundle_2.12-*.jar"))
    if not found:
        raise SystemExit(f"no Spline bundle in {JARS}: run scripts/setup.sh first")
    return found[-1]


def spline_conf(location: str, java_options: str = "") -> dict[str, str]:
    """The lineage part of the spark-defaults `emrs-observe defaults render` writes, for a local Spark."""
    return {
        "spark.jars": f"{PLUGIN_JAR},{spline_bundle()}",
        "spark.sql.queryExecutionListeners": LISTENER,
        "spark.spline.lineageDispatcher": "emrs",
        "spark.spline.lineageDispatcher.emrs.className": "emrs.observe.spline.S3LineageDispatcher",
        "spark.spline.lineageDispatcher.emrs.location": location,
        "spark.driver.extraJavaOptions": f"{ADD_OPENS} {java_options}".strip(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, help="folder for the lake and the lineage objects")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    import spark_job
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master("local[2]").appName("orders-daily")
               .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.warehouse.dir", str(out / "warehouse")))
    for key, value in spline_conf(f"file://{out / 'lineage'}/", f"-Dderby.system.home={out / 'derby'}").items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    lake = str(out / "acme-lake")
    spark_job.seed(spark, lake)
    spark_job.run(spark, lake)
    spark.stop()  # waits for Spline's listener and the dispatcher's writes
    print(f"example job done: lake in {lake}, lineage objects in {out / 'lineage'}")


if __name__ == "__main__":
    main()
