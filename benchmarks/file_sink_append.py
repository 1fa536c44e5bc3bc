"""Time per flushed batch of the file sink as its file grows: flat means the cost is the batch, not the file.

Each batch is the proposals of the example job's two executions, repeated to `--batch` objects
(what `lineage run --batch-size` sends between checkpoint saves). Prints the median flush time of
the first and of the last ten batches and the file size at the end.

    .venv/bin/python -m benchmarks.file_sink_append [--batches 200] [--batch 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from emrs_observe.datahub.mcps import ProposalBuilder
from emrs_observe.datahub.sinks import FileSink
from emrs_observe.lineage.engine import compute_lineage
from emrs_observe.spline.model import JobInfo
from emrs_observe.spline.plans import parse_event, parse_plan
from tests.lineage import samples


def batch_of(objects: int) -> list:  # type: ignore[type-arg]
    builder, proposals = ProposalBuilder(), []
    job = JobInfo(spark_app_name="orders-daily")
    for i in range(objects):
        plan_builder = (samples.enriched_orders, samples.country_revenue)[i % 2]()
        plan = parse_plan(plan_builder.plan())
        proposals.extend(builder.build(compute_lineage(plan), job, plan.name, parse_event(plan_builder.event(i))))
    return proposals


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--batch", type=int, default=200, help="lineage objects per batch")
    args = parser.parse_args()
    proposals = batch_of(args.batch)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mcps.json"
        sink = FileSink(str(path))
        times = []
        for _ in range(args.batches):
            sink.emit(proposals)
            started = time.perf_counter()
            sink.flush()
            times.append(time.perf_counter() - started)
        size_mb = path.stat().st_size / 1e6
    print(f"{args.batches} batches of {len(proposals)} proposals ({args.batch} objects), "
          f"file {size_mb:.0f} MB at the end")
    print(f"median flush, first 10 batches: {statistics.median(times[:10]) * 1000:.0f} ms")
    print(f"median flush, last 10 batches:  {statistics.median(times[-10:]) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
