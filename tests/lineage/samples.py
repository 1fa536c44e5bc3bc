"""The example job's two executions (examples/spark_job.py), as Spline would capture them.

`python -m tests.lineage.samples` rewrites examples/lineage and examples/spline-forms; a test
checks the committed files still equal what this module builds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.lineage.planbuilder import DOUBLE, LONG, PlanBuilder, console_text, lineage_object, to_internal

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "00fk3l1q2b8h6k09"  # EMR Serverless job run ids look like this
JOB: dict[str, Any] = {
    "sparkAppId": "spark-6b1f0c2a9e1d4c3b", "sparkAppName": "orders-daily", "emrApplicationId": "00fk3jq5a1b2c3d4",
    "emrJobRunId": APP_ID, "releaseLabel": "emr-7.2.0", "tags": {"team": "sales-analytics", "env": "prod"}}
ENRICH_TS = 1_763_719_231_000  # 2025-11-21T10:00:31Z
REVENUE_TS = 1_763_719_262_000


def enriched_orders() -> PlanBuilder:
    """Orders of two years (Parquet, union) ⋈ customers (CSV), filtered, with a UDF and a window rank."""
    b = PlanBuilder(name="orders-daily", plan_id="5f1f3e52-3c57-5b8f-a0c2-7f62f6c1a001")
    # Spline names a file read by the folders Spark was given (the relation's root paths), never its files.
    o25 = b.read(["s3://acme-lake/raw/orders/year=2025"],
                 ["order_id", "customer_id", ("amount", DOUBLE), "order_ts"])
    o26 = b.read(["s3://acme-lake/raw/orders/year=2026"],
                 ["order_id", "customer_id", ("amount", DOUBLE), "order_ts"])
    orders = b.union(o25, o26)
    customers = b.read(["s3://acme-lake/raw/customers"], ["id", "name", "country", "email"],
                       source_type="csv")
    cond = b.fn("equalto", orders["customer_id"], customers["id"], class_name="EqualTo")
    joined = b.join(orders, customers, cond)
    positive = b.filter(joined, b.fn("greaterthan", joined["amount"], b.lit(0), class_name="GreaterThan"))
    name_upper = b.alias(b.udf("normalize_name", positive["name"]), "customer_name")
    gross = b.alias(b.fn("multiply", positive["amount"], b.lit(1.2, DOUBLE), class_name="Multiply"),
                    "amount_gross", DOUBLE)
    order_date = b.alias(b.fn("to_date", positive["order_ts"], class_name="ParseToDate"), "order_date")
    projected = b.project(positive, [positive["order_id"], name_upper, positive["country"], positive["amount"],
                                     gross, order_date])
    rank = b.alias(b.window_fn(b.fn("rank", projected["amount"], class_name="Rank", data_type=LONG),
                               [projected["country"]], [projected["amount"]]), "rank_in_country", LONG)
    ranked = b.window(projected, [projected["country"]], [projected["amount"]], [rank])
    renamed = b.project(ranked, [b.alias(ranked["order_id"], "id"), *[a for a in ranked.output
                                                                     if a.name != "order_id"]])
    order = {"expression": renamed["order_date"], "direction": "ASC", "nullOrdering": "NULLS FIRST"}
    sorted_ = b.passthrough("Sort", renamed, {"order": [order], "global": True})
    b.write(b.passthrough("Repartition", sorted_, {"numPartitions": 8, "shuffle": True}), "s3://acme-lake/curated/enriched_orders",
            destination="parquet")
    return b


def country_revenue() -> PlanBuilder:
    """INSERT INTO sales.country_revenue: enriched orders ⋈ the fx_rates catalog table, grouped by country."""
    b = PlanBuilder(name="orders-daily", plan_id="5f1f3e52-3c57-5b8f-a0c2-7f62f6c1a002")
    enriched = b.read(["s3://acme-lake/curated/enriched_orders"],
                      ["id", "customer_name", "country", ("amount", DOUBLE), ("amount_gross", DOUBLE),
                       "order_date", ("rank_in_country", LONG)])
    fx = b.read(["s3://acme-warehouse/sales.db/fx_rates"], ["country", "currency", ("rate", DOUBLE)],
                table=("sales", "fx_rates"))
    view = b.passthrough("View", b.passthrough("SubqueryAlias", fx, {"identifier": "fx"}),
                         {"desc": "CatalogTable(Table: fx_view …)", "isTempView": True})
    cond = b.fn("equalto", enriched["country"], view["country"], class_name="EqualTo")
    joined = b.join(enriched, view, cond, "LEFT OUTER")
    revenue = b.alias(b.agg("sum", b.fn("multiply", joined["amount"], joined["rate"], class_name="Multiply")),
                      "revenue_eur", DOUBLE)
    orders = b.alias(b.agg("count", joined["id"]), "orders", LONG)
    grouped = b.aggregate(joined, [joined["country"]], [revenue, orders])
    limit = b.lit(1000)
    limited = b.passthrough("GlobalLimit", b.passthrough("LocalLimit", grouped, {"limitExpr": limit}),
                            {"limitExpr": limit})
    cast_orders = b.alias(b.fn("cast", limited["orders"], class_name="Cast", data_type=LONG), "order_count", LONG)
    out = b.project(limited, [limited["country"], limited["revenue_eur"], cast_orders])
    b.write(out, "s3://acme-warehouse/sales.db/country_revenue", append=True, table=("sales", "country_revenue"))
    return b


def _dump(doc: Any) -> str:
    return json.dumps(doc, indent=2) + "\n"


def sample_files() -> dict[str, str]:
    """Relative path under examples/ → content."""
    files: dict[str, str] = {}
    for builder, ts in ((enriched_orders(), ENRICH_TS), (country_revenue(), REVENUE_TS)):
        key = f"lineage/dt=2025-11-21/hour=10/{JOB['sparkAppId']}/{ts}-{builder.plan_id}.json"
        files[key] = _dump(lineage_object(builder.plan(), builder.event(ts, app_id=JOB["sparkAppId"]), JOB))
    rev = country_revenue()
    plan, event = rev.plan(), rev.event(REVENUE_TS, app_id=JOB["sparkAppId"])
    files["spline-forms/hdfs/sales.db/country_revenue/_LINEAGE"] = _dump(
        {"executionPlan": to_internal(plan), "executionEvent": event})
    files["spline-forms/console/driver-stdout.log"] = console_text(plan, event)
    files["spline-forms/bare/plan-v1.2.json"] = _dump(plan)
    files["spline-forms/bare/event-v1.2.json"] = _dump(event)
    return files


def write_samples(root: Path = ROOT / "examples") -> None:
    for relative, text in sample_files().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_samples()
