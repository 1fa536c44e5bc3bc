"""Runs the lineage corpus on Spark 4 with OpenLineage's listener and stores its lineage objects as fixtures.

    python -m tests.lineage.corpus.capture_openlineage            # every job
    python -m tests.lineage.corpus.capture_openlineage cte pivot  # some jobs

The same jobs as `capture.py` (jobs.py), on PySpark 4.0 (`.venv-spark4`: started from another
interpreter, the script runs itself again there), with the real OpenLineage listener
(`openlineage-spark_2.13`) and our `emrs` transport (the plugin jar), both in `spark.jars` only,
configured with the OpenLineage settings `defaults render` writes for emr-spark-8.0.0.
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

from emrs_observe.defaults.render import RenderRequest, render_properties
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
RELEASE = "emr-spark-8.0.0"
FILE_TRANSPORT_FLAG = "--file-transport-only"


def openlineage_conf(lineage: Path) -> dict[str, str]:
    """The OpenLineage settings `defaults render` writes for emr-spark-8.0.0 (listener, our `emrs`
    transport, dataset-level column lineage, the facets it leaves out), with the jars and the
    lineage location made local: the objects are what a production job writes."""
    for jar in (PLUGIN_JAR, OPENLINEAGE_JAR):
        if not jar.exists():
            raise SystemExit(f"no {jar}: run scripts/setup.sh first")
    rendered = render_properties(RenderRequest(
        release_label=RELEASE, plugin_jar="s3://corpus-bucket/emrs-observe-plugin.jar",
        lineage_location="s3://corpus-bucket/lineage/", vault_addr="https://vault.invalid:8200",
        vault_role="corpus", openlineage_jar="s3://corpus-bucket/jars/"))
    conf = {k: v for k, v in rendered.items() if k.startswith("spark.openlineage.") or k == "spark.extraListeners"}
    conf["spark.jars"] = f"{PLUGIN_JAR},{OPENLINEAGE_JAR}"
    conf["spark.openlineage.transport.location"] = f"file://{lineage}/"
    conf["spark.driver.extraJavaOptions"] = f"-Dderby.system.home={BASE}/derby"
    return conf


def file_transport_conf(events: Path) -> dict[str, str]:
    """OpenLineage as a team might run it without this project: its own file transport, its defaults."""
    return {
        "spark.jars": str(OPENLINEAGE_JAR),
        "spark.extraListeners": LISTENER,
        "spark.openlineage.transport.type": "file",
        "spark.openlineage.transport.location": str(events),
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


def capture(names: list[str]) -> dict[str, int]:
    os.environ["PYSPARK_PYTHON"] = sys.executable  # Python workers need this interpreter's pandas and pyarrow
    shutil.rmtree(BASE, ignore_errors=True)
    counts: dict[str, int] = {}
    with session(openlineage_conf(LINEAGE), APP_NAME) as spark:
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
            counts[name] = len(objects)
    jobs = [name for name in names if name in FILE_TRANSPORT_JOBS]
    if jobs:
        # In a JVM of its own: a second session in this one keeps the first one's OpenLineage settings.
        subprocess.run([sys.executable, "-m", "tests.lineage.corpus.capture_openlineage", FILE_TRANSPORT_FLAG, *jobs],
                       cwd=ROOT, check=True)
    return counts


def capture_file_transport(jobs: list[str]) -> None:
    """The JSON lines OpenLineage's own file transport writes for some jobs, from seeding to the end of
    the application: the application's own run (START, COMPLETE) and every execution's, interleaved
    as they ran."""
    shutil.rmtree(BASE, ignore_errors=True)
    EVENTS.parent.mkdir(parents=True)
    with session(file_transport_conf(EVENTS), APP_NAME) as spark:
        seed(spark)
        spark.sparkContext._jsc.sc().listenerBus().waitUntilEmpty(120_000)
        seeded = len(EVENTS.read_text().splitlines())
        for name in jobs:
            JOBS[name](spark)
    # The seed's executions are not part of the fixture; the application's START, sent before them, is.
    kept = [line for number, line in enumerate(EVENTS.read_text().splitlines())
            if number >= seeded or '"jobType":"APPLICATION"' in line]
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
    if argv[:1] == [FILE_TRANSPORT_FLAG]:
        os.environ["PYSPARK_PYTHON"] = sys.executable
        capture_file_transport(argv[1:])
        return 0
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
