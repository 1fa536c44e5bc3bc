"""The compliance rules over one application's spark-defaults. Pure: no I/O, no clock.

Each rule has a stable id (used in allow-lists, PagerDuty dedup keys and the JSON report), a
severity, and messages that say how to fix the problem. A message never repeats a property
value that could be a secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from emrs_observe.compliance.model import Application, Finding, Severity
from emrs_observe.compliance.properties import spark_defaults, split_list
from emrs_observe.defaults import contract as c
from emrs_observe.defaults.releases import Release, find
from emrs_observe.defaults.spline import SplineBundle, bundle_from_coordinates, bundle_from_jar, major


@dataclass(frozen=True)
class Context:
    application: Application
    props: dict[str, str]
    problems: tuple[str, ...]
    release: Release | None


Check = Callable[[Context], list[str]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    check: Check  # returns one message per problem found; empty when the rule passes


RULES: list[Rule] = []


def rule(rule_id: str, severity: Severity, title: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES.append(Rule(rule_id, severity, title, check))
        return check

    return register


def rule_ids() -> list[str]:
    return [r.id for r in RULES] + [RELEASE_UNSUPPORTED]


RELEASE_UNSUPPORTED = "release-supported"


@rule("properties-unparseable", Severity.ERROR, "runtimeConfiguration can be read")
def _unparseable(ctx: Context) -> list[str]:
    if not ctx.problems:
        return []
    shown = "; ".join(ctx.problems[:3]) + (f"; and {len(ctx.problems) - 3} more" if len(ctx.problems) > 3 else "")
    return [
        f"the spark-defaults cannot be read as Spark would: {shown}. Fix: give runtimeConfiguration as a "
        "list of {classification, properties} objects whose properties are string keys and string values "
        "(render them with `emrs-observe defaults render`)"
    ]


@rule("plugin-registered", Severity.ERROR, "the logger plugin is in spark.plugins")
def _plugin(ctx: Context) -> list[str]:
    if c.PLUGIN_CLASS in split_list(ctx.props.get(c.SPARK_PLUGINS)):
        return []
    return [f"{c.SPARK_PLUGINS} does not contain {c.PLUGIN_CLASS}: logs will not reach Datadog. Fix: add it"]


@rule("plugin-jar", Severity.ERROR, "the plugin jar is in spark.jars")
def _plugin_jar(ctx: Context) -> list[str]:
    names = [j.rstrip("/").rsplit("/", 1)[-1] for j in split_list(ctx.props.get(c.SPARK_JARS))]
    if any(c.PLUGIN_JAR_NAME.match(name) for name in names):
        return []
    return [
        f"{c.SPARK_JARS} has no emrs-observe plugin jar (emrs-observe-plugin-<version>.jar): the plugin "
        "class cannot load. Fix: add the jar's s3:// location to spark.jars"
    ]


@rule("spline-listener", Severity.ERROR, "the Spline listener is registered")
def _listener(ctx: Context) -> list[str]:
    if c.SPLINE_LISTENER_CLASS in split_list(ctx.props.get(c.SPARK_QUERY_LISTENERS)):
        return []
    return [
        f"{c.SPARK_QUERY_LISTENERS} does not contain {c.SPLINE_LISTENER_CLASS}: no lineage is captured. Fix: add it"
    ]


_LINEAGE_LOCATION = re.compile(r"^s3a?://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/\S*)?$")


def _dispatchers(props: dict[str, str]) -> list[str]:
    name = props.get(c.SPLINE_DISPATCHER, "").strip()
    if name == "composite":
        return split_list(props.get("spark.spline.lineageDispatcher.composite.dispatchers"))
    return [name] if name else []


@rule("lineage-dispatcher", Severity.ERROR, "the emrs S3 lineage dispatcher is configured")
def _dispatcher(ctx: Context) -> list[str]:
    messages = []
    if c.DISPATCHER_NAME not in _dispatchers(ctx.props):
        messages.append(
            f"{c.SPLINE_DISPATCHER} is not {c.DISPATCHER_NAME!r} (nor a composite including it): lineage "
            f"goes elsewhere or nowhere. Fix: set {c.SPLINE_DISPATCHER}={c.DISPATCHER_NAME}"
        )
    if ctx.props.get(c.SPLINE_DISPATCHER_CLASS) != c.DISPATCHER_CLASS:
        messages.append(f"{c.SPLINE_DISPATCHER_CLASS} is not {c.DISPATCHER_CLASS}. Fix: set it")
    location = ctx.props.get(c.SPLINE_DISPATCHER_LOCATION, "")
    if not _LINEAGE_LOCATION.match(location):
        what = "missing" if not location else "not an s3://bucket/prefix/ URI"
        messages.append(f"{c.SPLINE_DISPATCHER_LOCATION} is {what}. Fix: set it to the lineage bucket and prefix")
    return messages


def _bundles(props: dict[str, str]) -> list[SplineBundle]:
    found = [b for b in (bundle_from_jar(j) for j in split_list(props.get(c.SPARK_JARS))) if b]
    found += [b for b in (bundle_from_coordinates(p) for p in split_list(props.get(c.SPARK_JARS_PACKAGES))) if b]
    return found


@rule("spline-bundle", Severity.ERROR, "the Spline agent bundle matches the release's Spark and Scala")
def _bundle(ctx: Context) -> list[str]:
    release = ctx.release
    if release is None or release.unsupported:
        return []  # release-supported says why it cannot be checked
    wanted = f"spark-{release.spark_minor}-spline-agent-bundle_{release.scala_binary}"
    fix = (
        f"Fix: put {wanted}-<version>.jar in spark.jars (staged in S3) or "
        f"{c.SPLINE_GROUP}:{wanted}:<version> in spark.jars.packages"
    )
    bundles = _bundles(ctx.props)
    if not bundles:
        return [f"no Spline agent bundle in spark.jars or spark.jars.packages: the listener cannot load. {fix}"]
    distinct = {(b.spark, b.scala, b.version) for b in bundles}
    if len(distinct) > 1:
        return [f"{len(distinct)} different Spline agent bundles are configured; keep exactly one. {fix}"]
    bundle = bundles[0]
    if (bundle.spark, bundle.scala) != (release.spark_minor, release.scala_binary):
        return [
            f"the Spline bundle is for Spark {bundle.spark} / Scala {bundle.scala} but {release.label} runs "
            f"Spark {release.spark} / Scala {release.scala}. {fix}"
        ]
    if release.spark_minor == "3.5" and bundle.version and (major(bundle.version) or 0) < 2:
        return [f"Spline {bundle.version} has no Spark 3.5 bundle; use Spline 2.x. {fix}"]
    return []


@rule("vault-settings", Severity.ERROR, "the plugin's Vault settings are present")
def _vault(ctx: Context) -> list[str]:
    p = ctx.props
    messages = []
    addr = p.get(c.VAULT_ADDR, "")
    if not re.match(r"^https?://[^\s/]+", addr):
        messages.append(f"{c.VAULT_ADDR} is {'missing' if not addr else 'not an http(s):// URL'}. Fix: set it")
    method = p.get(c.VAULT_AUTH_METHOD, "").strip() or c.DEFAULT_VAULT_AUTH_METHOD  # the plugin's default
    if method not in c.VAULT_AUTH_METHODS:
        # The value is not repeated: whatever was typed there might be a secret.
        messages.append(f"{c.VAULT_AUTH_METHOD} is not one of {', '.join(c.VAULT_AUTH_METHODS)}. Fix: set it")
    if method in c.VAULT_ROLE_METHODS and not p.get(c.VAULT_AUTH_ROLE, "").strip():
        messages.append(f"{c.VAULT_AUTH_ROLE} is missing; {method} login needs a role. Fix: set it")
    if not p.get(c.VAULT_SECRET_PATH, "").strip():
        messages.append(f"{c.VAULT_SECRET_PATH} is missing: the plugin cannot find the Datadog key. Fix: set it")
    return messages


@rule("vault-tls", Severity.WARNING, "Vault is reached over TLS")
def _vault_tls(ctx: Context) -> list[str]:
    addr = ctx.props.get(c.VAULT_ADDR, "")
    match = re.match(r"^http://([^/:]+)", addr)
    if match and match.group(1) not in ("localhost", "127.0.0.1"):
        return [f"{c.VAULT_ADDR} uses plain http: the Vault token crosses the network unencrypted. Fix: use https"]
    return []


# Spark 3.x's default spark.redaction.regex, plus key names Spark misses (DD_API_KEY and friends).
_SECRET_KEY = re.compile(c.SPARK_DEFAULT_REDACTION_REGEX + r"|(?i:api[._-]?key|private[._-]?key)")
# Our keys that name *where* a secret lives, not the secret itself: their names match Spark's
# redaction regex, so only their values are checked.
_NOT_SECRET_KEYS = frozenset(
    {c.VAULT_SECRET_PATH, c.VAULT_SECRET_FIELD, c.VAULT_AUTH_METHOD, c.VAULT_TOKEN_FILE, c.VAULT_SECRET_ID_FILE}
)
_SECRET_VALUES: list[tuple[str, re.Pattern[str]]] = [
    ("a Vault token", re.compile(r"\bhv[sbr]\.[A-Za-z0-9_-]{20,}|\bs\.[A-Za-z0-9]{24}\b")),
    ("a Datadog API key", re.compile(r"^[0-9a-f]{32}$")),
    ("a password in a URL", re.compile(r"(?i)[?&;](password|pwd)=[^&;\s]+|://[^/\s:@]+:[^/\s@]+@")),
]
_DATADOG_KEY_IN_VALUE = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


def _own_redaction(props: dict[str, str]) -> re.Pattern[str] | None:
    raw = props.get(c.SPARK_REDACTION_REGEX)
    if not raw:
        return None
    try:
        return re.compile(raw)
    except re.error:
        return None  # a Java-only construct; Spark's default still applies


def _secret_kind(key: str, value: str, own: re.Pattern[str] | None) -> str | None:
    if not value.strip():
        return None
    if key not in _NOT_SECRET_KEYS and (_SECRET_KEY.search(key) or (own is not None and own.search(key))):
        return "a value under a secret-looking key (spark.redaction.regex)"
    for kind, pattern in _SECRET_VALUES:
        if pattern.search(value):
            return kind
    if re.search(r"(?i)datadog|\bdd[._-]", key) and _DATADOG_KEY_IN_VALUE.search(value):
        return "a Datadog API key"
    return None


@rule("no-plaintext-secret", Severity.CRITICAL, "no secret in plain configuration")
def _secrets(ctx: Context) -> list[str]:
    own = _own_redaction(ctx.props)
    messages = []
    for key in sorted(ctx.props):
        kind = _secret_kind(key, ctx.props[key], own)
        if kind:
            messages.append(
                f"{key} holds {kind}: anyone who can read the application (console, API, Spark UI) sees it. "
                "Fix: remove it and rotate it; the plugin reads the Datadog key from Vault at run time"
            )
    return messages


def evaluate(application: Application) -> list[Finding]:
    """Every finding for one application; [] when it is compliant or not a Spark application."""
    if application.type.upper() != "SPARK":
        return []
    props, problems = spark_defaults(application.runtime_configuration)
    release = find(application.release_label)
    ctx = Context(application, props, tuple(problems), release)
    findings: list[Finding] = []
    if release is None:
        findings.append(
            Finding(
                RELEASE_UNSUPPORTED,
                Severity.WARNING,
                f"release {application.release_label!r} is not in emrs-observe's release table, so the Spline "
                "bundle cannot be checked. Fix: upgrade emrs-observe (or add the release to its table)",
            )
        )
    elif release.unsupported:
        findings.append(
            Finding(
                RELEASE_UNSUPPORTED,
                Severity.ERROR,
                f"release {release.label} cannot run the emrs-observe plugin: {release.unsupported}. "
                "Fix: upgrade the application to a supported release",
            )
        )
    for r in RULES:
        findings.extend(Finding(r.id, r.severity, message) for message in r.check(ctx))
    return findings
