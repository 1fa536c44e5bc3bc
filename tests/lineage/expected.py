"""The column lineage of the example job's two executions, written by hand from the job's code."""

from __future__ import annotations

from typing import Any

# The job reads two partition folders by path; without a path spec or --strip-partitions they are
# two datasets, as DataHub's own Spark agent names them.
_ORDERS = ("s3:acme-lake/raw/orders/year=2025", "s3:acme-lake/raw/orders/year=2026")


def _orders(column: str) -> list[str]:
    return [f"{o}.{column}" for o in _ORDERS]


ENRICHED_ORDERS: dict[str, Any] = {
    "output": "s3:acme-lake/curated/enriched_orders",
    "append": False,
    "inputs": ["s3:acme-lake/raw/customers", *_ORDERS],
    "columns": {
        "id": (_orders("order_id"), "IDENTITY"),
        "customer_name": (["s3:acme-lake/raw/customers.name"], "TRANSFORMATION"),
        "country": (["s3:acme-lake/raw/customers.country"], "IDENTITY"),
        "amount": (_orders("amount"), "IDENTITY"),
        "amount_gross": (_orders("amount"), "TRANSFORMATION"),
        "order_date": (_orders("order_ts"), "TRANSFORMATION"),
        # Spark's rank() takes the window's ORDER BY columns as its arguments.
        "rank_in_country": (_orders("amount"), "TRANSFORMATION"),
    },
    "indirect": [
        ("s3:acme-lake/raw/customers.country", "WINDOW"),
        ("s3:acme-lake/raw/customers.id", "JOIN"),
        *[(o, kind) for year in _ORDERS for o, kind in (
            (f"{year}.amount", "FILTER"), (f"{year}.amount", "WINDOW"), (f"{year}.customer_id", "JOIN"),
            (f"{year}.order_ts", "SORT"))],
    ],
}

COUNTRY_REVENUE: dict[str, Any] = {
    "output": "glue:sales.country_revenue",
    "append": True,
    "inputs": ["glue:sales.fx_rates", "s3:acme-lake/curated/enriched_orders"],
    "columns": {
        "country": (["s3:acme-lake/curated/enriched_orders.country"], "IDENTITY"),
        "revenue_eur": (["glue:sales.fx_rates.rate", "s3:acme-lake/curated/enriched_orders.amount"], "AGGREGATION"),
        "order_count": (["s3:acme-lake/curated/enriched_orders.id"], "AGGREGATION"),
    },
    "indirect": [
        ("glue:sales.fx_rates.country", "JOIN"),
        ("s3:acme-lake/curated/enriched_orders.country", "GROUP_BY"),
        ("s3:acme-lake/curated/enriched_orders.country", "JOIN"),
    ],
}
