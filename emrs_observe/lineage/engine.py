"""The column-lineage engine: one Spline execution plan → lineage of its write. Pure, no I/O.

Spline gives every attribute a plan-wide id: pass-through operators (Filter, Sort, Join, Limit,
Repartition, SubqueryAlias, View…) output the ids they received, and every derived attribute
points (`childRefs`) at the expression it comes from. Column lineage is therefore a walk over the
attribute/expression DAG down to attributes produced by read operations. The walk is iterative
and memoised per node, so each attribute and expression is visited once: time and memory stay
linear in plan size even when sub-expressions are shared (a naive recursive walk is exponential
on such DAGs, and overflows the stack on deep plans).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from emrs_observe.lineage.naming import DatasetNamer, DatasetRef
from emrs_observe.spline.model import ExecutionPlan, Expression, Operation, Ref


class Transform(str, Enum):
    IDENTITY = "IDENTITY"
    TRANSFORMATION = "TRANSFORMATION"
    AGGREGATION = "AGGREGATION"


class Dependency(str, Enum):
    """Why a column is an indirect dependency of a write."""

    FILTER = "FILTER"
    JOIN = "JOIN"
    GROUP_BY = "GROUP_BY"
    WINDOW = "WINDOW"
    SORT = "SORT"


_RANK = {Transform.IDENTITY: 0, Transform.TRANSFORMATION: 1, Transform.AGGREGATION: 2}

# Expressions that hand their single child through unchanged.
_TRANSPARENT = frozenset({"Alias", "AttributeReference", "KnownFloatingPointNormalized", "KnownNotNull",
                          "PromotePrecision", "OuterReference"})
_AGGREGATES = frozenset({
    "AggregateExpression", "Sum", "Count", "Average", "Avg", "Max", "Min", "First", "Last", "CollectList",
    "CollectSet", "StddevSamp", "StddevPop", "VarianceSamp", "VariancePop", "ApproximatePercentile",
    "HyperLogLogPlusPlus", "CountDistinct", "BitAndAgg", "BitOrAgg", "BitXorAgg", "BoolAnd", "BoolOr",
    "MaxBy", "MinBy", "Percentile", "Median", "Mode", "Corr", "CovSample", "CovPopulation", "Kurtosis",
    "Skewness", "AnyValue", "CountIf", "Product", "RegrCount", "PivotFirst",
})
_AGGREGATE_NAMES = frozenset(n.lower() for n in _AGGREGATES) | {"avg", "count", "sum", "max", "min", "first",
                                                                "last", "collect_list", "collect_set"}
# Window specs say which rows a window function sees, not which values it computes: indirect.
_WINDOW_SPEC = frozenset({"WindowSpecDefinition", "SpecifiedWindowFrame", "UnspecifiedFrame"})

# Wrappers around the function that names a computation.
_WRAPPERS = frozenset({"AggregateExpression", "WindowExpression"})

# Operation parameters that make indirect dependencies, by operation name.
_INDIRECT_PARAMS: dict[str, tuple[tuple[str, Dependency], ...]] = {
    "Filter": (("condition", Dependency.FILTER),),
    "Join": (("condition", Dependency.JOIN),),
    "Aggregate": (("groupingExpressions", Dependency.GROUP_BY),),
    "Window": (("partitionSpec", Dependency.WINDOW), ("orderSpec", Dependency.WINDOW)),
    "Sort": (("order", Dependency.SORT),),
}


class LineageError(ValueError):
    """The plan cannot be traced (a cycle, a write with no input)."""


@dataclass(frozen=True, order=True, slots=True)
class SourceColumn:
    dataset: DatasetRef
    column: str

    def __str__(self) -> str:
        return f"{self.dataset}.{self.column}"


@dataclass(frozen=True, slots=True)
class ColumnLineage:
    column: str
    upstreams: tuple[SourceColumn, ...]
    transform: Transform
    functions: tuple[str, ...] = ()


@dataclass(frozen=True, order=True, slots=True)
class IndirectDependency:
    column: SourceColumn
    kind: Dependency


@dataclass(frozen=True, slots=True)
class WriteLineage:
    plan_id: str
    output: DatasetRef
    write_operation: str
    append: bool
    inputs: tuple[DatasetRef, ...]
    columns: tuple[ColumnLineage, ...]
    indirect: tuple[IndirectDependency, ...]

    def edge_count(self) -> int:
        return sum(len(c.upstreams) for c in self.columns)


@dataclass(frozen=True, slots=True)
class _Trace:
    sources: frozenset[SourceColumn]
    transform: Transform


_EMPTY = _Trace(frozenset(), Transform.IDENTITY)


def _is_aggregate(expr: Expression) -> bool:
    return expr.class_name in _AGGREGATES or (expr.name.lower() in _AGGREGATE_NAMES and not expr.is_literal)


def _is_transparent(expr: Expression) -> bool:
    return (expr.class_name in _TRANSPARENT or expr.name == "alias") and len(expr.child_refs) == 1


def iter_refs(value: Any) -> Iterator[Ref]:
    """Every reference inside an operation's parameters."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Ref):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class _Tracer:
    def __init__(self, plan: ExecutionPlan, origins: dict[str, frozenset[SourceColumn]],
                 extra_children: dict[str, tuple[Ref, ...]]) -> None:
        self.plan = plan
        self.origins = origins
        self.extra_children = extra_children
        self.memo: dict[Ref, _Trace] = {}

    def children(self, node: Ref) -> tuple[Ref, ...]:
        if node.kind == "attr":
            if node.id in self.origins:
                return ()
            attr = self.plan.attributes[node.id]
            return attr.child_refs or self.extra_children.get(node.id, ())
        expr = self.plan.expressions[node.id]
        if expr.class_name in _WINDOW_SPEC:
            return ()
        return expr.child_refs

    def trace(self, root: Ref) -> _Trace:
        memo = self.memo
        if root in memo:
            return memo[root]
        on_path: set[Ref] = set()
        stack: list[tuple[Ref, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if node in memo:
                continue
            if expanded:
                on_path.discard(node)
                memo[node] = self._combine(node)
                continue
            if node in on_path:
                raise LineageError(f"plan {self.plan.id}: the expression graph has a cycle through {node.id}")
            on_path.add(node)
            stack.append((node, True))
            stack.extend((child, False) for child in self.children(node) if child not in memo)
        return memo[root]

    def _combine(self, node: Ref) -> _Trace:
        if node.kind == "attr" and node.id in self.origins:
            return _Trace(self.origins[node.id], Transform.IDENTITY)
        kids = [self.memo[c] for c in self.children(node)]
        if node.kind == "attr":
            expr = None
            passthrough = True
        else:
            expr = self.plan.expressions[node.id]
            if expr.is_literal and expr.value is None:
                return _EMPTY  # a NULL (e.g. a ROLLUP subtotal row in Expand) carries no data at all
            if expr.is_literal or expr.class_name in _WINDOW_SPEC:
                return _Trace(frozenset(), Transform.TRANSFORMATION)
            # A synthetic union function merges the same column from each branch: no computation.
            passthrough = _is_transparent(expr) or (expr.synthetic and expr.name == "union")
        if not kids:
            return _EMPTY if passthrough else _Trace(frozenset(), Transform.TRANSFORMATION)
        if len(kids) == 1:
            sources = kids[0].sources  # shared, not copied: keeps memory linear on long chains
        else:
            sources = frozenset().union(*(k.sources for k in kids))
        rank = max(_RANK[k.transform] for k in kids)
        if expr is not None and _is_aggregate(expr):
            rank = _RANK[Transform.AGGREGATION]
        elif not passthrough:
            rank = max(rank, _RANK[Transform.TRANSFORMATION])
        transform = next(t for t, r in _RANK.items() if r == rank)
        return _Trace(sources, transform)

    def functions(self, root: Ref) -> tuple[str, ...]:
        """Names of the outermost computations behind a column (for display)."""
        names: list[str] = []
        seen: set[Ref] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if node.kind == "expr":
                expr = self.plan.expressions[node.id]
                if expr.class_name in _WRAPPERS and expr.child_refs:
                    stack.append(expr.child_refs[0])  # name the function inside, e.g. `sum`, `rank`
                    continue
                if not (_is_transparent(expr) or expr.synthetic or expr.is_literal):
                    names.append(expr.params.get("name") or expr.name if expr.class_name.endswith("UDF")
                                 else expr.name)
                    continue
            stack.extend(self.children(node))
        return tuple(sorted(set(names)))


def reachable_operations(plan: ExecutionPlan) -> list[Operation]:
    """The write and every operation it reads from, each once."""
    seen: set[str] = set()
    order: list[Operation] = []
    stack = [plan.write.id]
    while stack:
        ident = stack.pop()
        if ident in seen:
            continue
        seen.add(ident)
        op = plan.operations[ident]
        order.append(op)
        stack.extend(op.child_ids)
    return order


def compute_lineage(plan: ExecutionPlan, namer: DatasetNamer | None = None) -> WriteLineage:
    namer = namer or DatasetNamer()
    operations = reachable_operations(plan)
    origins: dict[str, frozenset[SourceColumn]] = {}
    inputs: set[DatasetRef] = set()
    extra_children: dict[str, tuple[Ref, ...]] = {}
    for op in operations:
        if op.kind == "read":
            datasets = namer.for_operation(op.params, op.input_sources)
            inputs.update(datasets)
            for attr_id in op.output:
                name = plan.attributes[attr_id].name
                origins[attr_id] = frozenset(SourceColumn(d, name) for d in datasets)
        elif op.name == "Expand":
            _expand_children(op, plan, extra_children)
    _cte_children(operations, plan, extra_children)

    tracer = _Tracer(plan, origins, extra_children)
    write = plan.write
    if not write.child_ids:
        raise LineageError(f"plan {plan.id}: the write operation {write.id} has no input operation")
    written = plan.operations[write.child_ids[0]]
    columns = []
    for attr_id in written.output:
        ref = Ref("attr", attr_id)
        trace = tracer.trace(ref)
        columns.append(ColumnLineage(
            column=plan.attributes[attr_id].name,
            upstreams=tuple(sorted(trace.sources)),
            transform=trace.transform,
            functions=tracer.functions(ref),
        ))

    indirect: set[IndirectDependency] = set()
    for op in operations:
        for key, kind in _indirect_params(op):
            for ref in iter_refs(op.params.get(key)):
                indirect.update(IndirectDependency(col, kind) for col in _all_sources(tracer, ref))

    outputs = namer.for_operation(write.params, [write.output_source or ""])
    return WriteLineage(
        plan_id=plan.id,
        output=outputs[0],
        write_operation=write.name,
        append=write.append,
        inputs=tuple(sorted(inputs)),
        columns=tuple(columns),
        indirect=tuple(sorted(indirect)),
    )


def _indirect_params(op: Operation) -> Iterable[tuple[str, Dependency]]:
    if op.name in _INDIRECT_PARAMS:
        return _INDIRECT_PARAMS[op.name]
    if op.name.endswith("Join"):  # SortMergeJoin-like names from physical-plan based agents
        return _INDIRECT_PARAMS["Join"]
    return ()


def _all_sources(tracer: _Tracer, ref: Ref) -> frozenset[SourceColumn]:
    """For indirect use every referenced column counts, including window partitioning inside it."""
    if ref.kind == "expr" and tracer.plan.expressions[ref.id].class_name in _WINDOW_SPEC:
        expr = tracer.plan.expressions[ref.id]
        return frozenset().union(*(tracer.trace(c).sources for c in expr.child_refs))
    return tracer.trace(ref).sources


def _cte_children(operations: list[Operation], plan: ExecutionPlan, extra: dict[str, tuple[Ref, ...]]) -> None:
    """A CTE reference (Spark 3.4+ WithCTE) outputs fresh attributes: position i is column i of its definition."""
    definitions = {str(op.params.get("id")): op for op in operations if op.name == "CTERelationDef"}
    for op in operations:
        if op.name != "CTERelationRef":
            continue
        definition = definitions.get(str(op.params.get("cteId")))
        if definition is None or not definition.child_ids:
            continue
        source = plan.operations[definition.child_ids[0]].output
        for attr_id, source_id in zip(op.output, source, strict=False):
            if not plan.attributes[attr_id].child_refs:
                extra[attr_id] = (Ref("attr", source_id),)


def _expand_children(op: Operation, plan: ExecutionPlan, extra: dict[str, tuple[Ref, ...]]) -> None:
    """Expand (ROLLUP/CUBE/GROUPING SETS) outputs column i from position i of every projection."""
    projections = op.params.get("projections")
    if not isinstance(projections, list):
        return
    for position, attr_id in enumerate(op.output):
        if plan.attributes[attr_id].child_refs:
            continue
        refs = tuple(row[position] for row in projections
                     if isinstance(row, list) and position < len(row) and isinstance(row[position], Ref))
        if refs:
            extra[attr_id] = refs

