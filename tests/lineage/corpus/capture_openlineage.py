"""Runs the lineage corpus on Spark 4 with OpenLineage's listener and stores its lineage objects as fixtures.

    python -m tests.lineage.corpus.capture_openlineage            # every job
    python -m tests.lineage.corpus.capture_openlineage cte pivot  # some jobs

The same jobs as `capture.py` (jobs.py), on PySpark 4.0 (`.venv-spark4`: started from another
interpreter, the script runs itself again there), with the real OpenLineage listener
(`openlineage-spark_2.13`) and our `emrs` transport (the plugin jar), both in `spark.jars` only.
Each job's lineage objects, as our transport wrote them, go to `fixtures_openlineage/<job>/`,
numbered in the order the executions ended; OpenLineage's own file transport output for a few jobs
goes to `tests/lineage/fixtures/openlineage/file-transport.jsonl`. `test_corpus_openlineage.py`
compares them with the hand-written expectations in `expected.py`, edge by edge. Re-run it when
OpenLineage (or our transport) changes and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.lineage.corpus.capture import session
from tests.lineage.corpus.jobs import BASE, JOBS, seed

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parent / "fixtures_openlineage"
# OpenLineage's own file transport output for a few jobs, beside our objects: the JSON-lines form.
FILE_TRANSPORT_FIXTURE = ROOT / "tests" / "lineage" / "fixtures" / "openlineage" / "file-transport.jsonl"
FILE_TRANSPORT_JOBS = ("join_inner", "group_by", "ctas")
SPARK4_PYTHON = ROOT / ".venv-spark4" / "bin" / "python"
PLUGIN_JAR = ROOT / "plugin_jvm" / "target" / "emrs-observe-plugin.jar"
OPENLINEAGE_JAR = ROOT / ".cache" / "jars" / "openlineage-spark_2.13-1.53.0.jar"
LISTENER = "io.openlineage.spark.agent.OpenLineageSparkListener"
LINEAGE = Path(BASE) / "lineage"
EVENTS = Path(BASE) / "openlineage" / "events.jsonl"
APP_NAME = "lineage-corpus"


def openlineage_conf(lineage: Path, events: Path) -> dict[str, str]:
    """OpenLineage as `defaults render` enables it for Spark 4 (jars in `spark.jars` only, the listener,
    our `emrs` transport, dataset-level column lineage), our transport writing to a local folder here.
    A composite transport also hands every event to OpenLineage's own file transport, as EMR's Glue
    feed sits beside ours on emr-spark-8.2.0 and later."""
    for jar in (PLUGIN_JAR, OPENLINEAGE_JAR):
        if not jar.exists():
            raise SystemExit(f"no {jar}: run scripts/setup.sh first")
    transports = "spark.openlineage.transport.transports"
    return {
        "spark.jars": f"{PLUGIN_JAR},{OPENLINEAGE_JAR}",
        "spark.extraListeners": LISTENER,
        "spark.openlineage.transport.type": "composite",
        f"{transports}.emrs.type": "emrs",
        f"{transports}.emrs.location": f"file://{lineage}/",
        f"{transports}.file.type": "file",
        f"{transports}.file.location": str(events),
        "spark.openlineage.columnLineage.datasetLineageEnabled": "true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={BASE}/derby",
    }


def written_objects() -> list[Path]:
    objects = [p for p in LINEAGE.rglob("*.json") if not p.name.startswith(".")]
    # <eventTimeMs>-<runId>.json: the order the executions ended.
    return sorted(objects, key=lambda p: (int(p.name.split("-", 1)[0]), p.name))


def drain(spark: Any) -> None:
    """Waits until the listener has handled every execution and our transport's uploads are done (they
    run on a thread of their own: nothing more written for a moment)."""
    spark.sparkContext._jsc.sc().listenerBus().waitUntilEmpty(120_000)
    seen = -1
    while seen != (seen := len(written_objects())):
        time.sleep(1)


def run_id_of(obj: Path) -> str:
    return obj.stem.split("-", 1)[1]


def capture(names: list[str]) -> dict[str, int]:
    os.environ["PYSPARK_PYTHON"] = sys.executable  # Python workers need this interpreter's pandas and pyarrow
    shutil.rmtree(BASE, ignore_errors=True)
    EVENTS.parent.mkdir(parents=True)
    counts: dict[str, int] = {}
    file_transport_runs: set[str] = set()
    with session(openlineage_conf(LINEAGE, EVENTS), APP_NAME) as spark:
        seed(spark)
        drain(spark)
        for name in names:
            before = set(written_objects())
            JOBS[name](spark)
            drain(spark)
            objects = [obj for obj in written_objects() if obj not in before]
            target = FIXTURES / name
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            for index, obj in enumerate(objects, 1):
                # Stored as our transport wrote it, one object per file; only the name is ours.
                (target / f"{index:02d}.json").write_bytes(obj.read_bytes())
                doc = json.loads(obj.read_bytes())
                outputs = {f"{o['namespace']}:{o['name']}" for e in doc["events"] for o in e.get("outputs") or []}
                print(f"{name}/{index:02d}.json: {doc['events'][-1]['job']['name']} -> {', '.join(sorted(outputs))}")
            if name in FILE_TRANSPORT_JOBS:
                file_transport_runs.update(run_id_of(obj) for obj in objects)
            counts[name] = len(objects)
    if file_transport_runs:
        _keep_file_transport_lines(file_transport_runs)
    return counts


def _keep_file_transport_lines(runs: set[str]) -> None:
    """The file transport's lines of the chosen jobs' runs and of the application's own run (its START
    and COMPLETE, which name no dataset), in the order the transport wrote them."""
    kept = []
    for line in EVENTS.read_text().splitlines():
        event = json.loads(line)
        job_type = (event["job"].get("facets") or {}).get("jobType") or {}
        if event["run"]["runId"] in runs or job_type.get("jobType") == "APPLICATION":
            kept.append(line)
    FILE_TRANSPORT_FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FILE_TRANSPORT_FIXTURE.write_text("\n".join(kept) + "\n")
    print(f"{FILE_TRANSPORT_FIXTURE.relative_to(ROOT)}: {len(kept)} events")


def main(argv: list[str]) -> int:
    import pyspark

    if not pyspark.__version__.startswith("4.") and SPARK4_PYTHON.exists():
        # The same module again, on Spark 4's interpreter.
        return subprocess.run([str(SPARK4_PYTHON), "-m", "tests.lineage.corpus.capture_openlineage", *argv],
                              cwd=ROOT, check=False).returncode
    if not pyspark.__version__.startswith("4."):
        print(f"PySpark {pyspark.__version__}: the OpenLineage corpus runs on PySpark 4.0 (.venv-spark4); "
              "run scripts/setup.sh", file=sys.stderr)
        return 2
    names = argv or list(JOBS)
    unknown = [n for n in names if n not in JOBS]
    if unknown:
        print(f"unknown jobs: {', '.join(unknown)}; known: {', '.join(JOBS)}", file=sys.stderr)
        return 2
    counts = capture(names)
    empty = [n for n, c in counts.items() if c == 0]
    print(f"captured {sum(counts.values())} lineage objects from {len(counts)} jobs on PySpark {pyspark.__version__}")
    if empty:
        print(f"jobs that produced no lineage object: {', '.join(empty)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
