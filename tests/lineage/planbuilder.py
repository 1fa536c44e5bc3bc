"""Builds synthetic Spline execution plans, for what real jobs cannot give cheaply: huge and deep
plans for the benchmarks, and unusual plans for the engine's own tests.

The ground truth is what the real agent writes (tests/lineage/corpus, captured from real runs); this
builder writes the same shapes — producer API v1.2 (`{"__attrId": …}` references,
`extraInfo.dataTypes`, `simpleClassName`/`_typeHint` extras, qualified aggregate class names,
synthetic union attributes) and the `hdfs` dispatcher's internal model (`{"id": …}` references) —
and test_planbuilder.py checks every shape it writes against the captured plans.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

STRING = "e63adadc-648a-56a0-9424-3289858cf0bb"
LONG = "75fe27b9-9a00-5c7d-966f-33ba32333133"
DOUBLE = "455d9d5b-7620-529e-840b-897cee45e560"
INT = "a155e715-56ab-59c4-a94b-ed1851a6984a"
TIMESTAMP = "a4f4d8b1-3d8c-5ebc-9e77-6c9a3d6f4f5a"
DATA_TYPES = [
    {"_typeHint": "dt.Simple", "id": STRING, "name": "string", "nullable": True},
    {"_typeHint": "dt.Simple", "id": LONG, "name": "bigint", "nullable": True},
    {"_typeHint": "dt.Simple", "id": DOUBLE, "name": "double", "nullable": True},
    {"_typeHint": "dt.Simple", "id": INT, "name": "int", "nullable": False},
    {"_typeHint": "dt.Simple", "id": TIMESTAMP, "name": "timestamp", "nullable": True},
]


@dataclass(frozen=True)
class A:
    """A reference to an attribute."""

    id: str
    name: str


@dataclass(frozen=True)
class E:
    """A reference to an expression."""

    id: str


Ref = A | E


@dataclass
class Op:
    id: str
    output: list[A]

    def __getitem__(self, name: str) -> A:
        for attr in self.output:
            if attr.name == name:
                return attr
        raise KeyError(name)


# How the agent writes what it knows of some expression classes (read from the captured plans).
_TYPE_HINTS = {"Alias": "expr.Alias", "UnboundedPreceding$": "expr.GenericLeaf", "CurrentRow$": "expr.GenericLeaf",
               "SpecifiedWindowFrame": "expr.UntypedExpression", "WindowSpecDefinition": "expr.UntypedExpression",
               **dict.fromkeys(("EqualTo", "GreaterThan", "LessThan", "Add", "Subtract", "Multiply", "Divide", "And",
                                "Or"), "expr.Binary")}
_SYMBOLS = {"EqualTo": "=", "GreaterThan": ">", "LessThan": "<", "Add": "+", "Subtract": "-", "Multiply": "*",
            "Divide": "/", "And": "&&", "Or": "||"}
_DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    **{key: {"evalMode": "LEGACY"} for key in ("Add", "Subtract", "Multiply", "Divide", "aggregate.Sum")},
    "Cast": {"timeZoneId": "Etc/UTC", "evalMode": "LEGACY"},
}


def _ref(item: Ref) -> dict[str, str]:
    return {"__attrId": item.id} if isinstance(item, A) else {"__exprId": item.id}


@dataclass
class PlanBuilder:
    name: str = "orders-daily"
    plan_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    spark_version: str = "3.5.1"
    agent_version: str = "2.2.3"
    attributes: list[dict[str, Any]] = field(default_factory=list)
    functions: list[dict[str, Any]] = field(default_factory=list)
    constants: list[dict[str, Any]] = field(default_factory=list)
    reads: list[dict[str, Any]] = field(default_factory=list)
    other: list[dict[str, Any]] = field(default_factory=list)
    write_op: dict[str, Any] | None = None
    _next_op: int = 1
    _next_attr: int = 0
    _next_expr: int = 0

    # ---- ids
    def _op_id(self) -> str:
        ident = f"op-{self._next_op}"
        self._next_op += 1
        return ident

    def _attr(self, name: str, data_type: str = STRING, child: list[Ref] | None = None,
              extra: dict[str, Any] | None = None) -> A:
        ident = f"attr-{self._next_attr}"
        self._next_attr += 1
        doc: dict[str, Any] = {"id": ident, "dataType": data_type, "name": name}
        if child:
            doc["childRefs"] = [_ref(c) for c in child]
        if extra:
            doc["extra"] = extra
        self.attributes.append(doc)
        return A(ident, name)

    # ---- expressions
    def fn(self, name: str, *children: Ref, class_name: str | None = None, params: dict[str, Any] | None = None,
           data_type: str = STRING, extra: dict[str, Any] | None = None) -> E:
        ident = f"expr-{self._next_expr}"
        self._next_expr += 1
        cls = class_name or name[:1].upper() + name[1:]
        extras: dict[str, Any] = {"simpleClassName": cls, "_typeHint": _TYPE_HINTS.get(cls, "expr.Generic")}
        if cls in _SYMBOLS:
            extras["symbol"] = _SYMBOLS[cls]
        params = {**_DEFAULT_PARAMS.get(cls, {}), **(params or {})}
        doc: dict[str, Any] = {"id": ident, "dataType": data_type, "name": name, "extra": {**extras, **(extra or {})}}
        if children:
            doc["childRefs"] = [_ref(c) for c in children]
        if params:
            doc["params"] = params
        self.functions.append(doc)
        return E(ident)

    def lit(self, value: Any, data_type: str = INT) -> E:
        ident = f"expr-{self._next_expr}"
        self._next_expr += 1
        self.constants.append({"id": ident, "dataType": data_type, "value": value,
                               "extra": {"simpleClassName": "Literal", "_typeHint": "expr.Literal"}})
        return E(ident)

    def alias(self, child: Ref, name: str, data_type: str = STRING) -> A:
        """`child AS name`: Spline's new attribute pointing at an Alias expression."""
        # Spline names an Alias by its alias text, not by the function.
        alias = self.fn(name, child, class_name="Alias", data_type=data_type,
                        params={"name": name, "nonInheritableMetadataKeys": ["__dataset_id", "__col_position"]})
        return self._attr(name, data_type, [alias])

    def udf(self, udf_name: str, *children: Ref) -> E:
        return self.fn("pythonudf", *children, class_name="PythonUDF",
                       params={"name": udf_name, "evalType": 100, "func": "SimplePythonFunction(…)",
                               "udfDeterministic": True})

    def agg(self, func: str, *children: Ref, class_name: str | None = None) -> E:
        """`sum(x)`: Spline qualifies aggregate classes with their sub-package (`aggregate.Sum`)."""
        inner = self.fn(func, *children, class_name=f"aggregate.{class_name or func.title()}", data_type=LONG)
        return self.fn("aggregateexpression", inner, class_name="aggregate.AggregateExpression", data_type=LONG,
                       params={"isDistinct": False, "mode": "Complete"})

    def window_fn(self, func: E, partition: list[Ref], order: list[Ref]) -> E:
        orders = [self.fn("sortorder", o, class_name="SortOrder",
                          params={"direction": "Ascending", "nullOrdering": "NullsFirst"}) for o in order]
        frame = self.fn("specifiedwindowframe", self.fn("unboundedpreceding$", class_name="UnboundedPreceding$"),
                        self.fn("currentrow$", class_name="CurrentRow$"), class_name="SpecifiedWindowFrame",
                        params={"frameType": "RowFrame"})
        spec = self.fn("windowspecdefinition", *partition, *orders, frame, class_name="WindowSpecDefinition",
                       params={"partitionSpec": [str(p) for p in partition], "orderSpec": [str(o) for o in order]})
        return self.fn("windowexpression", func, spec, class_name="WindowExpression")

    # ---- operations
    def read(self, sources: list[str], columns: Sequence[str | tuple[str, str]], source_type: str = "parquet",
             table: tuple[str, str] | None = None, name: str = "LogicalRelation") -> Op:
        attrs = [self._attr(c) if isinstance(c, str) else self._attr(c[0], c[1]) for c in columns]
        ident = self._op_id()
        params: dict[str, Any] = {"path": _hadoop_path(sources[0])} if sources and table is None else {}
        if table is not None:
            params["table"] = {"identifier": {"table": table[1], "database": table[0]},
                               "storage": f"Storage(Location: {sources[0]})" if sources else "Storage()"}
        self.reads.append({"inputSources": sources, "id": ident, "name": name, "output": [a.id for a in attrs],
                           "params": params, "extra": {"sourceType": source_type}})
        return Op(ident, attrs)

    def op(self, name: str, children: list[Op], output: list[A], params: dict[str, Any] | None = None) -> Op:
        ident = self._op_id()
        self.other.append({"id": ident, "name": name, "childIds": [c.id for c in children],
                           "output": [a.id for a in output], "params": _params(params or {}), "extra": {}})
        return Op(ident, output)

    def passthrough(self, name: str, child: Op, params: dict[str, Any] | None = None) -> Op:
        """Sort, Limit, Repartition, SubqueryAlias, View, Filter…: output is the child's."""
        return self.op(name, [child], list(child.output), params)

    def project(self, child: Op, items: list[A]) -> Op:
        return self.op("Project", [child], items, {"projectList": items})

    def filter(self, child: Op, condition: E) -> Op:
        return self.passthrough("Filter", child, {"condition": condition})

    def join(self, left: Op, right: Op, condition: E, join_type: str = "INNER") -> Op:
        output = left.output + ([] if join_type in ("LEFT SEMI", "LEFT ANTI") else right.output)
        return self.op("Join", [left, right], output, {"condition": condition, "hint": "", "joinType": join_type})

    def aggregate(self, child: Op, grouping: list[A], aggregates: list[A]) -> Op:
        return self.op("Aggregate", [child], grouping + aggregates,
                       {"groupingExpressions": grouping, "aggregateExpressions": grouping + aggregates})

    def window(self, child: Op, partition: list[Ref], order: list[Ref], new: list[A]) -> Op:
        orders = [{"expression": o, "direction": "ASC", "nullOrdering": "NULLS FIRST"} for o in order]
        return self.op("Window", [child], child.output + new,
                       {"windowExpressions": new, "partitionSpec": partition, "orderSpec": orders})

    def union(self, *children: Op) -> Op:
        """Spline's synthetic union attributes: one per column, pointing at every branch's column."""
        outputs = []
        for columns in zip(*(c.output for c in children), strict=True):
            ident = f"expr-{self._next_expr}"
            self._next_expr += 1
            self.functions.append({"id": ident, "dataType": STRING, "childRefs": [_ref(c) for c in columns],
                                   "extra": {"synthetic": True}, "name": "union"})
            outputs.append(self._attr(columns[0].name, STRING, [E(ident)], {"synthetic": True}))
        return self.op("Union", list(children), outputs, {"byName": False, "allowMissingCol": False})

    def generate(self, child: Op, generator: E, name: str) -> Op:
        out = self._attr(name, STRING, [generator])
        return self.op("Generate", [child], [*child.output, out],
                       {"outer": False, "generator": generator, "qualifier": None, "unrequiredChildIndex": None,
                        "generatorOutput": [out]})

    def expand(self, child: Op, projections: list[list[Ref]], names: list[str]) -> Op:
        """Expand passes its child's columns on and adds new attributes with no childRefs: position i of
        the output is position i of every projection."""
        output = [*child.output, *(self._attr(n) for n in names)]
        return self.op("Expand", [child], output,
                       {"projections": [[*child.output, *row] for row in projections]})

    def write(self, child: Op, output_source: str, name: str = "InsertIntoHadoopFsRelationCommand",
              append: bool = False, table: tuple[str, str] | None = None, destination: str = "parquet") -> None:
        params: dict[str, Any] = {"path": _hadoop_path(output_source)}
        if table is not None:  # an INSERT INTO a catalog table names the table, not the path
            params = {"table": {"identifier": {"table": table[1], "database": table[0]},
                                "storage": f"Storage(Location: {output_source})"}}
        self.write_op = {"outputSource": output_source, "append": append, "id": "op-0", "name": name,
                         "childIds": [child.id], "params": params, "extra": {"destinationType": destination}}

    # ---- documents
    def plan(self) -> dict[str, Any]:
        assert self.write_op is not None, "call write() first"
        return {
            "id": self.plan_id,
            "name": self.name,
            "operations": {"write": self.write_op, "reads": self.reads, "other": self.other},
            "attributes": self.attributes,
            "expressions": {"functions": self.functions, "constants": self.constants},
            "systemInfo": {"name": "spark", "version": self.spark_version},
            "agentInfo": {"name": "spline", "version": self.agent_version},
            "extraInfo": {"appName": self.name, "dataTypes": DATA_TYPES},
        }

    def event(self, timestamp_ms: int, app_id: str = "application_1700000000000_0001",
              error: Any = None, duration_ns: int = 4_200_000_000) -> dict[str, Any]:
        doc: dict[str, Any] = {"planId": self.plan_id, "timestamp": timestamp_ms, "durationNs": duration_ns,
                               "extra": {"appId": app_id, "user": "hadoop"}}
        if error is not None:
            doc["error"] = error
        return doc


def _hadoop_path(uri: str) -> str:
    """Spline writes a relation's Hadoop path: without the scheme on the default (local) filesystem."""
    return uri.removeprefix("file:")


def _params(value: Any) -> Any:
    if isinstance(value, (A, E)):
        return _ref(value)
    if isinstance(value, dict):
        return {k: _params(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_params(v) for v in value]
    return value


def to_internal(plan: dict[str, Any]) -> dict[str, Any]:
    """The `hdfs` dispatcher's internal model: every `{"__attrId"|"__exprId": x}` becomes `{"id": x}`."""
    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            if "__attrId" in value:
                return {"id": value["__attrId"]}
            if "__exprId" in value:
                return {"id": value["__exprId"]}
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    internal: dict[str, Any] = convert(copy.deepcopy(plan))
    return internal


def lineage_object(plan: dict[str, Any], event: dict[str, Any] | None, job: dict[str, Any]) -> dict[str, Any]:
    return {"format": "emrs-observe.lineage", "version": 1, "executionPlan": plan, "executionEvent": event,
            "job": job}


def console_text(plan: dict[str, Any], event: dict[str, Any] | None, api: str = "1.2") -> str:
    """What the console/logging dispatchers print, between ordinary Spark log lines."""
    lines = [
        "26/11/21 10:00:01 INFO SparkContext: Running Spark version 3.5.1",
        "26/11/21 10:00:09 INFO SplineAgent: Spline successfully initialized. Spark Lineage tracking is ENABLED.",
        f"26/11/21 10:00:31 INFO LoggingLineageDispatcher: ExecutionPlan (apiVersion: {api}): {json.dumps(plan)}",
    ]
    if event is not None:
        lines.append(f"26/11/21 10:00:31 INFO LoggingLineageDispatcher: ExecutionEvent (apiVersion: {api}): "
                     f"{json.dumps(event)}")
    lines.append("26/11/21 10:00:32 INFO SparkContext: Successfully stopped SparkContext")
    return "\n".join(lines) + "\n"
