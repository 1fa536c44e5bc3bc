"""The column-lineage engine on synthetic plans: what no small real job shows (per-edge transforms
in one expression, cycles, plans too deep or too shared for a naive walk). Operator by operator,
the engine is tested on plans the real Spline agent wrote: test_corpus.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emrs_observe.lineage.engine import LineageError, compute_lineage
from emrs_observe.lineage.naming import DatasetNamer
from emrs_observe.spline.plans import parse_plan
from tests.lineage import samples
from tests.lineage.expected import COUNTRY_REVENUE, ENRICHED_ORDERS
from tests.lineage.helpers import summarise
from tests.lineage.planbuilder import PlanBuilder, to_internal

RAW = "s3://lake/raw/t/part-0.parquet"


def lineage_of(builder: PlanBuilder, namer: DatasetNamer | None = None) -> dict[str, Any]:
    return summarise(compute_lineage(parse_plan(json.loads(json.dumps(builder.plan()))), namer))


def columns_of(builder: PlanBuilder) -> dict[str, tuple[list[str], str | None]]:
    columns: dict[str, tuple[list[str], str | None]] = lineage_of(builder)["columns"]
    return columns


def test_the_example_job_gives_the_hand_written_lineage() -> None:
    assert lineage_of(samples.enriched_orders()) == ENRICHED_ORDERS
    assert lineage_of(samples.country_revenue()) == COUNTRY_REVENUE


def test_internal_model_refs_give_the_same_lineage() -> None:
    plan = to_internal(samples.enriched_orders().plan())
    assert summarise(compute_lineage(parse_plan(plan))) == ENRICHED_ORDERS


def test_each_edge_has_its_own_transform_and_a_hash_masks() -> None:
    """`a + sum(b)`: `a` is transformed, `b` aggregated; `sha2(c)` masks `c`."""
    b = PlanBuilder()
    src = b.read([RAW], ["a", "b", "c"])
    mixed = b.fn("add", src["a"], b.agg("sum", src["b"]), class_name="Add")
    agg = b.aggregate(src, [], [b.alias(mixed, "mixed"), b.alias(b.fn("sha2", src["c"], class_name="Sha2"), "c_sha")])
    b.write(agg, "s3://lake/out/x")
    lineage = compute_lineage(parse_plan(json.loads(json.dumps(b.plan()))))
    edges = {c.column: [(str(e.upstream), e.transform.value, e.masking) for e in c.edges] for c in lineage.columns}
    assert edges == {
        "mixed": [("s3:lake/raw/t.a", "TRANSFORMATION", False), ("s3:lake/raw/t.b", "AGGREGATION", False)],
        "c_sha": [("s3:lake/raw/t.c", "TRANSFORMATION", True)],
    }


def test_a_cycle_is_an_error_naming_the_plan() -> None:
    b = PlanBuilder()
    src = b.read([RAW], ["a"])
    out = b.project(src, [b.alias(src["a"], "x")])
    b.write(out, "s3://lake/out/x")
    plan = b.plan()
    alias = next(f for f in plan["expressions"]["functions"] if f["extra"]["simpleClassName"] == "Alias")
    alias_attr = next(a for a in plan["attributes"] if a.get("childRefs"))
    alias["childRefs"] = [{"__attrId": alias_attr["id"]}]  # x = alias(x)
    with pytest.raises(LineageError, match=f"plan {b.plan_id}: the expression graph has a cycle"):
        compute_lineage(parse_plan(plan))


def test_shared_subexpressions_are_walked_once() -> None:
    """Each level uses the previous one twice: a naive walk would take 2**300 steps."""
    b = PlanBuilder()
    src = b.read([RAW], ["a"])
    node = b.fn("abs", src["a"])
    for _ in range(300):
        node = b.fn("add", node, node, class_name="Add")
    b.write(b.project(src, [b.alias(node, "huge")]), "s3://lake/out/dag")
    assert columns_of(b) == {"huge": (["s3:lake/raw/t.a"], "TRANSFORMATION")}


def test_very_deep_plans_do_not_overflow_the_stack() -> None:
    b = PlanBuilder()
    node = b.read([RAW], ["a"])
    for i in range(5000):
        node = b.project(node, [b.alias(node.output[0], f"c{i}")])
    b.write(node, "s3://lake/out/deep")
    assert columns_of(b) == {"c4999": (["s3:lake/raw/t.a"], "IDENTITY")}
