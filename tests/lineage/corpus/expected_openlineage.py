"""Where the corpus' lineage from OpenLineage (Spark 4) differs from its hand-written lineage (`expected.py`).

Each entry is one difference found by comparing what OpenLineage's `columnLineage` facet gives for a
job (captured by `capture_openlineage.py`, read by `emrs_observe.openlineage`) with `expected.py`,
edge by edge, and why it differs. `missing` are facts of the expectation the facet does not give,
`extra` facts it gives that the expectation does not have (some of them lineage that the Spline
agent loses: the expectation's `lost`). docs/lineage.md lists the same differences in its table
(test_corpus_openlineage.py holds the two equal), and the corpus test expects exactly these: a new
regression fails it, and so does a difference that OpenLineage fixes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.lineage.corpus.expected import AGG, ID, T


@dataclass(frozen=True)
class Difference:
    why: str
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()


def _o(column: str) -> str:
    return f"in/orders.{column}"


def _c(column: str) -> str:
    return f"in/customers.{column}"


def _e(column: str) -> str:
    return f"in/events.{column}"


_INFERRED_NOT_NULL = ("OpenLineage traces Spark's optimized plan, where Spark adds `isnotnull` filters on join keys "
                      "(InferFiltersFromConstraints); the Spline agent reads the plan as written")
_INFERRED_NON_EMPTY = ("OpenLineage traces Spark's optimized plan, where an inner explode gets a `size(items) > 0` "
                       "filter (InferFiltersFromGenerate)")
_PYTHON_ROWS = ("OpenLineage traces no column through a Python function over whole rows; the Spline path traces "
                "each output column to every input column, flagged as guessed (confidence 0.5)")
_PYTHON_UDF = ("Spark's optimizer moves a Python UDF into its own operator (BatchEvalPython, ArrowEvalPython), "
               "whose output OpenLineage does not trace back")
_EXPAND = ("ROLLUP, CUBE and GROUPING SETS group by the columns of an Expand, which OpenLineage does not trace "
           "back: the keys have no upstream and are no GROUP_BY")


def _guessed(write: str, columns: tuple[str, ...], sources: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{write}: {column} <- {source} {T} guessed" for column in columns for source in sources)


DIFFERENCES: dict[str, Difference] = {
    "apply_in_pandas": Difference(
        _PYTHON_ROWS + "; the grouping keys of applyInPandas are lost with it",
        missing=(*_guessed("out/apply_in_pandas", ("customer_id", "amount"), (_o("customer_id"), _o("amount"))),
                 f"out/apply_in_pandas: GROUP_BY <- {_o('customer_id')}")),
    "map_in_pandas": Difference(
        _PYTHON_ROWS, missing=_guessed("out/map_in_pandas", ("order_id", "amount"), (_o("order_id"), _o("amount")))),
    "python_udf": Difference(_PYTHON_UDF, missing=(f"out/python_udf: loud_name <- {_c('name')} {T}",)),
    "pandas_udf": Difference(_PYTHON_UDF, missing=(f"out/pandas_udf: gross <- {_o('amount')} {T}",)),
    "rollup": Difference(_EXPAND, missing=(
        f"out/rollup: country <- {_o('country')} {ID}", f"out/rollup: status <- {_o('status')} {ID}",
        f"out/rollup: GROUP_BY <- {_o('country')}", f"out/rollup: GROUP_BY <- {_o('status')}")),
    "grouping_sets": Difference(_EXPAND, missing=(
        f"out/grouping_sets: country <- {_o('country')} {ID}", f"out/grouping_sets: status <- {_o('status')} {ID}",
        f"out/grouping_sets: GROUP_BY <- {_o('country')}", f"out/grouping_sets: GROUP_BY <- {_o('status')}")),
    "union_then_aggregate": Difference(
        "OpenLineage loses the aggregation behind a union: the sum is IDENTITY of both branches, and the grouping "
        "key comes as a dataset-wide DIRECT IDENTITY dependency instead of GROUP_BY",
        missing=(f"out/union_then_aggregate: total <- {_o('amount')} {AGG}",
                 f"out/union_then_aggregate: total <- {_e('value')} {AGG}",
                 f"out/union_then_aggregate: GROUP_BY <- {_o('customer_id')}",
                 f"out/union_then_aggregate: GROUP_BY <- {_e('user_id')}"),
        extra=(f"out/union_then_aggregate: total <- {_o('amount')} {ID}",
               f"out/union_then_aggregate: total <- {_e('value')} {ID}")),
    "pivot": Difference(
        "OpenLineage reports the pivot column as an AGGREGATION input of each pivoted column (Spark's PivotFirst "
        "aggregates it with the values), the Spline path as the CONDITIONAL that picks the column",
        missing=(f"out/pivot: paid <- {_o('status')} CONDITIONAL", f"out/pivot: open <- {_o('status')} CONDITIONAL"),
        extra=(f"out/pivot: paid <- {_o('status')} {AGG}", f"out/pivot: open <- {_o('status')} {AGG}")),
    "drop_duplicates": Difference(
        "Spark's optimizer turns dropDuplicates into an Aggregate taking first() of the other columns "
        "(ReplaceDeduplicateWithAggregate): OpenLineage reports them as AGGREGATION",
        missing=(f"out/drop_duplicates: country <- {_o('country')} {ID}",),
        extra=(f"out/drop_duplicates: country <- {_o('country')} {AGG}",)),
    "insert_into_partitioned": Difference(
        "OpenLineage reports the dynamic partition column as a TRANSFORMATION (its value becomes a folder name)",
        missing=(f"sales.orders_by_country: country <- {_o('country')} {ID}",),
        extra=(f"sales.orders_by_country: country <- {_o('country')} {T}",)),
    "coalesce_columns": Difference(
        "OpenLineage also reports each argument of coalesce as CONDITIONAL (whether it is taken depends on the "
        "ones before it being null)",
        extra=(f"out/coalesce_columns: contact <- {_c('email')} CONDITIONAL",
               f"out/coalesce_columns: contact <- {_c('name')} CONDITIONAL")),
    "in_subquery": Difference(
        "Spark rewrites `IN (subquery)` into a left semi join: OpenLineage reports its keys as JOIN, not FILTER, and "
        "sees the subquery's own filter column, which the Spline agent loses",
        missing=(f"out/in_subquery: FILTER <- {_o('customer_id')}",),
        extra=(f"out/in_subquery: JOIN <- {_o('customer_id')}", f"out/in_subquery: JOIN <- {_c('customer_id')}",
               f"out/in_subquery: FILTER <- {_c('segment')}")),
    "scalar_subquery": Difference(
        "Spark rewrites the correlated scalar subquery into an aggregate joined to the outer query: OpenLineage sees "
        "the subquery's aggregate, which the Spline agent loses, and reports the correlation key as the write's "
        "JOIN, GROUP_BY and (inferred) FILTER instead of the column's CONDITIONAL",
        missing=(f"out/scalar_subquery: customer_max <- {_o('customer_id')} CONDITIONAL",),
        extra=(f"out/scalar_subquery: customer_max <- {_o('amount')} {AGG}",
               f"out/scalar_subquery: JOIN <- {_o('customer_id')}",
               f"out/scalar_subquery: GROUP_BY <- {_o('customer_id')}",
               f"out/scalar_subquery: FILTER <- {_o('customer_id')}")),
    "join_inner": Difference(_INFERRED_NOT_NULL, extra=(f"out/join_inner: FILTER <- {_o('customer_id')}",
                                                         f"out/join_inner: FILTER <- {_c('customer_id')}")),
    "join_left": Difference(_INFERRED_NOT_NULL, extra=(f"out/join_left: FILTER <- {_o('customer_id')}",)),
    "join_semi": Difference(_INFERRED_NOT_NULL, extra=(f"out/join_semi: FILTER <- {_o('customer_id')}",
                                                       f"out/join_semi: FILTER <- {_c('customer_id')}")),
    "join_anti": Difference(_INFERRED_NOT_NULL, extra=(f"out/join_anti: FILTER <- {_o('customer_id')}",)),
    "join_self": Difference(_INFERRED_NOT_NULL, extra=(f"out/join_self: FILTER <- {_o('customer_id')}",
                                                       f"out/join_self: FILTER <- {_o('order_id')}")),
    "cte": Difference(_INFERRED_NOT_NULL, extra=(f"out/cte: FILTER <- {_o('customer_id')}",
                                                 f"out/cte: FILTER <- {_o('order_id')}")),
    "explode_items": Difference(_INFERRED_NON_EMPTY, extra=(f"out/explode_items: FILTER <- {_o('items')}",)),
    "posexplode_inline": Difference(_INFERRED_NON_EMPTY, extra=(f"out/posexplode_inline: FILTER <- {_o('items')}",)),
}
