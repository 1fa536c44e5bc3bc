"""Merging a job's `spark_conf` with its application's spark-defaults so observability survives.

Pure: no I/O, no Airflow. On EMR Serverless a key set at job level replaces the application's
value for that key, so a job that sets `spark.jars` for its own dependency silently drops the
plugin jar and the Spline bundle (or OpenLineage's jar and listener). Here list-valued keys are
merged (the application's entries kept, the job's added), and a job value that would still replace
an observability setting is refused with the key named, unless the task opts out.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from emrs_observe.compliance.properties import split_list
from emrs_observe.defaults import contract as c
from emrs_observe.defaults import openlineage as ol
from emrs_observe.defaults.spline import bundle_from_coordinates, bundle_from_jar

# Comma-separated lists: the application's entries first, then the job's new ones.
COMMA_LISTS = (c.SPARK_JARS, c.SPARK_JARS_PACKAGES, c.SPARK_PLUGINS, c.SPARK_PLUGINS_DEFAULT_LIST,
               c.SPARK_QUERY_LISTENERS, c.SPARK_EXTRA_LISTENERS, c.TAGS)
# JVM option strings: the job's options first and ours last, because for a repeated -Dkey the
# JVM keeps the last one, so ours stay in force.
JAVA_OPTIONS = (c.DRIVER_EXTRA_JAVA_OPTIONS, c.DRIVER_DEFAULT_JAVA_OPTIONS, "spark.executor.extraJavaOptions")
# Namespaces whose every key is observability wiring (the Spline agent's, OpenLineage's, ours),
# but for OpenLineage's per-run parent keys, which link the run to its Airflow task.
PROTECTED_PREFIXES = ("spark.spline.", c.OPENLINEAGE, c.OBSERVE)
UNPROTECTED_KEYS = c.OPENLINEAGE_PER_JOB_KEYS
# Single keys that protect secrets: a job-level redaction regex could let a key into the Spark UI.
PROTECTED_KEYS = (c.SPARK_REDACTION_REGEX,)


@dataclass
class Merged:
    conf: dict[str, str]  # what the job run gets as its spark-defaults override
    # key -> why the job's value would drop observability. Refused unless the task opted out,
    # in which case the job's value was used and these are what the operator logs.
    overrides: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # the application itself is not wired up


def merge(app_defaults: dict[str, str], job_conf: dict[str, str]) -> Merged:
    """The job-level spark-defaults to submit: only the keys the job sets, list keys merged.

    Where the job's value would replace an observability setting, `conf` holds the job's value and
    `overrides` says why that is not acceptable; the caller refuses, or logs it for an opted-out task.
    """
    out = Merged(conf={}, warnings=_application_warnings(app_defaults))
    for key, value in job_conf.items():
        ours = app_defaults.get(key)
        if key in COMMA_LISTS:
            problem = _second_agent(key, ours, value)
            if problem:
                out.overrides[key] = problem
            out.conf[key] = _merge_commas(ours, value)
        elif key in JAVA_OPTIONS:
            out.conf[key] = _merge_java_options(ours, value)
        else:
            if _protected(key) and value != ours:
                out.overrides[key] = _replace_message(key, ours)
            out.conf[key] = value
    return out


def _protected(key: str) -> bool:
    return key in PROTECTED_KEYS or (key.startswith(PROTECTED_PREFIXES) and key not in UNPROTECTED_KEYS)


def _replace_message(key: str, ours: str | None) -> str:
    # Values are not repeated: a spark.emrs.observe.* value may name where a secret lives.
    if ours is None:
        return (
            f"spark_conf sets {key}, an observability key the application's spark-defaults leave to the "
            "agent's default; a job must not change it. Remove it from spark_conf, or set "
            "allow_observability_override=True to take responsibility"
        )
    return (
        f"spark_conf sets {key} to another value than the application's spark-defaults: lineage or logs "
        "would go elsewhere or nowhere. Remove it from spark_conf, or set allow_observability_override=True"
    )


def _second_agent(key: str, ours: str | None, theirs: str) -> str | None:
    """A job list entry that loads a second copy of our plugin or of the Spline agent."""
    if key == c.SPARK_JARS:
        mine = set(split_list(ours))
        for jar in split_list(theirs):
            if jar in mine:
                continue
            name = jar.rstrip("/").rsplit("/", 1)[-1]
            if c.PLUGIN_JAR_NAME.match(name) and any(_is_plugin_jar(j) for j in mine):
                return (
                    f"spark_conf's {key} adds another emrs-observe plugin jar ({name}) beside the application's: "
                    "two plugin versions on one classpath. Remove it from spark_conf"
                )
            if bundle_from_jar(jar) and any(bundle_from_jar(j) for j in mine):
                return (
                    f"spark_conf's {key} adds another Spline agent bundle ({name}) beside the application's. "
                    "Remove it from spark_conf"
                )
            if ol.jar_from_uri(jar) and any(ol.jar_from_uri(j) for j in mine):
                return (
                    f"spark_conf's {key} adds another OpenLineage Spark jar ({name}) beside the application's: "
                    "two copies of its listener's classes. Remove it from spark_conf"
                )
    if key == c.SPARK_JARS_PACKAGES:
        mine = set(split_list(ours))
        for coords in split_list(theirs):
            if coords not in mine and bundle_from_coordinates(coords):
                return f"spark_conf's {key} adds a Spline agent bundle ({coords}); the application brings its own"
            if coords not in mine and ol.jar_from_coordinates(coords):
                return f"spark_conf's {key} adds OpenLineage's Spark jar ({coords}); the application brings its own"
    return None


def _is_plugin_jar(jar: str) -> bool:
    return bool(c.PLUGIN_JAR_NAME.match(jar.rstrip("/").rsplit("/", 1)[-1]))


def _merge_commas(ours: str | None, theirs: str) -> str:
    entries = split_list(ours)
    entries += [e for e in split_list(theirs) if e not in entries]
    return ",".join(entries)


def _merge_java_options(ours: str | None, theirs: str) -> str:
    mine = shlex.split(ours or "")
    job = [o for o in shlex.split(theirs) if o not in mine]
    return shlex.join(job + mine)


def _application_warnings(app: dict[str, str]) -> list[str]:
    warnings = []
    registered = split_list(app.get(c.SPARK_PLUGINS)) + split_list(app.get(c.SPARK_PLUGINS_DEFAULT_LIST))
    if c.PLUGIN_CLASS not in registered:
        warnings.append(
            f"the application's spark-defaults do not register {c.PLUGIN_CLASS} in {c.SPARK_PLUGINS_DEFAULT_LIST} "
            f"or {c.SPARK_PLUGINS}: this job's "
            "logs will not reach Datadog (render compliant defaults with `emrs-observe defaults render`)"
        )
    spline = c.SPLINE_LISTENER_CLASS in split_list(app.get(c.SPARK_QUERY_LISTENERS))
    if not spline and not ol.ours(app):
        warnings.append(
            f"the application's spark-defaults capture no lineage: neither the Spline listener in "
            f"{c.SPARK_QUERY_LISTENERS} nor OpenLineage with the {c.OPENLINEAGE_TRANSPORT_TYPE!r} transport in "
            f"{c.OPENLINEAGE_TRANSPORT}*: this job's lineage will not be captured"
        )
    return warnings
