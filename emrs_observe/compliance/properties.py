"""Reading the spark-defaults out of an application's `runtimeConfiguration`, and splitting lists.

Pure. Every shape problem becomes a message (reported by the `properties-unparseable` rule), never
an exception, so one broken application cannot stop a scan.
"""

from __future__ import annotations

from typing import Any

CLASSIFICATION = "spark-defaults"


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
            props[key] = value
    return props, problems


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
