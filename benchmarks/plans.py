"""Synthetic Spline plans of a chosen size, shaped like the wide, deep plans big ETL jobs produce.

Each stage joins the running result with a fresh wide source, derives new columns from pairs of
existing ones (sharing sub-expressions, as Catalyst plans do), filters, and every few stages
aggregates or unions. The JSON grows linearly with the number of stages.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.lineage.planbuilder import Op, PlanBuilder, lineage_object

WIDTH = 40


def stage(b: PlanBuilder, current: Op, index: int) -> Op:
    """Joins a new wide source; keeps the columns derived last stage and derives new ones from the source.

    Every column lives two stages, so each column's lineage stays a handful of source columns, as in
    real ETL; the plan, not the answer, is what grows.
    """
    half = WIDTH // 2
    source = b.read([f"s3://lake/raw/source_{index}/dt=2026-01-01/part-0000.parquet"],
                    [f"s{index}_c{c}" for c in range(WIDTH)])
    key = b.fn("equalto", current.output[0], source.output[0], class_name="EqualTo")
    joined = b.join(current, source, key, "LEFT OUTER")
    shared = b.fn("coalesce", source.output[1], b.lit(0), class_name="Coalesce")
    kept = current.output[half:]
    derived = []
    for c in range(half):
        left = source.output[c]
        right = source.output[(c * 7) % WIDTH]
        expr = b.fn("add", b.fn("multiply", left, shared, class_name="Multiply"), right, class_name="Add")
        derived.append(b.alias(expr, f"st{index}_d{c}"))
    projected = b.project(joined, [*kept, *derived])
    filtered = b.filter(projected, b.fn("isnotnull", projected.output[0], class_name="IsNotNull"))
    if index % 5 == 4:
        return b.aggregate(filtered, filtered.output[:1],
                           [b.alias(b.agg("sum", a), f"{a.name}_sum") for a in filtered.output[1:]])
    if index % 7 == 6:
        other = b.read([f"s3://lake/raw/extra_{index}"], [a.name for a in filtered.output])
        return b.union(filtered, other)
    return filtered


def synthetic_plan(stages: int) -> PlanBuilder:
    b = PlanBuilder(name="synthetic-etl", plan_id=f"00000000-0000-0000-0000-{stages:012d}")
    current = b.read(["s3://lake/raw/base"], [f"base_c{c}" for c in range(WIDTH)])
    for index in range(stages):
        current = stage(b, current, index)
    b.write(current, "s3://lake/curated/synthetic", table=("curated", "synthetic"))
    return b


def write_plan_of_size(path: Path, target_bytes: int) -> int:
    """Writes a lineage object of about `target_bytes`; returns its real size."""
    probe = synthetic_plan(10)
    per_stage = len(json.dumps(lineage_object(probe.plan(), probe.event(1), {}))) / 10
    builder = synthetic_plan(max(1, int(target_bytes / per_stage)))
    path.write_text(json.dumps(lineage_object(builder.plan(), builder.event(1_700_000_000_000),
                                              {"sparkAppName": "synthetic-etl"})))
    return path.stat().st_size
