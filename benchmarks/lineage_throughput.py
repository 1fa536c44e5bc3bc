"""Objects per second through read + engine + proposal building, beside plain json.loads.

Realistic objects: the example job's two executions and synthetic ETL plans of 2 to 12 joined
stages (tens to hundreds of KB, the size range of real Spline plans). One core, one thread.

    .venv/bin/python -m benchmarks.lineage_throughput [--objects 400]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from benchmarks.plans import synthetic_plan
from emrs_observe.datahub.mcps import ProposalBuilder
from emrs_observe.lineage.engine import compute_lineage
from emrs_observe.lineage.naming import DatasetNamer
from emrs_observe.spline.reader import read_lineage
from tests.lineage import samples
from tests.lineage.planbuilder import lineage_object


def make_objects(folder: Path, count: int) -> list[Path]:
    builders = [samples.enriched_orders(), samples.country_revenue(), *(synthetic_plan(s) for s in range(2, 13, 2))]
    docs = [json.dumps(lineage_object(b.plan(), b.event(1_763_719_231_000), samples.JOB)) for b in builders]
    paths = []
    for i in range(count):
        path = folder / f"{i:05d}.json"
        path.write_text(docs[i % len(docs)])
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_objects(Path(tmp), args.objects)
        total_bytes = sum(p.stat().st_size for p in paths)
        namer, builder = DatasetNamer(), ProposalBuilder()
        best: dict[str, float] = {}
        edges = proposals = 0
        blobs = [(str(p), p.read_bytes()) for p in paths]
        for _ in range(args.rounds):
            times = {"json.loads": 0.0, "read (parse + model)": 0.0, "engine": 0.0, "proposals": 0.0}
            edges = proposals = 0
            for name, data in blobs:
                t0 = time.perf_counter()
                json.loads(data)
                t1 = time.perf_counter()
                result = read_lineage(name, data)
                t2 = time.perf_counter()
                lineages = [(r, compute_lineage(r.plan, namer)) for r in result.records]
                t3 = time.perf_counter()
                for record, lineage in lineages:
                    edges += lineage.edge_count()
                    proposals += len(builder.build(lineage, record.job, record.plan.name, record.event))
                t4 = time.perf_counter()
                times["json.loads"] += t1 - t0
                times["read (parse + model)"] += t2 - t1
                times["engine"] += t3 - t2
                times["proposals"] += t4 - t3
            for key, value in times.items():
                best[key] = min(best.get(key, float("inf")), value)
    n = len(paths)
    loads = best["json.loads"]
    pipeline = best["read (parse + model)"] + best["engine"] + best["proposals"]
    print(f"{n} objects, {total_bytes / n / 1024:.0f} KB average, {edges} column edges, {proposals} proposals,"
          " one core")
    print(f"{'stage':<28}{'seconds':>9}{'objects/s':>11}{'x json.loads':>14}")
    for key, value in best.items():
        print(f"{key:<28}{value:9.2f}{n / value:11.0f}{value / loads:14.2f}")
    print(f"{'read + engine + proposals':<28}{pipeline:9.2f}{n / pipeline:11.0f}{pipeline / loads:14.2f}")
    print(f"engine alone / json.loads: {best['engine'] / loads:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
