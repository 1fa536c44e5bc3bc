"""How one huge plan goes through read + engine + proposal building: time and peak memory.

Each size runs in a fresh interpreter so peak RSS belongs to that plan alone; the interpreter's
own footprint with every import loaded is measured the same way and reported beside it.

    .venv/bin/python -m benchmarks.lineage_large_plan [--sizes-mb 25,50,100]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from dataclasses import replace
from emrs_observe.spline.reader import read_lineage
from emrs_observe.lineage.engine import compute_lineage
from emrs_observe.datahub.mcps import ProposalBuilder
from emrs_observe.pipeline.gcpause import collector_paused_for
path = sys.argv[1]
if path == "-":
    print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    sys.exit(0)
t0 = time.perf_counter()
data = open(path, "rb").read()
t1 = time.perf_counter()
json.loads(data)
t2 = time.perf_counter()
with collector_paused_for(len(data)):  # as the processor's worker runs an object
    result = read_lineage(path, data)
    t3 = time.perf_counter()
    record = result.records[0]
    sizes = {"operations": len(record.plan.operations), "attributes": len(record.plan.attributes),
             "expressions": len(record.plan.expressions)}
    lineage = compute_lineage(record.plan)
    t4 = time.perf_counter()
    proposals = ProposalBuilder().build(lineage, record.job, record.plan.name, record.event)
    t5 = time.perf_counter()
    # What the worker keeps: the plan's identity; the graph is freed before the pause ends.
    record = replace(record, plan=record.plan.without_graph())
    del result
t6 = time.perf_counter()
print(json.dumps({"read_s": t1 - t0, "json_loads_s": t2 - t1, "parse_to_model_s": t3 - t2,
                  "engine_s": t4 - t3, "proposals_s": t5 - t4, "free_s": t6 - t5, "total_s": t6 - t0,
                  "columns": len(lineage.columns), "edges": lineage.edge_count(), "proposals": len(proposals),
                  **sizes,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes-mb", default="25,50,100")
    args = parser.parse_args()
    from benchmarks.plans import write_plan_of_size

    base = json.loads(subprocess.run([sys.executable, "-c", CHILD, "-"], capture_output=True, text=True,
                                     check=True).stdout)
    print(f"interpreter with imports: {base['rss_mb']:.0f} MB RSS")
    print(f"{'size MB':>8} {'ops':>7} {'attrs':>8} {'exprs':>8} {'loads s':>8} {'model s':>8} {'engine s':>9} "
          f"{'mcps s':>7} {'free s':>7} {'total s':>8} {'peak MB':>8} {'peak-base':>9} {'x file':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for size_mb in (float(s) for s in args.sizes_mb.split(",")):
            path = Path(tmp) / f"plan-{size_mb}.json"
            real = write_plan_of_size(path, int(size_mb * 1024 * 1024))
            out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout)
            file_mb = real / 1024 / 1024
            extra = r["rss_mb"] - base["rss_mb"]
            print(f"{file_mb:8.1f} {r['operations']:7d} {r['attributes']:8d} {r['expressions']:8d} "
                  f"{r['json_loads_s']:8.2f} {r['parse_to_model_s']:8.2f} {r['engine_s']:9.2f} "
                  f"{r['proposals_s']:7.2f} {r['free_s']:7.2f} {r['total_s']:8.2f} {r['rss_mb']:8.0f} {extra:9.0f} "
                  f"{r['rss_mb'] / file_mb:7.1f}")
            path.unlink()


if __name__ == "__main__":
    main()
