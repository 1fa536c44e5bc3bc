"""Producer-API (v1.1/v1.2) and internal-model JSON documents → the in-memory model.

The two JSON dialects differ only in how they reference attributes and expressions:
`{"__attrId": "attr-1"}` / `{"__exprId": "expr-1"}` in the producer API, `{"id": "attr-1"}` in the
internal model (resolved against the plan's attribute and expression tables). Everything else is
shared, so one converter serves both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emrs_observe.spline.model import (
    Attribute,
    ExecutionEvent,
    ExecutionPlan,
    Expression,
    Operation,
    OperationKind,
    Ref,
    RefKind,
)

_NO_PARAMS: dict[str, Any] = {}  # shared by every expression without parameters; never mutated


class PlanError(ValueError):
    """The document is a plan but not a consistent one (missing parts, dangling references)."""


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PlanError(f"{what} must be a JSON object, found {type(value).__name__}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PlanError(f"{what} must be a JSON array, found {type(value).__name__}")
    return value


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise PlanError(f"{what} is missing or not a string")
    return value


class _Refs:
    """Turns reference objects of either dialect into `Ref`, checking that each target exists."""

    def __init__(self, attr_refs: dict[str, Ref], expr_refs: dict[str, Ref]) -> None:
        # One Ref object per target, made up front from the plan's tables: big plans reference each
        # attribute many times, and then every valid reference is one dict lookup.
        self._attr_refs = attr_refs
        self._expr_refs = expr_refs

    # Errors raised here name only the reference; callers add which plan element holds it, so the
    # hot path never formats a location string.
    def ref(self, raw: Any) -> Ref:
        if isinstance(raw, dict):
            if "__attrId" in raw:
                return self._attr(str(raw["__attrId"]))
            if "__exprId" in raw:
                return self._expr(str(raw["__exprId"]))
            if "id" in raw:
                ident = str(raw["id"])
                if ident in self._attr_refs:
                    return self._attr_refs[ident]
                if ident in self._expr_refs:
                    return self._expr_refs[ident]
                raise PlanError(f"references {ident!r}, which is neither an attribute nor an expression")
        raise PlanError(f"has a malformed reference {raw!r}")

    def refs(self, raw: Any) -> tuple[Ref, ...]:
        if not raw:
            return ()
        if not isinstance(raw, list):
            raise PlanError(f"has childRefs that are not a JSON array but {type(raw).__name__}")
        return tuple(self._each(raw, self.ref))

    def _each(self, raw: list[Any], other: Callable[[Any], Any]) -> list[Any]:
        """Each item as its `Ref` when it is a producer-API reference to a target the plan defines,
        otherwise as `other` makes it (`ref` checks and names what is wrong). The hot path of reading
        a plan (childRefs, a Project's or an Aggregate's expressions): one dict lookup per reference."""
        attr_refs, expr_refs = self._attr_refs, self._expr_refs
        out = []
        for item in raw:
            found = None
            if type(item) is dict:
                ident = item.get("__attrId")
                if type(ident) is str:
                    found = attr_refs.get(ident)
                else:
                    ident = item.get("__exprId")
                    if type(ident) is str:
                        found = expr_refs.get(ident)
            out.append(found if found is not None else other(item))
        return out

    def _attr(self, ident: str) -> Ref:
        ref = self._attr_refs.get(ident)
        if ref is None:
            raise PlanError(f"references attribute {ident!r}, which the plan does not define")
        return ref

    def _expr(self, ident: str) -> Ref:
        ref = self._expr_refs.get(ident)
        if ref is None:
            raise PlanError(f"references expression {ident!r}, which the plan does not define")
        return ref

    def is_ref(self, raw: dict[str, Any]) -> bool:
        if "__attrId" in raw or "__exprId" in raw:
            return True
        if "id" not in raw:  # most parameter objects; checked first, the key-set test below allocates
            return False
        ident = raw["id"]
        return (raw.keys() - {"_typeHint"}) == {"id"} and (ident in self._attr_refs or ident in self._expr_refs)

    def params(self, raw: Any) -> Any:
        """Parameters with every embedded reference replaced by a `Ref`."""
        if isinstance(raw, dict):
            if not raw:
                return _NO_PARAMS
            if self.is_ref(raw):
                return self.ref(raw)
            for value in raw.values():
                if type(value) is dict or (type(value) is list and not _flat(value)):
                    return {key: self.params(value) for key, value in raw.items()}
            # Flat, as most are (an Alias's `nonInheritableMetadataKeys` is a list of strings):
            # nothing to resolve, so the parsed dict is kept, not copied.
            return raw
        if isinstance(raw, list):
            if _flat(raw):
                return raw
            return self._each(raw, self.params)
        return raw


def _flat(items: list[Any]) -> bool:
    """No object or array inside, so no reference to resolve. A loop, not `all()` over a generator,
    which costs twice as much on the short lists this sees."""
    for item in items:  # noqa: SIM110
        if type(item) is dict or type(item) is list:
            return False
    return True


class _TypeNames:
    """Spline's data type ids → Spark's type names (`bigint`, `array<struct<sku:string>>`), each
    made when an attribute or expression first asks for it: a plan's type table also lists types
    that nothing of what is read uses, and naming them all up front was a tenth of reading a small
    plan. An id the table does not define is kept as it is.

    Nullability is left out: Spline gives `bigint` and `bigint not null` different ids, but a value
    of one is a value of the other, which is what comparing a cast with its input needs.
    """

    def __init__(self, extra_info: dict[str, Any]) -> None:
        self._raw: dict[str, dict[str, Any]] = {}
        for item in extra_info.get("dataTypes") or []:
            if isinstance(item, dict) and "id" in item:
                self._raw[str(item["id"])] = item
        self.names: dict[str, str] = {}

    def __call__(self, ident: str) -> str:
        name = self.names.get(ident)
        if name is None:
            name = self._name(ident, 0) if ident in self._raw else ident
        return name

    def _name(self, ident: Any, depth: int) -> str:
        ident = str(ident)
        if ident in self.names:
            return self.names[ident]
        item = self._raw.get(ident)
        if item is None or depth > 32:  # unknown or absurdly nested: a name that equals nothing else
            return f"unknown:{ident}"
        hint = item.get("_typeHint")
        if hint == "dt.Array":
            name = f"array<{self._name(item.get('elementDataTypeId'), depth + 1)}>"
        elif hint == "dt.Struct":
            raw_fields = item.get("fields")
            fields: list[Any] = raw_fields if isinstance(raw_fields, list) else []
            name = "struct<" + ",".join(
                f"{f.get('name')}:{self._name(f.get('dataTypeId'), depth + 1)}" for f in fields if isinstance(f, dict)
            ) + ">"
        elif hint == "dt.Map":
            name = (f"map<{self._name(item.get('keyDataTypeId'), depth + 1)},"
                    f"{self._name(item.get('valueDataTypeId'), depth + 1)}>")
        else:
            name = str(item.get("name") or f"unknown:{ident}")
        self.names[ident] = name
        return name


def _refs_table(items: list[Any], kind: RefKind, plan_id: str, what: str, into: dict[str, Ref]) -> None:
    """The `Ref` of each of a plan's attributes or expressions, by id. Messages are formatted only on
    error: a large plan has tens of thousands of elements, and formatting them eagerly cost more
    than the check."""
    new = tuple.__new__  # what Ref(kind, ident) does, without the NamedTuple's Python-level __new__
    for item in items:
        ident = item.get("id") if type(item) is dict else None
        if type(ident) is not str or not ident:
            _obj(item, f"plan {plan_id}: {what}")
            ident = _str(ident, f"plan {plan_id}: {what} id")
        into[ident] = new(Ref, (kind, ident))


def _taken(items: list[Any], consume: bool) -> list[Any]:
    """The items in reverse order, for `pop()`: when `consume`, the document's own list, so a huge
    plan's raw JSON is freed while its model is built and peak memory is not raw + model; otherwise
    a copy (of references only), so that the document is left as it was."""
    taken = items if consume else list(items)
    taken.reverse()
    return taken


def parse_plan(doc: Any, consume: bool = False) -> ExecutionPlan:
    """`consume=True` empties the document's big lists while reading them (for freshly parsed JSON)."""
    plan = _obj(doc, "execution plan")
    plan_id = _str(plan.get("id"), "execution plan id")
    operations = _obj(plan.get("operations"), f"plan {plan_id}: operations")
    extra_info = plan.get("extraInfo") or {}
    type_names = _TypeNames(extra_info if isinstance(extra_info, dict) else {})
    named = type_names.names.get  # a type already named costs a lookup, not a call

    raw_attrs = _list(plan.get("attributes"), f"plan {plan_id}: attributes")
    raw_exprs = _obj(plan.get("expressions") or {}, f"plan {plan_id}: expressions")
    raw_functions = _list(raw_exprs.get("functions"), f"plan {plan_id}: expressions.functions")
    raw_constants = _list(raw_exprs.get("constants"), f"plan {plan_id}: expressions.constants")

    attr_refs: dict[str, Ref] = {}
    expr_refs: dict[str, Ref] = {}
    _refs_table(raw_attrs, "attr", plan_id, "attribute", attr_refs)
    _refs_table(raw_functions, "expr", plan_id, "expression", expr_refs)
    _refs_table(raw_constants, "expr", plan_id, "expression", expr_refs)
    refs = _Refs(attr_refs, expr_refs)

    # The loops below run once per element of plans with tens of thousands of them: no generator,
    # methods bound to locals (benchmarks/lineage_throughput.py).
    attributes: dict[str, Attribute] = {}
    to_refs = refs.refs
    pending = _taken(raw_attrs, consume)
    while pending:
        raw = pending.pop()
        ident = raw["id"]
        try:
            extra = raw.get("extra")
            data_type = raw.get("dataType")
            name = raw.get("name")
            attributes[ident] = Attribute(
                ident,
                name if type(name) is str and name else str(name or ident),
                to_refs(raw.get("childRefs")),
                (named(data_type) or type_names(data_type)) if type(data_type) is str else None,
                bool(extra) and str(extra.get("synthetic", "")).lower() == "true",
            )
        except PlanError as exc:
            raise PlanError(f"plan {plan_id}: attribute {ident} {exc}") from None

    expressions: dict[str, Expression] = {}
    to_params = refs.params
    short_names: dict[str, str] = {}  # `aggregate.Sum` → `Sum`; a plan uses a few dozen classes
    for literal, raw_list in ((False, raw_functions), (True, raw_constants)):
        pending = _taken(raw_list, consume)
        while pending:
            raw = pending.pop()
            ident = raw["id"]
            try:
                extra = raw.get("extra") or _NO_PARAMS
                name = raw.get("name")
                qualified = str(extra.get("simpleClassName") or name or ("Literal" if literal else ""))
                class_name = short_names.get(qualified)
                if class_name is None:
                    class_name = short_names[qualified] = qualified.rsplit(".", 1)[-1]
                params = raw.get("params")
                data_type = raw.get("dataType")
                expressions[ident] = Expression(
                    ident,
                    name if type(name) is str and name else str(name or class_name or "literal"),
                    class_name,
                    to_refs(raw.get("childRefs")),
                    to_params(params) if params else _NO_PARAMS,
                    literal,
                    raw.get("value"),
                    "synthetic" in extra and str(extra["synthetic"]).lower() == "true",
                    (named(data_type) or type_names(data_type)) if type(data_type) is str else None,
                    qualified,
                )
            except PlanError as exc:
                raise PlanError(f"plan {plan_id}: expression {ident} {exc}") from None

    ops: dict[str, Operation] = {}
    write_raw = operations.get("write")
    if type(write_raw) is not dict:
        _obj(write_raw, f"plan {plan_id}: operations.write")
    write = _operation(write_raw, "write", plan_id, refs)
    ops[write.id] = write
    kinds: tuple[tuple[str, OperationKind], ...] = (("reads", "read"), ("other", "other"))
    for key, kind in kinds:
        raw_ops = operations.get(key)
        if type(raw_ops) is not list:
            raw_ops = _list(raw_ops, f"plan {plan_id}: operations.{key}")
        for raw in raw_ops:
            op = _operation(raw, kind, plan_id, refs)
            ops[op.id] = op

    for op in ops.values():
        for child in op.child_ids:
            if child not in ops:
                raise PlanError(
                    f"plan {plan_id}: operation {op.id} has child {child!r}, which the plan does not define"
                )
        for attr in op.output:
            if attr not in attributes:
                raise PlanError(f"plan {plan_id}: operation {op.id} outputs attribute {attr!r}, "
                                "which the plan does not define")

    system = plan.get("systemInfo") or {}
    agent = plan.get("agentInfo") or {}
    return ExecutionPlan(
        id=plan_id,
        name=str(plan.get("name") or ""),
        write=write,
        operations=ops,
        attributes=attributes,
        expressions=expressions,
        system=str(system.get("name") or ""),
        system_version=str(system.get("version") or ""),
        agent_version=str(agent.get("version") or ""),
        extra_info=extra_info if isinstance(extra_info, dict) else {},
    )


def _operation(raw: Any, kind: OperationKind, plan_id: str, refs: _Refs) -> Operation:
    if type(raw) is not dict:
        _obj(raw, f"plan {plan_id}: {'operation' if kind == 'other' else kind + ' operation'}")
    ident = raw.get("id")
    if type(ident) is not str or not ident:
        ident = _str(ident, f"plan {plan_id}: {kind} operation id")
    child_ids = raw.get("childIds")
    if child_ids is None and "childId" in raw:  # producer API v1.0 wrote a single child
        child_ids = [raw["childId"]]
    params = raw.get("params") or _NO_PARAMS
    extra = raw.get("extra") or _NO_PARAMS
    output_source = raw.get("outputSource")
    if kind == "write" and not output_source:
        raise PlanError(f"plan {plan_id}: operation {ident}: the write operation has no outputSource")
    # Positional: one per operation, and keyword construction of a slotted dataclass costs more.
    return Operation(
        ident,
        str(raw.get("name") or raw.get("_typeHint") or kind),
        kind,
        _strings(child_ids, plan_id, ident, "childIds"),
        _strings(raw.get("output"), plan_id, ident, "output"),
        (_located(refs.params, params, plan_id, ident) if params else _NO_PARAMS) if type(params) is dict else {},
        extra if type(extra) is dict else {},
        _strings(raw.get("inputSources"), plan_id, ident, "inputSources"),
        str(output_source) if output_source else None,
        bool(raw.get("append", False)),
    )


def _strings(value: Any, plan_id: str, ident: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if type(value) is not list:
        _list(value, f"plan {plan_id}: operation {ident}: {key}")
    return tuple(map(str, value))  # str() of a str is the str itself


def _located(convert: Any, value: Any, plan_id: str, ident: str) -> Any:
    try:
        return convert(value)
    except PlanError as exc:
        raise PlanError(f"plan {plan_id}: operation {ident} {exc}") from None


def parse_event(doc: Any) -> ExecutionEvent:
    event = _obj(doc, "execution event")
    plan_id = _str(event.get("planId"), "execution event planId")
    timestamp = event.get("timestamp")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        raise PlanError(f"execution event for plan {plan_id}: timestamp is missing or not an integer")
    duration = event.get("durationNs")
    extra = event.get("extra") or {}
    return ExecutionEvent(
        plan_id=plan_id,
        timestamp_ms=timestamp,
        duration_ns=duration if isinstance(duration, int) else None,
        error=event.get("error"),
        extra=extra if isinstance(extra, dict) else {},
    )
