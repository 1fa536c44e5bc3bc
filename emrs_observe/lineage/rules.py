"""What each Spark expression and operator means for lineage: the one place to teach the engine a kind.

Class names are Spark's, as the Spline agent writes them (`extra.simpleClassName`) without their
sub-package: Spline writes `aggregate.Sum`, the engine looks up `Sum`. An expression not listed
here computes a new value from its children (a direct TRANSFORMATION); an operator not listed
passes its children's attributes through, and any attribute it makes without telling Spline how
falls back to all of its children's columns, with a lower confidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(Enum):
    """How an expression relates the values of its children to its own value."""

    COMPUTE = "compute"  # a new value from the children's values
    PASS = "pass"  # hands its single child through unchanged (an alias, a no-op cast)
    AGGREGATE = "aggregate"  # a value from many rows of its children
    MASK = "mask"  # a one-way hash: derived from the child, but not readable back
    CASE_WHEN = "case_when"  # CaseWhen(branches, else): children are cond1, value1, cond2, value2, …, else
    IF = "if"  # If(predicate, then, else): child 0 is the condition
    PIVOT = "pivot"  # PivotFirst(pivotColumn, valueColumn): aggregates the value per pivot value (a condition)
    SUBQUERY = "subquery"  # Spline keeps only the correlation keys as children: conditions, not data
    NO_DATA = "no_data"  # window frames and specs: which rows, not which values (see WINDOW below)


EXPRESSIONS: dict[str, Role] = {
    **dict.fromkeys(("Alias", "AttributeReference", "KnownFloatingPointNormalized", "KnownNotNull",
                     "KnownNullable", "PromotePrecision", "OuterReference", "NamedLambdaVariable"), Role.PASS),
    **dict.fromkeys((
        "AggregateExpression", "Sum", "Count", "Average", "Max", "Min", "First", "Last", "CollectList",
        "CollectSet", "StddevSamp", "StddevPop", "VarianceSamp", "VariancePop", "ApproximatePercentile",
        "HyperLogLogPlusPlus", "BitAndAgg", "BitOrAgg", "BitXorAgg", "BoolAnd", "BoolOr", "MaxBy", "MinBy",
        "Percentile", "Median", "Mode", "Corr", "CovSample", "CovPopulation", "Kurtosis", "Skewness",
        "AnyValue", "CountIf", "Product", "RegrCount", "CountMinSketchAgg", "HistogramNumeric",
        "TryAverage", "TrySum", "ListAgg",
    ), Role.AGGREGATE),
    "PivotFirst": Role.PIVOT,
    **dict.fromkeys(("Sha1", "Sha2", "Md5", "Crc32", "Murmur3Hash", "XxHash64", "HiveHash"), Role.MASK),
    "CaseWhen": Role.CASE_WHEN,
    "If": Role.IF,
    **dict.fromkeys(("ScalarSubquery", "Exists", "ListQuery", "LateralSubquery"), Role.SUBQUERY),
    **dict.fromkeys(("WindowSpecDefinition", "SpecifiedWindowFrame", "UnspecifiedFrame", "SortOrder",
                     "UnboundedPreceding$", "UnboundedFollowing$", "CurrentRow$"), Role.NO_DATA),
}

# Casts are no-ops when the type does not change (Spark adds one to every column of an INSERT
# whose names differ from the table's); the engine compares the types.
CASTS = frozenset({"Cast", "AnsiCast", "TryCast"})

# Wrappers whose first child names the computation (`sum`, `rank`) in `lineage show`.
WRAPPERS = frozenset({"AggregateExpression", "WindowExpression"})


class Dependency(str, Enum):
    """Why a column is an indirect dependency: it decides which rows, not what values, are written."""

    FILTER = "FILTER"
    JOIN = "JOIN"
    GROUP_BY = "GROUP_BY"
    WINDOW = "WINDOW"
    SORT = "SORT"
    CONDITIONAL = "CONDITIONAL"  # per column: a CASE WHEN / IF condition, a subquery's correlation key


class Outputs(Enum):
    """Where an operator's attributes that have no expression of their own come from."""

    CHILDREN = "children"  # the default: guessed from all of the children's columns (low confidence)
    EXPAND = "expand"  # Expand (ROLLUP/CUBE/GROUPING SETS): column i of every projection
    CTE_REF = "cte_ref"  # CTERelationRef: column i of the CTE's definition


@dataclass(frozen=True)
class OperatorRule:
    indirect: tuple[tuple[str, Dependency], ...] = ()
    outputs: Outputs = Outputs.CHILDREN


OPERATORS: dict[str, OperatorRule] = {
    "Filter": OperatorRule(indirect=(("condition", Dependency.FILTER),)),
    "Join": OperatorRule(indirect=(("condition", Dependency.JOIN),)),
    "Aggregate": OperatorRule(indirect=(("groupingExpressions", Dependency.GROUP_BY),)),
    "Window": OperatorRule(indirect=(("partitionSpec", Dependency.WINDOW), ("orderSpec", Dependency.WINDOW))),
    "Sort": OperatorRule(indirect=(("order", Dependency.SORT),)),
    # dropDuplicates(keys): one row per key, like a GROUP BY
    "Deduplicate": OperatorRule(indirect=(("keys", Dependency.GROUP_BY),)),
    "DeduplicateWithinWatermark": OperatorRule(indirect=(("keys", Dependency.GROUP_BY),)),
    # groupBy(keys).applyInPandas / cogroup: the function sees one group at a time
    "FlatMapGroupsInPandas": OperatorRule(indirect=(("groupingAttributes", Dependency.GROUP_BY),)),
    "FlatMapCoGroupsInPandas": OperatorRule(indirect=(("leftGroup", Dependency.GROUP_BY),
                                                      ("rightGroup", Dependency.GROUP_BY))),
    "Expand": OperatorRule(outputs=Outputs.EXPAND),
    "CTERelationRef": OperatorRule(outputs=Outputs.CTE_REF),
}
_DEFAULT_OPERATOR = OperatorRule()


def operator_rule(name: str) -> OperatorRule:
    rule = OPERATORS.get(name)
    if rule is not None:
        return rule
    if name.endswith("Join"):  # SortMergeJoin-like names from physical-plan based agents
        return OPERATORS["Join"]
    return _DEFAULT_OPERATOR


def expression_role(class_name: str) -> Role:
    return EXPRESSIONS.get(class_name, Role.COMPUTE)
