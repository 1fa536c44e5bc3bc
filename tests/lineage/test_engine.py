"""The column-lineage engine, operator by operator, on plans shaped like Spline's."""

from __future__ import annotations

import json

from emrs_observe.lineage.engine import compute_lineage
from emrs_observe.lineage.naming import DatasetNamer
from emrs_observe.spline.plans import parse_plan
from tests.lineage import samples
from tests.lineage.expected import COUNTRY_REVENUE, ENRICHED_ORDERS
from tests.lineage.helpers import summarise
from tests.lineage.planbuilder import PlanBuilder, to_internal

RAW = "s3://lake/raw/t/part-0.parquet"


def lineage_of(builder: PlanBuilder, namer: DatasetNamer | None = None) -> dict:  # type: ignore[type-arg]
    return summarise(compute_lineage(parse_plan(json.loads(json.dumps(builder.plan()))), namer))


def columns_of(builder: PlanBuilder) -> dict:  # type: ignore[type-arg]
    return lineage_of(builder)["columns"]


def test_the_example_job_gives_the_hand_written_lineage() -> None:
    assert lineage_of(samples.enriched_orders()) == ENRICHED_ORDERS
    assert lineage_of(samples.country_revenue()) == COUNTRY_REVENUE


def test_internal_model_refs_give_the_same_lineage() -> None:
    plan = to_internal(samples.enriched_orders().plan())
    assert summarise(compute_lineage(parse_plan(plan))) == ENRICHED_ORDERS


def test_project_rename_is_identity_and_computation_is_transformation() -> None:
    b = PlanBuilder()
    src = b.read([RAW], ["a", "b"])
    out = b.project(src, [b.alias(src["a"], "renamed"), b.alias(b.fn("concat", src["a"], src["b"]), "ab"),
                          b.alias(b.lit(42), "answer")])
    b.write(out, "s3://lake/out/x")
    assert columns_of(b) == {
        "renamed": (["s3:lake/raw/t.a"], "IDENTITY"),
        "ab": (["s3:lake/raw/t.a", "s3:lake/raw/t.b"], "TRANSFORMATION"),
        "answer": ([], "TRANSFORMATION"),
    }


def test_filter_sort_limit_repartition_alias_view_pass_columns_through() -> None:
    b = PlanBuilder()
    src = b.read([RAW], ["a", "b"])
    node = b.filter(src, b.fn("isnotnull", src["b"], class_name="IsNotNull"))
    for name in ("Sort", "LocalLimit", "GlobalLimit", "Repartition", "RepartitionByExpression", "SubqueryAlias",
                 "View", "Distinct", "Deduplicate"):
        node = b.passthrough(name, node, {"order": [src["a"]]} if name == "Sort" else {})
    b.write(node, "s3://lake/out/x")
    result = lineage_of(b)
    assert result["columns"] == {"a": (["s3:lake/raw/t.a"], "IDENTITY"), "b": (["s3:lake/raw/t.b"], "IDENTITY")}
    assert result["indirect"] == [("s3:lake/raw/t.a", "SORT"), ("s3:lake/raw/t.b", "FILTER")]


def test_join_of_every_type_keeps_both_sides_and_reports_keys() -> None:
    for join_type in ("INNER", "LEFT OUTER", "RIGHT OUTER", "FULL OUTER", "CROSS", "LEFT SEMI", "LEFT ANTI"):
        b = PlanBuilder()
        left = b.read(["s3://lake/l"], ["k", "x"])
        right = b.read(["s3://lake/r"], ["k2", "y"])
        joined = b.join(left, right, b.fn("equalto", left["k"], right["k2"], class_name="EqualTo"), join_type)
        b.write(joined, "s3://lake/out/j")
        result = lineage_of(b)
        expected = {"k": (["s3:lake/l.k"], "IDENTITY"), "x": (["s3:lake/l.x"], "IDENTITY")}
        if join_type not in ("LEFT SEMI", "LEFT ANTI"):
            expected |= {"k2": (["s3:lake/r.k2"], "IDENTITY"), "y": (["s3:lake/r.y"], "IDENTITY")}
        assert result["columns"] == expected, join_type
        assert result["indirect"] == [("s3:lake/l.k", "JOIN"), ("s3:lake/r.k2", "JOIN")], join_type


def test_aggregate_marks_aggregation_and_grouping() -> None:
    b = PlanBuilder()
    src = b.read([RAW], ["g", "v"])
    agg = b.aggregate(src, [src["g"]], [b.alias(b.agg("sum", src["v"]), "total"),
                                        b.alias(b.agg("count", b.lit(1)), "n"),
                                        b.alias(b.fn("add", b.agg("max", src["v"]), b.lit(1)), "max_plus_one")])
    b.write(agg, "s3://lake/out/agg")
    result = lineage_of(b)
    assert result["columns"] == {
        "g": (["s3:lake/raw/t.g"], "IDENTITY"),
        "total": (["s3:lake/raw/t.v"], "AGGREGATION"),
        "n": ([], "AGGREGATION"),
        "max_plus_one": (["s3:lake/raw/t.v"], "AGGREGATION"),
    }
    assert result["indirect"] == [("s3:lake/raw/t.g", "GROUP_BY")]


def test_window_partition_and_order_are_indirect_not_direct() -> None:
    b = PlanBuilder()
    src = b.read([RAW], ["p", "o", "v"])
    summed = b.alias(b.window_fn(b.agg("sum", src["v"]), [src["p"]], [src["o"]]), "running")
    win = b.window(src, [src["p"]], [src["o"]], [summed])
    b.write(b.project(win, [win["running"]]), "s3://lake/out/w")
    result = lineage_of(b)
    assert result["columns"] == {"running": (["s3:lake/raw/t.v"], "AGGREGATION")}
    assert result["indirect"] == [("s3:lake/raw/t.o", "WINDOW"), ("s3:lake/raw/t.p", "WINDOW")]


def test_union_synthetic_attributes_merge_every_branch() -> None:
    b = PlanBuilder()
    one = b.read(["s3://lake/a"], ["id", "v"])
    two = b.read(["s3://lake/b"], ["key", "w"])
    three = b.read(["s3://lake/c"], ["id", "v"])
    u = b.union(b.union(one, two), three)
    b.write(b.project(u, [u["id"], b.alias(b.fn("upper", u["v"]), "v_up")]), "s3://lake/out/u")
    assert columns_of(b) == {
        "id": (["s3:lake/a.id", "s3:lake/b.key", "s3:lake/c.id"], "IDENTITY"),
        "v_up": (["s3:lake/a.v", "s3:lake/b.w", "s3:lake/c.v"], "TRANSFORMATION"),
    }


def test_generate_explode_derives_from_the_generator_input() -> None:
    b = PlanBuilder()
    src = b.read([RAW], ["id", "items"])
    gen = b.generate(src, b.fn("explode", src["items"], class_name="Explode"), "item")
    b.write(b.project(gen, [gen["id"], gen["item"]]), "s3://lake/out/g")
    assert columns_of(b) == {"id": (["s3:lake/raw/t.id"], "IDENTITY"),
                             "item": (["s3:lake/raw/t.items"], "TRANSFORMATION")}


def test_expand_maps_positions_to_every_projection() -> None:
    b = PlanBuilder()
    src = b.read([RAW], ["a", "b", "v"])
    gid = b.lit(0)
    expand = b.expand(src, [[src["a"], src["b"], src["v"], gid], [src["a"], b.lit(None), src["v"], b.lit(1)]],
                      ["a", "b", "v", "spark_grouping_id"])
    agg = b.aggregate(expand, [expand["a"], expand["b"]], [b.alias(b.agg("sum", expand["v"]), "total")])
    b.write(agg, "s3://lake/out/rollup")
    assert columns_of(b) == {
        "a": (["s3:lake/raw/t.a"], "IDENTITY"),
        "b": (["s3:lake/raw/t.b"], "IDENTITY"),
        "total": (["s3:lake/raw/t.v"], "AGGREGATION"),
    }


def test_cte_references_resolve_to_the_definition() -> None:
    b = PlanBuilder()
    src = b.read([RAW], ["a", "b"])
    body = b.project(src, [b.alias(b.fn("lower", src["a"]), "a_low")])
    definition = b.op("CTERelationDef", [body], list(body.output), {"id": 0})
    ref_attr = b._attr("a_low")
    ref = b.op("CTERelationRef", [], [ref_attr], {"cteId": 0})
    with_cte = b.op("WithCTE", [b.project(ref, [ref_attr]), definition], [ref_attr])
    b.write(with_cte, "s3://lake/out/cte")
    assert columns_of(b) == {"a_low": (["s3:lake/raw/t.a"], "TRANSFORMATION")}


def test_udfs_are_transformations_named_by_the_udf() -> None:
    b = PlanBuilder()
    src = b.read([RAW], ["a"])
    out = b.project(src, [b.alias(b.udf("mask_email", src["a"]), "masked")])
    b.write(out, "s3://lake/out/udf")
    lineage = compute_lineage(parse_plan(b.plan()))
    assert lineage.columns[0].functions == ("mask_email",)
    assert lineage.columns[0].transform.value == "TRANSFORMATION"


def test_ctas_and_insert_into_catalog_tables_name_glue_or_hive() -> None:
    b = PlanBuilder()
    src = b.read(["s3://wh/db.db/src"], ["a"], table=("db", "src"))
    b.write(src, "s3://wh/db.db/dst", name="CreateDataSourceTableAsSelectCommand", table=("db", "Dst"))
    result = lineage_of(b)
    assert result["output"] == "glue:db.dst" and result["inputs"] == ["glue:db.src"]
    assert result["columns"] == {"a": (["glue:db.src.a"], "IDENTITY")}
    hive = lineage_of(b, DatasetNamer(catalog_platform="hive"))
    assert hive["output"] == "hive:db.dst"


def test_local_relation_columns_have_no_source() -> None:
    b = PlanBuilder()
    attr = b._attr("x")
    local = b.op("LocalRelation", [], [attr])
    b.write(local, "s3://lake/out/local")
    assert columns_of(b) == {"x": ([], "IDENTITY")}


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
