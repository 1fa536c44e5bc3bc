"""Captures, with the real Spline agent, the plans whose dataset names the naming tests check.

Run once when Spline or Spark changes (a few minutes, one local Spark driver):

    .venv/bin/python -m tests.lineage.capture_naming

It runs `_JOBS` below in a PySpark 3.5 driver (a child process) with the Spline bundle and the
`console` dispatcher, splits what the agent printed into one plan and one event per execution,
and writes them to `tests/lineage/fixtures/naming/<job>-<n>.plan.json` / `.event.json` exactly
as printed (pretty-printed, nothing removed or renamed). Every path lives under the fixed root
`/tmp/emrs-naming-capture`, so a recapture changes only ids and timestamps.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "naming"
WORK = Path("/tmp/emrs-naming-capture")
JAR_NAME = "spark-3.5-spline-agent-bundle_2.12-2.2.0.jar"
_TOKEN = re.compile(r"^EMRS-CAPTURE-JOB (?P<job>.+)$|Execution(?P<kind>Plan|Event) \(apiVersion: [0-9.]+\):\s*",
                    re.MULTILINE)


def spline_jar() -> Path:
    """Where setup puts the bundle (Maven Central), else the read-only copy beside the repository."""
    for candidate in (ROOT / ".cache" / "jars" / JAR_NAME, ROOT.parent / "shared" / "jars" / JAR_NAME,
                      Path("/work/shared/jars") / JAR_NAME):
        if candidate.is_file():
            return candidate
    raise SystemExit(f"capture_naming: {JAR_NAME} is neither in .cache/jars nor in ../shared/jars")


# Each job prints its marker on stdout before running, so the plans that follow are attributed to it.
_DRIVER = r'''
import sys
from pyspark.sql import SparkSession

work, jar = sys.argv[1], sys.argv[2]
spark = (SparkSession.builder.master("local[1]").appName("naming-capture")
         .config("spark.jars", jar)
         .config("spark.sql.queryExecutionListeners",
                 "za.co.absa.spline.harvester.listener.SplineQueryExecutionListener")
         .config("spark.spline.lineageDispatcher", "console")
         .config("spark.spline.lineageDispatcher.console.stream", "OUT")
         .config("spark.driver.extraJavaOptions", "--add-opens=java.base/sun.net.www.protocol.jar=ALL-UNNAMED")
         .config("spark.sql.warehouse.dir", f"{work}/warehouse")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "1")
         .getOrCreate())
jvm_out = spark.sparkContext._jvm.System.out

def job(name):
    # Spline runs on Spark's listener bus: drain it so every plan printed after a marker is that job's.
    spark.sparkContext._jsc.sc().listenerBus().waitUntilEmpty()
    jvm_out.println("EMRS-CAPTURE-JOB " + name)
    jvm_out.flush()

with open(f"{work}/people.json", "w") as f:
    f.write('{"id": 1, "name": "ann", "country": "NO"}\n{"id": 2, "name": "bob", "country": "SE"}\n')
spark.sql("CREATE DATABASE IF NOT EXISTS sales")

job("ctas")
spark.sql(f"CREATE TABLE sales.people_ctas USING parquet AS SELECT id, upper(name) AS name "
          f"FROM json.`{work}/people.json`")

job("save-as-table")
spark.read.json(f"{work}/people.json").write.mode("overwrite").saveAsTable("sales.people_saved")

job("insert-partitioned-table")
spark.sql("CREATE TABLE sales.people_by_country (id BIGINT, name STRING, country STRING) "
          "USING parquet PARTITIONED BY (country)")
spark.sql("INSERT INTO sales.people_by_country SELECT c.id, c.name, s.country FROM sales.people_ctas c "
          "JOIN sales.people_saved s ON c.id = s.id")

job("named-file-to-partitioned-path")
spark.read.json(f"{work}/people.json").write.mode("overwrite").partitionBy("country").parquet(
    f"{work}/lake/people")

job("partition-read-to-csv-file-folder")
spark.read.parquet(f"{work}/lake/people/country=NO").write.mode("overwrite").csv(f"{work}/exports/report.csv")

job("sql-on-a-dotted-path")
spark.read.json(f"{work}/people.json").write.mode("overwrite").parquet(f"{work}/lake/v1.2/people")
spark.sql(f"SELECT id, name FROM parquet.`{work}/lake/v1.2/people`").write.mode("overwrite").parquet(
    f"{work}/lake/people_v1.2_copy")

job("jdbc")
url = "jdbc:derby:memory:sales;create=true"
spark.read.json(f"{work}/people.json").write.jdbc(url, "APP.PEOPLE", mode="overwrite")
spark.read.jdbc(url, "APP.PEOPLE").write.mode("overwrite").parquet(f"{work}/lake/people_from_jdbc")
job("end")
spark.stop()
'''


def run_driver(jar: Path) -> str:
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    done = subprocess.run([sys.executable, "-c", _DRIVER, str(WORK), str(jar)], cwd=WORK, env=env,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"capture_naming: the Spark driver failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout


def split(stdout: str) -> dict[str, list[tuple[dict[str, Any], dict[str, Any] | None]]]:
    """job → [(plan, event)] in the order the agent printed them."""
    decoder = json.JSONDecoder()
    by_job: dict[str, list[tuple[dict[str, Any], dict[str, Any] | None]]] = {}
    current = "unnamed"
    pos = 0
    # The console dispatcher prints `ExecutionPlan (apiVersion: 1.2):` and the JSON on the next line.
    for match in _TOKEN.finditer(stdout):
        if match.start() < pos:
            continue
        if match.group("job"):
            current = match.group("job").strip()
            continue
        doc, pos = decoder.raw_decode(stdout, match.end())
        entries = by_job.setdefault(current, [])
        if match.group("kind") == "Plan":
            entries.append((doc, None))
        elif entries and entries[-1][1] is None and doc.get("planId") == entries[-1][0].get("id"):
            entries[-1] = (entries[-1][0], doc)
    return by_job


def main() -> None:
    stdout = run_driver(spline_jar())
    by_job = split(stdout)
    if not any(by_job.values()):
        raise SystemExit("capture_naming: the agent printed no plan; is the console dispatcher enabled?")
    if FIXTURES.exists():
        shutil.rmtree(FIXTURES)
    FIXTURES.mkdir(parents=True)
    for job, entries in sorted(by_job.items()):
        if job == "end":
            continue
        for n, (plan, event) in enumerate(entries, start=1):
            stem = FIXTURES / f"{job}-{n}"
            stem.with_suffix(".plan.json").write_text(json.dumps(plan, indent=1, sort_keys=True) + "\n")
            if event is not None:
                stem.with_suffix(".event.json").write_text(json.dumps(event, indent=1, sort_keys=True) + "\n")
            print(f"{stem.name}: {plan['operations']['write']['name']} → "
                  f"{plan['operations']['write']['outputSource']}")


if __name__ == "__main__":
    main()
