"""The column-lineage engine: one Spline execution plan → lineage of its write. Pure, no I/O.

Spline gives every attribute a plan-wide id: pass-through operators (Filter, Sort, Join, Limit,
Repartition, SubqueryAlias, View…) output the ids they received, and every derived attribute
points (`childRefs`) at the expression it comes from. Column lineage is therefore a walk over the
attribute/expression DAG down to attributes produced by read operations. The walk is iterative
and memoised per node, so each attribute and expression is visited once: time and memory stay
linear in plan size even when sub-expressions are shared (a naive recursive walk is exponential
on such DAGs, and overflows the stack on deep plans).

Each output column gets one edge per upstream column, each with its own transform: in
`amount + sum(fee)`, `amount` is a TRANSFORMATION and `fee` an AGGREGATION. What each expression
and operator means is in `rules.py`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

from emrs_observe.lineage.naming import DatasetNamer, DatasetRef, NamingError
from emrs_observe.lineage.rules import (
    CASTS,
    WRAPPERS,
    Dependency,
    Outputs,
    Role,
    expression_role,
    operator_rule,
)
from emrs_observe.spline.model import ExecutionPlan, Expression, Operation, Ref

__all__ = ["ColumnLineage", "Dependency", "Edge", "IndirectDependency", "LineageError", "SourceColumn",
           "Transform", "WriteLineage", "compute_lineage", "iter_refs", "reachable_operations"]


class Transform(str, Enum):
    IDENTITY = "IDENTITY"
    TRANSFORMATION = "TRANSFORMATION"
    AGGREGATION = "AGGREGATION"


_TRANSFORMS = (Transform.IDENTITY, Transform.TRANSFORMATION, Transform.AGGREGATION)
# An edge's state along the walk, packed in an int so that the per-node maps stay small:
# the transform's rank (0..2), whether a hash masks the value, whether the edge is a guess.
_RANK = 3
_MASKED = 4
_GUESSED = 8
GUESS_CONFIDENCE = 0.5  # what OpenLineage reports for columns it cannot trace through an operator


class LineageError(ValueError):
    """The plan cannot be traced (a cycle, a write with no input)."""


class SourceColumn(NamedTuple):
    """A tuple for the same reason as `Ref`: the engine's per-node maps are keyed by it."""

    dataset: DatasetRef
    column: str

    def __str__(self) -> str:
        return f"{self.dataset}.{self.column}"


@dataclass(frozen=True, order=True, slots=True)
class Edge:
    """One upstream column of an output column, and what happened to it on the way."""

    upstream: SourceColumn
    transform: Transform
    masking: bool = False
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class ColumnLineage:
    column: str
    edges: tuple[Edge, ...]
    # Columns that decide which value this column takes, not the value itself (CASE WHEN, IF,
    # a correlated subquery's keys): DataHub's and OpenLineage's INDIRECT/CONDITIONAL.
    conditional: tuple[SourceColumn, ...] = ()
    functions: tuple[str, ...] = ()
    data_type: str | None = None

    @property
    def upstreams(self) -> tuple[SourceColumn, ...]:
        return tuple(edge.upstream for edge in self.edges)

    @property
    def transform(self) -> Transform | None:
        """The strongest transform over the edges; None when the column has no upstream at all."""
        if not self.edges:
            return None
        return max((edge.transform for edge in self.edges), key=_TRANSFORMS.index)

    @property
    def confidence(self) -> float:
        return min((edge.confidence for edge in self.edges), default=1.0)

    @property
    def masking(self) -> bool:
        return any(edge.masking for edge in self.edges)


@dataclass(frozen=True, order=True, slots=True)
class IndirectDependency:
    """A column that shapes the written rows as a whole (once per write, not per output column)."""

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
    # Operators whose columns were guessed from their children (MapInPandas…): said, not hidden.
    guessed_operators: tuple[str, ...] = ()

    def edge_count(self) -> int:
        return sum(len(c.edges) for c in self.columns)


# Per node: its direct upstream columns with their packed edge state, and its conditional columns.
_Direct = Mapping[SourceColumn, int]


@dataclass(slots=True)  # not frozen: one per traced node, and frozen construction costs 3x
class _Trace:
    direct: _Direct
    conditional: frozenset[SourceColumn]


_EMPTY_DIRECT: dict[SourceColumn, int] = {}
_EMPTY = _Trace(_EMPTY_DIRECT, frozenset())


def _join(a: int, b: int) -> int:
    """The same upstream reached along two paths: the stronger transform, masked if either is, a
    guess only if both are."""
    return max(a & _RANK, b & _RANK) | ((a | b) & _MASKED) | (a & b & _GUESSED)


def _merge(maps: list[_Direct]) -> _Direct:
    if not maps:
        return _EMPTY_DIRECT
    if len(maps) == 1:
        return maps[0]  # shared, not copied: keeps memory linear on long chains
    out = dict(maps[0])
    for other in maps[1:]:
        for key, value in other.items():
            known = out.get(key)
            out[key] = value if known is None else _join(known, value)
    return out


def _apply(direct: _Direct, effect: int) -> _Direct:
    """What one expression does to every path through it: at least its rank, plus its flags."""
    if not effect:
        return direct
    flags = effect & (_MASKED | _GUESSED)
    floor = effect & _RANK
    changed = {key: max(value & _RANK, floor) | (value & ~_RANK) | flags for key, value in direct.items()}
    return direct if changed == direct else changed


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
                 extra_children: dict[str, tuple[Ref, ...]], guessed: set[str]) -> None:
        self.plan = plan
        self.origins = origins
        self.extra_children = extra_children
        self.guessed = guessed
        self.memo: dict[Ref, _Trace] = {}

    def children(self, node: Ref) -> tuple[Ref, ...]:
        if node.kind == "attr":
            if node.id in self.origins:
                return ()
            attr = self.plan.attributes[node.id]
            return attr.child_refs or self.extra_children.get(node.id, ())
        expr = self.plan.expressions[node.id]
        if expr.is_literal or expression_role(expr.class_name) is Role.NO_DATA:
            return ()
        return expr.child_refs

    def trace(self, root: Ref) -> _Trace:
        memo = self.memo
        if root in memo:
            return memo[root]
        on_path: set[Ref] = set()
        # (node, None) asks to expand the node; (node, its children) to combine them once traced.
        stack: list[tuple[Ref, tuple[Ref, ...] | None]] = [(root, None)]
        while stack:
            node, children = stack.pop()
            if node in memo:
                continue
            if children is not None:
                on_path.discard(node)
                memo[node] = self._combine(node, children)
                continue
            if node in on_path:
                raise LineageError(f"plan {self.plan.id}: the expression graph has a cycle through {node.id}")
            on_path.add(node)
            children = self.children(node)
            stack.append((node, children))
            for child in children:
                if child not in memo:
                    stack.append((child, None))
        return memo[root]

    def _combine(self, node: Ref, children: tuple[Ref, ...]) -> _Trace:
        if node.kind == "attr":
            origin = self.origins.get(node.id)
            if origin is not None:
                return _Trace(dict.fromkeys(origin, 0), frozenset())
            effect = (1 | _GUESSED) if node.id in self.guessed else 0
            return self._through(children, (), effect)
        expr = self.plan.expressions[node.id]
        if not children:
            return _EMPTY  # a literal, a window frame, a function of no column (row_number, rand)
        role = expression_role(expr.class_name)
        if role is Role.PASS or (expr.synthetic and expr.name == "union") or self._is_noop_cast(expr):
            return self._through(children, (), 0)
        if role is Role.AGGREGATE:
            return self._through(children, (), 2)
        if role is Role.MASK:
            return self._through(children, (), 1 | _MASKED)
        if role is Role.SUBQUERY:
            return self._through((), children, 1)
        if role is Role.IF:
            return self._through(children[1:], children[:1], 1)
        if role is Role.PIVOT:
            return self._through(children[1:], children[:1], 2)
        if role is Role.CASE_WHEN:
            pairs = len(children) // 2
            conditions = children[0:2 * pairs:2]
            values = children[1:2 * pairs:2] + children[2 * pairs:]
            return self._through(values, conditions, 1)
        return self._through(children, (), 1)

    def _through(self, values: Sequence[Ref], conditions: Sequence[Ref], effect: int) -> _Trace:
        memo = self.memo
        if len(values) == 1 and not conditions:
            # Most nodes: an attribute over its expression, an Alias over a column. Their trace is
            # their child's, shared, not rebuilt (or rebuilt with the effect when that changes it).
            only = memo[values[0]]
            direct = _apply(only.direct, effect)
            return only if direct is only.direct else _Trace(direct, only.conditional)
        value_traces = [memo[c] for c in values]
        condition_traces = [memo[c] for c in conditions]
        direct = _apply(_merge([t.direct for t in value_traces]), effect)
        conditional_parts = [t.conditional for t in value_traces if t.conditional]
        for trace in condition_traces:
            conditional_parts.append(frozenset(trace.direct))
            if trace.conditional:
                conditional_parts.append(trace.conditional)
        if not conditional_parts:
            conditional: frozenset[SourceColumn] = frozenset()
        elif len(conditional_parts) == 1:
            conditional = conditional_parts[0]
        else:
            conditional = frozenset().union(*conditional_parts)
        return _Trace(direct, conditional)

    def _is_noop_cast(self, expr: Expression) -> bool:
        if expr.class_name not in CASTS or len(expr.child_refs) != 1 or expr.data_type is None:
            return False
        child = expr.child_refs[0]
        child_type = (self.plan.attributes[child.id].data_type if child.kind == "attr"
                      else self.plan.expressions[child.id].data_type)
        return child_type == expr.data_type

    def every_source(self, ref: Ref) -> frozenset[SourceColumn]:
        """For indirect use every referenced column counts, also inside window specs and sort orders."""
        if ref.kind == "expr":
            expr = self.plan.expressions[ref.id]
            if not expr.is_literal and expression_role(expr.class_name) is Role.NO_DATA:
                return frozenset().union(*(self.every_source(c) for c in expr.child_refs))
        trace = self.trace(ref)
        return frozenset(trace.direct) | trace.conditional

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
                if expr.class_name in WRAPPERS and expr.child_refs:
                    stack.append(expr.child_refs[0])  # name the function inside, e.g. `sum`, `rank`
                    continue
                transparent = (expression_role(expr.class_name) is Role.PASS or self._is_noop_cast(expr)
                               or expr.synthetic)
                if not (transparent or expr.is_literal):
                    names.append(_display_name(expr))
                    continue
            stack.extend(self.children(node))
        return tuple(sorted(set(names)))


def _display_name(expr: Expression) -> str:
    if expr.class_name.endswith("UDF"):
        udf = expr.params.get("name")
        return f"{expr.name}:{udf}" if isinstance(udf, str) and udf else expr.name
    return expr.name


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
    for op in operations:
        if op.kind == "read":
            datasets = _datasets(plan, op, namer, op.input_sources)
            inputs.update(datasets)
            attributes = plan.attributes
            for attr_id in op.output:
                name = attributes[attr_id].name
                origins[attr_id] = (frozenset((SourceColumn(datasets[0], name),)) if len(datasets) == 1
                                    else frozenset(SourceColumn(d, name) for d in datasets))
    extra_children, guessed, guessed_ops = _made_up_attributes(plan, operations, origins)

    tracer = _Tracer(plan, origins, extra_children, guessed)
    write = plan.write
    if not write.child_ids:
        raise LineageError(f"plan {plan.id}: the write operation {write.id} has no input operation")
    written = plan.operations[write.child_ids[0]]
    columns = []
    for attr_id in written.output:
        ref = Ref("attr", attr_id)
        trace = tracer.trace(ref)
        attribute = plan.attributes[attr_id]
        columns.append(ColumnLineage(
            column=attribute.name,
            edges=tuple(sorted(_edge(source, state) for source, state in trace.direct.items())),
            conditional=tuple(sorted(trace.conditional)),
            functions=tracer.functions(ref),
            data_type=attribute.data_type,
        ))

    indirect: set[IndirectDependency] = set()
    for op in operations:
        for key, kind in operator_rule(op.name).indirect:
            for ref in iter_refs(op.params.get(key)):
                indirect.update(IndirectDependency(col, kind) for col in tracer.every_source(ref))

    outputs = _datasets(plan, write, namer, [write.output_source or ""])
    return WriteLineage(
        plan_id=plan.id,
        output=outputs[0],
        write_operation=write.name,
        append=write.append,
        inputs=tuple(sorted(inputs)),
        columns=tuple(columns),
        indirect=tuple(sorted(indirect)),
        guessed_operators=tuple(sorted(guessed_ops)),
    )


def _datasets(plan: ExecutionPlan, op: Operation, namer: DatasetNamer, sources: Sequence[str]) -> list[DatasetRef]:
    try:
        return namer.for_operation(op.params, sources)
    except NamingError as exc:
        raise LineageError(f"plan {plan.id}: {op.kind} operation {op.id} ({op.name}): {exc}") from None
    except ValueError as exc:  # urllib's own errors, e.g. "Invalid IPv6 URL" for s3://[bucket
        raise LineageError(f"plan {plan.id}: {op.kind} operation {op.id} ({op.name}) names "
                           f"{', '.join(map(repr, sources))}, which is not a valid location: {exc}") from None


def _edge(source: SourceColumn, state: int) -> Edge:
    return Edge(source, _TRANSFORMS[state & _RANK], bool(state & _MASKED),
                GUESS_CONFIDENCE if state & _GUESSED else 1.0)


def _made_up_attributes(
    plan: ExecutionPlan, operations: list[Operation], origins: dict[str, frozenset[SourceColumn]]
) -> tuple[dict[str, tuple[Ref, ...]], set[str], set[str]]:
    """Attributes an operator makes without an expression (Expand, CTE references, MapInPandas…):
    where they come from, which of them are guesses, and the operators guessed at."""
    extra: dict[str, tuple[Ref, ...]] = {}
    guessed: set[str] = set()
    guessed_ops: set[str] = set()
    cte_definitions = {str(op.params.get("id")): op for op in operations if op.name == "CTERelationDef"}
    for op in operations:
        outputs = operator_rule(op.name).outputs
        if op.kind != "other" or (not op.child_ids and outputs is Outputs.CHILDREN):
            continue  # reads are origins; a leaf that reads nothing (LocalRelation, Range) has no upstream
        if len(op.child_ids) == 1 and op.output == plan.operations[op.child_ids[0]].output:
            continue  # Filter, Sort, Limit, SubqueryAlias…: the child's columns, nothing made
        inherited = {attr for child in op.child_ids for attr in plan.operations[child].output}
        made = [(position, attr) for position, attr in enumerate(op.output)
                if attr not in inherited and attr not in origins and not plan.attributes[attr].child_refs]
        if not made:
            continue
        if outputs is Outputs.EXPAND:
            _expand_children(op, made, extra)
        elif outputs is Outputs.CTE_REF:
            _cte_children(op, made, plan, cte_definitions, extra)
        else:
            children = tuple(Ref("attr", attr) for child in op.child_ids for attr in plan.operations[child].output)
            if not children:
                continue  # fed by operators without columns (LogicalRDD over RDDs): nothing to guess from
            for _, attr in made:
                extra[attr] = children
                guessed.add(attr)
            guessed_ops.add(op.name)
    return extra, guessed, guessed_ops


def _expand_children(op: Operation, made: list[tuple[int, str]], extra: dict[str, tuple[Ref, ...]]) -> None:
    """Expand (ROLLUP/CUBE/GROUPING SETS) outputs column i from position i of every projection."""
    projections = op.params.get("projections")
    if not isinstance(projections, list):
        return
    for position, attr_id in made:
        refs = tuple(row[position] for row in projections
                     if isinstance(row, list) and position < len(row) and isinstance(row[position], Ref)
                     and row[position] != Ref("attr", attr_id))
        if refs:
            extra[attr_id] = refs


def _cte_children(op: Operation, made: list[tuple[int, str]], plan: ExecutionPlan,
                  definitions: dict[str, Operation], extra: dict[str, tuple[Ref, ...]]) -> None:
    """A CTE reference (Spark 3.4+ WithCTE) outputs fresh attributes: position i is column i of its definition."""
    definition = definitions.get(str(op.params.get("cteId")))
    if definition is None or not definition.child_ids:
        return
    source = plan.operations[definition.child_ids[0]].output
    for position, attr_id in made:
        if position < len(source):
            extra[attr_id] = (Ref("attr", source[position]),)
