"""Reading the spark-defaults out of an application's `runtimeConfiguration`, and splitting lists.

Pure. Every shape problem becomes a message (reported by the `properties-unparseable` rule), never
an exception, so one broken application cannot stop a scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CLASSIFICATION = "spark-defaults"


@dataclass(frozen=True)
class Setting:
    """One string in an application's or job run's configuration, wherever it sits."""

    where: str  # "spark-defaults", "spark-env/export", "monitoringConfiguration.s3MonitoringConfiguration"
    key: str
    value: str


def spark_defaults(runtime_configuration: Any) -> tuple[dict[str, str], list[str]]:
    """The merged spark-defaults properties and the problems met while reading them."""
    problems: list[str] = []
    props: dict[str, str] = {}
    if runtime_configuration is None:
        return props, problems
    if not isinstance(runtime_configuration, list):
        problems.append(f"runtimeConfiguration is a {_kind(runtime_configuration)}, not a list of classifications")
        return props, problems
    seen_defaults = 0
    for index, item in enumerate(runtime_configuration):
        where = f"runtimeConfiguration[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where} is a {_kind(item)}, not a classification object")
            continue
        classification = item.get("classification")
        if not isinstance(classification, str):
            problems.append(f"{where} has no classification name")
            continue
        if classification != CLASSIFICATION:
            continue
        seen_defaults += 1
        if seen_defaults == 2:
            problems.append(f"{where}: spark-defaults appears more than once; the later one overrides keys")
        raw = item.get("properties", {})
        if not isinstance(raw, dict):
            problems.append(f"{where}.properties is a {_kind(raw)}, not an object of strings")
            continue
        for key, value in raw.items():
            if not isinstance(key, str) or not key.strip():
                problems.append(f"{where}.properties has an empty key")
                continue
            if not isinstance(value, str):
                problems.append(f"{where}.properties[{key!r}] is a {_kind(value)}, not a string")
                continue
            if key != key.strip():
                problems.append(f"{where}.properties[{key!r}] has spaces around the key; Spark will not see it")
                continue
            # Spark trims spark-defaults values when it reads them (Utils.getPropertiesFromFile).
            props[key] = value.strip()
    return props, problems


def all_settings(runtime_configuration: Any, *documents: tuple[str, Any]) -> tuple[list[Setting], list[str]]:
    """Every property of every classification (nested `configurations` included) and every string
    in the other documents given as (name, value), e.g. imageConfiguration. Iterative: a hostile
    nesting depth cannot exhaust the stack. Problems are shapes a classification cannot have."""
    settings: list[Setting] = []
    problems: list[str] = []
    stack: list[tuple[str, str, Any]] = []  # (path for messages, classification path, item)
    if isinstance(runtime_configuration, list):
        stack.extend(
            (f"runtimeConfiguration[{i}]", "", item) for i, item in reversed(list(enumerate(runtime_configuration)))
        )
    while stack:
        path, parent, item = stack.pop()
        if not isinstance(item, dict):
            if parent:  # top-level shape problems are reported by spark_defaults
                problems.append(f"{path} is a {_kind(item)}, not a classification object")
            continue
        name = item.get("classification")
        if not isinstance(name, str):
            if parent:
                problems.append(f"{path} has no classification name")
            continue
        where = f"{parent}/{name}" if parent else name
        raw = item.get("properties", {})
        if isinstance(raw, dict):
            settings.extend(Setting(where, k, v) for k, v in raw.items() if isinstance(k, str) and isinstance(v, str))
        elif where != CLASSIFICATION:
            problems.append(f"{path}.properties ({where}) is a {_kind(raw)}, not an object of strings")
        nested = item.get("configurations")
        if isinstance(nested, list):
            stack.extend((f"{path}.configurations[{i}]", where, x) for i, x in reversed(list(enumerate(nested))))
        elif nested is not None:
            problems.append(f"{path}.configurations ({where}) is a {_kind(nested)}, not a list")
    for name, document in documents:
        settings.extend(strings(document, name))
    return settings, problems


def strings(document: Any, name: str) -> list[Setting]:
    """Every string leaf of a JSON document, keyed by its field name; iterative."""
    found: list[Setting] = []
    stack: list[tuple[str, str, Any]] = [(name, "", document)]
    while stack:
        where, key, value = stack.pop()
        if isinstance(value, str):
            found.append(Setting(where, key, value))
        elif isinstance(value, dict):
            inner = f"{where}.{key}" if key else where
            stack.extend((inner, str(k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((where, f"{key}[{i}]", v) for i, v in enumerate(value))
    return found


def split_list(value: str | None) -> list[str]:
    """A comma-separated Spark list (spark.plugins, spark.jars, …) without blanks."""
    if not value:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )
