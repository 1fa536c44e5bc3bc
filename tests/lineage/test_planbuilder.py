"""The synthetic plan builder writes only shapes the real Spline agent writes.

The builder serves the benchmarks (huge plans) and a few engine tests; the plans captured from real
runs (corpus/fixtures, fixtures/naming) are the truth it is checked against: every operator it writes
with the parameter keys the agent gives that operator, every expression class the agent also wrote
with the same type hint, parameter keys and naming, and the same attribute, literal and reference
forms.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.plans import synthetic_plan
from tests.lineage import samples

HERE = Path(__file__).resolve().parent
CAPTURED = [*HERE.glob("corpus/fixtures/*/*.json"), *HERE.glob("fixtures/naming/*.plan.json")]


def _plan(doc: dict[str, Any]) -> dict[str, Any]:
    plan: dict[str, Any] = doc.get("executionPlan", doc)
    return plan


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _operations(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    ops = plan["operations"]
    yield ops["write"]
    yield from ops.get("reads") or []
    yield from ops.get("other") or []


class Shapes:
    def __init__(self, plans: list[dict[str, Any]]) -> None:
        self.operations: dict[str, set[tuple[str, ...]]] = {}
        self.expressions: dict[str, set[tuple[Any, ...]]] = {}
        self.forms: set[tuple[Any, ...]] = set()
        for plan in plans:
            for op in _operations(plan):
                params = tuple(sorted(op.get("params") or {}))
                self.operations.setdefault(op["name"], set()).add(params)
                self.forms.add(("operation", tuple(sorted(set(op) - {"params", "extra"}))))
            for attr in plan["attributes"]:
                self.forms.add(("attribute", tuple(sorted(attr)), tuple(sorted((attr.get("extra") or {}).items()))))
            expressions = plan.get("expressions") or {}
            for fn in expressions.get("functions") or []:
                extra = fn.get("extra") or {}
                named_by_alias = fn.get("name") == (fn.get("params") or {}).get("name")
                self.expressions.setdefault(str(extra.get("simpleClassName", fn.get("name"))), set()).add(
                    (extra.get("_typeHint"), tuple(sorted(fn.get("params") or {})), named_by_alias,
                     tuple(sorted(k for k in extra if k not in ("simpleClassName", "_typeHint")))))
            for constant in expressions.get("constants") or []:
                self.forms.add(("literal", tuple(sorted(constant)), tuple(sorted(constant["extra"].items()))))
            for node in _walk(plan):
                if "__attrId" in node or "__exprId" in node:
                    self.forms.add(("reference", tuple(sorted(node))))


REAL = Shapes([_plan(json.loads(p.read_text())) for p in CAPTURED])


def _check(plans: list[dict[str, Any]]) -> list[str]:
    built = Shapes(plans)
    problems = [f"operation {name} with parameters {params}: the agent writes {sorted(REAL.operations.get(name, []))}"
                for name, shapes in built.operations.items() for params in shapes
                if params not in REAL.operations.get(name, set())]
    problems += [f"expression {cls} shaped {shape}: the agent writes {sorted(REAL.expressions[cls])}"
                 for cls, shapes in built.expressions.items() if cls in REAL.expressions
                 for shape in shapes if shape not in REAL.expressions[cls]]
    problems += [f"{form} is not a form the agent writes" for form in built.forms - REAL.forms]
    return problems


def test_captured_plans_are_enough_to_judge() -> None:
    assert len(CAPTURED) >= 40
    assert {"Project", "Join", "Aggregate", "Window", "Union", "Generate", "Expand", "Filter"} <= set(REAL.operations)


def test_the_example_plans_have_real_shapes() -> None:
    assert _check([samples.enriched_orders().plan(), samples.country_revenue().plan()]) == []


def test_the_benchmark_plans_have_real_shapes() -> None:
    assert _check([synthetic_plan(6).plan()]) == []


def test_the_check_catches_a_shape_the_agent_never_writes() -> None:
    plan = samples.country_revenue().plan()
    alias = next(f for f in plan["expressions"]["functions"] if f["extra"]["simpleClassName"] == "Alias")
    alias["name"] = "alias"  # the old builder's guess: Spline names an Alias by its alias text
    plan["operations"]["write"]["params"]["mode"] = "Append"
    problems = _check([plan])
    assert any(p.startswith("expression Alias") for p in problems), problems
    assert any(p.startswith("operation InsertIntoHadoopFsRelationCommand") for p in problems), problems
