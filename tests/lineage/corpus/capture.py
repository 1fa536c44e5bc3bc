"""Runs the lineage corpus with the real Spline agent and stores what it wrote as golden fixtures.

    .venv/bin/python -m tests.lineage.corpus.capture            # every job
    .venv/bin/python -m tests.lineage.corpus.capture cte pivot  # some jobs

The agent is enabled the way production enables it: the Spline bundle and the plugin jar in
`spark.jars` only, Spline's listener, and our `emrs` dispatcher writing one lineage object per
execution (here to a local folder instead of S3). Each job's objects go to `fixtures/<job>/`,
numbered in the order the executions ran. Re-run it when the Spline version changes and review
the diff: `test_corpus.py` then says which expectations no longer hold.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from examples.run_with_spline import spline_conf
from tests.lineage.corpus.jobs import BASE, JOBS, seed

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LINEAGE = Path(BASE) / "lineage"


@contextmanager
def session(conf: dict[str, str], app_name: str = "lineage-corpus") -> Iterator[Any]:
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master("local[2]").appName(app_name)
               .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.warehouse.dir", f"{BASE}/warehouse")
               .config("spark.sql.sources.partitionOverwriteMode", "static"))
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    try:
        yield spark
    finally:
        spark.stop()


def drain(spark: Any) -> None:
    """Waits until Spline's listener has handled every execution and the dispatcher's uploads are
    done (they run on their own thread: nothing left to write for a moment)."""
    spark.sparkContext._jsc.sc().listenerBus().waitUntilEmpty(120_000)
    seen = -1
    while seen != (seen := len(written_objects())):
        time.sleep(1)


def written_objects() -> list[Path]:
    objects = [p for p in LINEAGE.rglob("*.json") if not p.name.startswith(".")]
    # <eventTimestampMs>-<planId>.json: execution order.
    return sorted(objects, key=lambda p: (int(p.name.split("-", 1)[0]), p.name))


def capture(names: list[str]) -> dict[str, int]:
    # Python workers run this interpreter, which has pandas and pyarrow for the pandas UDF jobs.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    shutil.rmtree(BASE, ignore_errors=True)
    counts: dict[str, int] = {}
    with session(spline_conf(f"file://{LINEAGE}/", f"-Dderby.system.home={BASE}/derby")) as spark:
        seed(spark)
        drain(spark)
        shutil.rmtree(LINEAGE, ignore_errors=True)
        for name in names:
            JOBS[name](spark)
            drain(spark)
            target = FIXTURES / name
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            objects = written_objects()
            for index, obj in enumerate(objects, 1):
                doc = json.loads(obj.read_bytes())
                # Stored as the dispatcher wrote it, one object per file; only the name is ours.
                (target / f"{index:02d}.json").write_bytes(obj.read_bytes())
                print(f"{name}/{index:02d}.json: {doc['executionPlan']['operations']['write']['name']} "
                      f"-> {doc['executionPlan']['operations']['write']['outputSource']}")
            counts[name] = len(objects)
            shutil.rmtree(LINEAGE, ignore_errors=True)
    return counts


def main(argv: list[str]) -> int:
    names = argv or list(JOBS)
    unknown = [n for n in names if n not in JOBS]
    if unknown:
        print(f"unknown jobs: {', '.join(unknown)}; known: {', '.join(JOBS)}", file=sys.stderr)
        return 2
    counts = capture(names)
    empty = [n for n, c in counts.items() if c == 0]
    print(f"captured {sum(counts.values())} lineage objects from {len(counts)} jobs")
    if empty:
        print(f"jobs that produced no lineage object: {', '.join(empty)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
