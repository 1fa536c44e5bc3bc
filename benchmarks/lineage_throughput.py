"""Objects per second through read + engine + proposal building, beside plain json.loads.

Three sets, side by side in one run: the lineage objects the real Spline agent and our dispatcher
wrote for the corpus jobs on Spark 3.5 (tests/lineage/corpus/fixtures), the OpenLineage objects the
real listener and our transport wrote for the same jobs on Spark 4 (corpus/fixtures_openlineage),
and synthetic ETL plans of 2 to 12 joined stages (tens to hundreds of KB, the size range of big real
plans). Each set's objects are cycled to the same count. Medians over rounds; one core, one thread.
The object sizes of the two captured sets (same jobs, two forms) are printed first.

    .venv/bin/python -m benchmarks.lineage_throughput [--objects 400]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from pathlib import Path

from benchmarks.plans import synthetic_plan
from emrs_observe.datahub.mcps import ProposalBuilder
from emrs_observe.lineage.naming import DatasetNamer
from emrs_observe.pipeline.forms import proposals, read_object, trace
from emrs_observe.pipeline.gcpause import collector_paused_for
from tests.lineage import samples
from tests.lineage.planbuilder import lineage_object

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "lineage" / "corpus" / "fixtures"
OPENLINEAGE_CORPUS = CORPUS.parent / "fixtures_openlineage"


def synthetic_objects(count: int) -> list[tuple[str, bytes]]:
    builders = [samples.enriched_orders(), samples.country_revenue(), *(synthetic_plan(s) for s in range(2, 13, 2))]
    docs = [json.dumps(lineage_object(b.plan(), b.event(1_763_719_231_000), samples.JOB)).encode() for b in builders]
    return [(f"synthetic-{i:05d}.json", docs[i % len(docs)]) for i in range(count)]


def real_objects(count: int, folder: Path = CORPUS) -> list[tuple[str, bytes]]:
    """What the real agent (Spline's, or OpenLineage's listener) and our writer wrote for the corpus jobs."""
    docs = [p.read_bytes() for p in sorted(folder.glob("*/*.json"))]
    return [(f"real-{i:05d}.json", docs[i % len(docs)]) for i in range(count)]


def sizes() -> None:
    """Bytes per lineage object of the same corpus jobs in both forms."""
    print("object sizes, the corpus jobs in both forms (bytes):")
    print(f"{'form':<44}{'objects':>8}{'median':>9}{'mean':>9}{'total':>11}")
    for title, folder in (("Spline (Spark 3.5, emrs-observe.lineage)", CORPUS),
                          ("OpenLineage (Spark 4, emrs-observe.openlineage)", OPENLINEAGE_CORPUS)):
        found = [p.stat().st_size for p in sorted(folder.glob("*/*.json"))]
        print(f"{title:<44}{len(found):>8}{statistics.median(found):>9.0f}{statistics.mean(found):>9.0f}"
              f"{sum(found):>11}")


def _pipeline(name: str, data: bytes, namer: DatasetNamer, builder: ProposalBuilder,
              times: dict[str, float]) -> tuple[int, int]:
    """One object as the processor's worker handles it: what is kept afterwards is the lineage and
    the proposals, and the plan's graph is freed on return."""
    t1 = time.perf_counter()
    result = read_object(name, data)
    t2 = time.perf_counter()
    lineages = [(r, trace(r, namer)) for r in result.records]
    t3 = time.perf_counter()
    edges = made = 0
    for record, lineage in lineages:
        edges += lineage.edge_count()
        made += len(proposals(builder, record, lineage))
    times["read (parse + model)"] += t2 - t1
    times["engine"] += t3 - t2
    times["proposals"] -= t3  # the proposals stage ends after the collector's pause: see measure()
    return edges, made


def measure(blobs: list[tuple[str, bytes]], rounds: int) -> tuple[dict[str, float], int, int]:
    """Median seconds per stage over the rounds, and the edges and proposals of one round.

    Each round parses every object with json.loads in one pass, then runs the pipeline over every
    object in a second pass, each pass after a full collection, so that each pays for the garbage
    collections its own objects cause and no other's (interleaved per object, collections that the
    pipeline's objects had made due landed in the next json.loads, and made the ratio look better).
    The pipeline runs under the collector's pause as the processor runs it; the look at what was
    made meanwhile, when the pause ends, is timed with the proposals.
    """
    namer, builder = DatasetNamer(), ProposalBuilder()
    samples_by_stage: dict[str, list[float]] = {}
    edges = proposals = 0
    for _ in range(rounds):
        times = {"json.loads": 0.0, "read (parse + model)": 0.0, "engine": 0.0, "proposals": 0.0}
        edges = proposals = 0
        gc.collect()
        t0 = time.perf_counter()
        for _, data in blobs:
            json.loads(data)
        times["json.loads"] = time.perf_counter() - t0
        gc.collect()
        for name, data in blobs:
            with collector_paused_for(len(data)):
                counts = _pipeline(name, data, namer, builder, times)
            times["proposals"] += time.perf_counter()
            edges += counts[0]
            proposals += counts[1]
        for key, value in times.items():
            samples_by_stage.setdefault(key, []).append(value)
    return {k: statistics.median(v) for k, v in samples_by_stage.items()}, edges, proposals


def report(title: str, blobs: list[tuple[str, bytes]], rounds: int) -> None:
    medians, edges, proposals = measure(blobs, rounds)
    n = len(blobs)
    size = sum(len(d) for _, d in blobs) / n / 1024
    loads = medians["json.loads"]
    pipeline = medians["read (parse + model)"] + medians["engine"] + medians["proposals"]
    print(f"\n{title}: {n} objects, {size:.0f} KB average, {edges} column edges, {proposals} proposals; "
          f"median of {rounds} rounds, one core")
    print(f"{'stage':<28}{'seconds':>9}{'objects/s':>11}{'x json.loads':>14}")
    for key, value in medians.items():
        print(f"{key:<28}{value:9.3f}{n / value:11.0f}{value / loads:14.2f}")
    print(f"{'read + engine + proposals':<28}{pipeline:9.3f}{n / pipeline:11.0f}{pipeline / loads:14.2f}"
          "   (target <= 3x)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sizes()
    report("real plans (captured from the Spline agent, Spark 3.5)", real_objects(args.objects), args.rounds)
    report("real OpenLineage objects (the same jobs: OpenLineage's listener and our transport, Spark 4)",
           real_objects(args.objects, OPENLINEAGE_CORPUS), args.rounds)
    report("synthetic ETL plans (2-12 joined stages)", synthetic_objects(args.objects), args.rounds)


if __name__ == "__main__":
    main()
