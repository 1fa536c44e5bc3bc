"""One in-memory model for every form of Spline output (producer API v1.1/v1.2, internal model).

References between attributes and expressions are normalised to `Ref`; operation parameters keep
their raw structure with every reference inside them replaced by a `Ref`, so the lineage engine
never has to know which wire form a plan came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

RefKind = Literal["attr", "expr"]

# Attributes, expressions and operations are not frozen dataclasses although nothing changes them
# after parsing: a frozen dataclass's __init__ sets each field through object.__setattr__, which
# made building them 3x slower, and a large plan builds tens of thousands of them
# (benchmarks/lineage_throughput.py). Attributes stay hashable.


class Ref(NamedTuple):
    """A reference to an attribute or expression. A tuple, not a dataclass: the engine keys its memo
    by Ref, and a tuple hashes and compares in C where a dataclass calls Python code each time."""

    kind: RefKind
    id: str


@dataclass(slots=True, unsafe_hash=True)
class Attribute:
    id: str
    name: str
    child_refs: tuple[Ref, ...] = ()
    data_type: str | None = None
    synthetic: bool = False


@dataclass(slots=True)
class Expression:
    """A functional expression or a literal (`is_literal`).

    `class_name` is Spark's class name without its package: Spline writes some qualified by their
    sub-package (`aggregate.Sum`), which is kept whole in `qualified_class_name`. `name` is what
    Spline calls the expression: a function's pretty name (`sum`), but an Alias's alias text.
    """

    id: str
    name: str
    class_name: str
    child_refs: tuple[Ref, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    is_literal: bool = False
    value: Any = None
    synthetic: bool = False
    data_type: str | None = None
    qualified_class_name: str = ""


OperationKind = Literal["read", "write", "other"]


@dataclass(slots=True)
class Operation:
    id: str
    name: str
    kind: OperationKind
    child_ids: tuple[str, ...] = ()
    output: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    input_sources: tuple[str, ...] = ()
    output_source: str | None = None
    append: bool = False


@dataclass(frozen=True, slots=True)
class ExecutionPlan:
    id: str
    name: str
    write: Operation
    operations: dict[str, Operation]
    attributes: dict[str, Attribute]
    expressions: dict[str, Expression]
    system: str = ""
    system_version: str = ""
    agent_version: str = ""
    extra_info: dict[str, Any] = field(default_factory=dict)

    def without_graph(self) -> ExecutionPlan:
        """The plan's identity and write without its operations, attributes and expressions: what is
        kept of a plan once its lineage is computed, so that its graph (most of the memory, and what
        the garbage collector would otherwise rescan) is freed with the object that carried it."""
        return ExecutionPlan(self.id, self.name, self.write, {self.write.id: self.write}, {}, {},
                             self.system, self.system_version, self.agent_version,
                             {k: v for k, v in self.extra_info.items() if k != "dataTypes"})


@dataclass(frozen=True, slots=True)
class ExecutionEvent:
    plan_id: str
    timestamp_ms: int
    duration_ns: int | None = None
    error: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.error in (None, "", {})


@dataclass(frozen=True, slots=True)
class JobInfo:
    """Job metadata: from the emrs-observe lineage object, or derived from the plan for other forms."""

    spark_app_id: str | None = None
    spark_app_name: str | None = None
    emr_application_id: str | None = None
    emr_job_run_id: str | None = None
    release_label: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LineageRecord:
    """One execution: its plan, its event when the source had one, and who ran it."""

    source: str
    form: str
    plan: ExecutionPlan
    event: ExecutionEvent | None
    job: JobInfo
