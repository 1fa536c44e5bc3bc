"""The column lineage of the example job's two executions, written by hand from the job's code."""

from __future__ import annotations

ENRICHED_ORDERS = {
    "output": "s3:acme-lake/curated/enriched_orders",
    "append": False,
    "inputs": ["s3:acme-lake/raw/customers", "s3:acme-lake/raw/orders"],
    "columns": {
        "id": (["s3:acme-lake/raw/orders.order_id"], "IDENTITY"),
        "customer_name": (["s3:acme-lake/raw/customers.name"], "TRANSFORMATION"),
        "country": (["s3:acme-lake/raw/customers.country"], "IDENTITY"),
        "amount": (["s3:acme-lake/raw/orders.amount"], "IDENTITY"),
        "amount_gross": (["s3:acme-lake/raw/orders.amount"], "TRANSFORMATION"),
        "order_date": (["s3:acme-lake/raw/orders.order_ts"], "TRANSFORMATION"),
        # Spark's rank() takes the window's ORDER BY columns as its arguments.
        "rank_in_country": (["s3:acme-lake/raw/orders.amount"], "TRANSFORMATION"),
    },
    "indirect": [
        ("s3:acme-lake/raw/customers.country", "WINDOW"),
        ("s3:acme-lake/raw/customers.id", "JOIN"),
        ("s3:acme-lake/raw/orders.amount", "FILTER"),
        ("s3:acme-lake/raw/orders.amount", "WINDOW"),
        ("s3:acme-lake/raw/orders.customer_id", "JOIN"),
        ("s3:acme-lake/raw/orders.order_ts", "SORT"),
    ],
}

COUNTRY_REVENUE = {
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
