"""The compliance rules over one application's spark-defaults. Pure: no I/O, no clock.

Each rule has a stable id (used in allow-lists, PagerDuty dedup keys and the JSON report), a
severity, and messages that say how to fix the problem. A message never repeats a property
value that could be a secret.
"""

from __future__ import annotations

import itertools
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from emrs_observe.compliance.model import Application, Exemption, Finding, Severity
from emrs_observe.compliance.properties import Setting, all_settings, spark_defaults, split_list
from emrs_observe.defaults import contract as c
from emrs_observe.defaults import openlineage as ol
from emrs_observe.defaults.releases import Release, find
from emrs_observe.defaults.spline import SplineBundle, bundle_from_coordinates, bundle_from_jar, major


@dataclass(frozen=True)
class Context:
    application: Application
    props: dict[str, str]  # the spark-defaults as Spark reads them (values trimmed)
    problems: tuple[str, ...]
    release: Release | None
    settings: tuple[Setting, ...] = ()  # every string of the configuration, for the secret check

    @property
    def java17(self) -> bool:
        """The driver runs Java 17: the release's default, or JAVA_HOME set to a Java 17 (EMR 6.11+)."""
        home = self.props.get(c.DRIVER_JAVA_HOME, "")
        return bool(self.release and self.release.java17) or bool(re.search(r"(?<!\d)17(?!\d)", home))

    @property
    def lineage_agents(self) -> frozenset[str]:
        """What the application captures lineage with, so that the other agent's rules do not
        apply: OpenLineage on Spark 4 (Spline has no agent there); on Spark 3 whatever it is wired
        for (Spline's listener, bundle or dispatcher; OpenLineage's listener, jar or our
        transport), both if both, and Spline, the default there, if neither."""
        if self.release and self.release.no_spline:
            return frozenset({"openlineage"})
        agents = set()
        if ol.wired(self.props):
            agents.add("openlineage")
        if (
            c.SPLINE_LISTENER_CLASS in split_list(self.props.get(c.SPARK_QUERY_LISTENERS))
            or self.props.get(c.SPLINE_DISPATCHER, "").strip()
            or _bundles(self.props)
            or not agents
        ):
            agents.add("spline")
        return frozenset(agents)

    @property
    def spline(self) -> bool:
        return "spline" in self.lineage_agents

    @property
    def openlineage(self) -> bool:
        return "openlineage" in self.lineage_agents


Check = Callable[[Context], list[str]]
Exempt = Callable[[Context], "str | None"]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    check: Check  # returns one message per problem found; empty when the rule passes
    exempt: Exempt | None = field(default=None)  # a reason when the rule does not apply, by design


RULES: list[Rule] = []


def rule(rule_id: str, severity: Severity, title: str, exempt: Exempt | None = None) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES.append(Rule(rule_id, severity, title, check, exempt))
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


def plugins(props: dict[str, str]) -> list[str]:
    """The plugins Spark loads: spark.plugins.defaultList, then spark.plugins (Spark's PLUGINS entry)."""
    return split_list(props.get(c.SPARK_PLUGINS_DEFAULT_LIST)) + split_list(props.get(c.SPARK_PLUGINS))


@rule("plugin-registered", Severity.ERROR, "the logger plugin is in spark.plugins.defaultList or spark.plugins")
def _plugin(ctx: Context) -> list[str]:
    if c.PLUGIN_CLASS in plugins(ctx.props):
        return []
    return [
        f"neither {c.SPARK_PLUGINS_DEFAULT_LIST} nor {c.SPARK_PLUGINS} contains {c.PLUGIN_CLASS}: logs will not "
        f"reach Datadog. Fix: add it to {c.SPARK_PLUGINS_DEFAULT_LIST}, which a job's own {c.SPARK_PLUGINS} "
        "does not replace"
    ]


@rule("plugin-jar", Severity.ERROR, "the plugin jar is in spark.jars")
def _plugin_jar(ctx: Context) -> list[str]:
    names = [j.rstrip("/").rsplit("/", 1)[-1] for j in split_list(ctx.props.get(c.SPARK_JARS))]
    if any(c.PLUGIN_JAR_NAME.match(name) for name in names):
        return []
    return [
        f"{c.SPARK_JARS} has no emrs-observe plugin jar (emrs-observe-plugin-<version>.jar): the plugin "
        "class cannot load. Fix: add the jar's s3:// location to spark.jars"
    ]


@rule("metrics-enabled", Severity.ERROR, "the plugin sends Spark's metrics to Datadog")
def _metrics(ctx: Context) -> list[str]:
    if ctx.props.get(c.METRICS_ENABLED, "").strip().lower() in ("true", "yes", "1"):  # as the plugin reads it
        return []
    what = "missing (the plugin's default is off)" if not ctx.props.get(c.METRICS_ENABLED) else "not true"
    return [
        f"{c.METRICS_ENABLED} is {what}: the job's Spark metrics (tasks, stages, shuffle, executors, JVM) "
        f"do not reach Datadog. Fix: set {c.METRICS_ENABLED}=true"
    ]


@rule("spline-listener", Severity.ERROR, "where Spline captures lineage, its listener is registered")
def _listener(ctx: Context) -> list[str]:
    if not ctx.spline or c.SPLINE_LISTENER_CLASS in split_list(ctx.props.get(c.SPARK_QUERY_LISTENERS)):
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


@rule("lineage-dispatcher", Severity.ERROR, "where Spline captures lineage, the emrs S3 dispatcher is configured")
def _dispatcher(ctx: Context) -> list[str]:
    if not ctx.spline:
        return []
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
    if release.no_spline:
        # Nothing of Spline can load here; a Spark 3 / Scala 2.12 bundle or its listener breaks the job.
        found = [f"bundle spark-{b.spark} / Scala {b.scala}" for b in _bundles(ctx.props)]
        if c.SPLINE_LISTENER_CLASS in split_list(ctx.props.get(c.SPARK_QUERY_LISTENERS)):
            found.append(f"Spline's listener in {c.SPARK_QUERY_LISTENERS}")
        if not found:
            return []
        return [
            f"{release.label} runs Spark {release.spark} / Scala {release.scala} but has {', '.join(found)}: "
            f"{release.no_spline}, and these cannot load on it (the listener stops the Spark session). "
            "Fix: remove the Spline jar and listener; lineage is captured with OpenLineage there (render the "
            "defaults again for this release)"
        ]
    if not ctx.spline:
        return []
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


def java_options(props: dict[str, str]) -> list[str]:
    """The driver's Java options as Spark assembles them: defaultJavaOptions, then extraJavaOptions."""
    tokens: list[str] = []
    for key in (c.DRIVER_DEFAULT_JAVA_OPTIONS, c.DRIVER_EXTRA_JAVA_OPTIONS):
        raw = props.get(key, "")
        try:
            tokens += shlex.split(raw)
        except ValueError:  # unbalanced quotes: the launcher would refuse it; read it word by word
            tokens += raw.split()
    return tokens


def _has_option(tokens: list[str], option: str) -> bool:
    flag, _, value = option.partition("=")
    return option in tokens or any(a == flag and b == value for a, b in itertools.pairwise(tokens))


@rule("spline-java17-opens", Severity.ERROR, "on Java 17, the driver opens what Spline needs")
def _java17(ctx: Context) -> list[str]:
    if not ctx.java17 or c.SPLINE_LISTENER_CLASS not in split_list(ctx.props.get(c.SPARK_QUERY_LISTENERS)):
        return []
    if _has_option(java_options(ctx.props), c.SPLINE_JAVA17_OPTION):
        return []
    return [
        f"the driver runs Java 17 with Spline but neither {c.DRIVER_DEFAULT_JAVA_OPTIONS} nor "
        f"{c.DRIVER_EXTRA_JAVA_OPTIONS} has {c.SPLINE_JAVA17_OPTION}: the Spark session cannot start "
        f"(Spline issue #782). Fix: add it to {c.DRIVER_DEFAULT_JAVA_OPTIONS}, which a job's own "
        f"{c.DRIVER_EXTRA_JAVA_OPTIONS} does not replace"
    ]


@rule("openlineage-listener", Severity.ERROR, "where OpenLineage captures lineage, its listener runs")
def _ol_listener(ctx: Context) -> list[str]:
    if not ctx.openlineage:
        return []
    messages = []
    aws = ctx.release is not None and ctx.release.aws_lineage
    if ol.disabled(ctx.props):
        messages.append(
            f"{c.OPENLINEAGE_DISABLED}=true: OpenLineage's listener drops every event, so no lineage is captured"
            + (" (AWS Glue's neither)" if aws else "")
            + f". Fix: remove {c.OPENLINEAGE_DISABLED}"
        )
    if not aws and not ol.listener_registered(ctx.props):
        messages.append(
            f"{c.SPARK_EXTRA_LISTENERS} does not contain {c.OPENLINEAGE_LISTENER_CLASS}: no lineage is captured. "
            f"Fix: add it (Spark has no administrators' list for {c.SPARK_EXTRA_LISTENERS}: a job that sets its "
            "own must keep it)"
        )
    return messages


@rule("openlineage-jar", Severity.ERROR, "where OpenLineage captures lineage, one jar of it, for the release's Scala")
def _ol_jar(ctx: Context) -> list[str]:
    release = ctx.release
    if not ctx.openlineage or release is None or release.unsupported:
        return []
    found = ol.jars(ctx.props)
    if release.aws_lineage:
        if not found:
            return []
        return [
            f"{release.label} puts AWS's own OpenLineage build on the classpath, but {c.SPARK_JARS} or "
            f"{c.SPARK_JARS_PACKAGES} adds another ({', '.join(j.artifact_id for j in found)}): two copies of its "
            "classes on one classpath. Fix: remove it (render the defaults again for this release)"
        ]
    wanted = ol.OpenLineageJar(release.scala_binary, c.DEFAULT_OPENLINEAGE_VERSION)
    fix = (
        f"Fix: put {wanted.artifact_id}-<version>.jar in spark.jars (staged in S3, e.g. {wanted.file_name}) or "
        f"{c.OPENLINEAGE_GROUP}:{wanted.artifact_id}:<version> in spark.jars.packages"
    )
    if not found:
        return [
            f"no OpenLineage Spark jar in spark.jars or spark.jars.packages: its listener cannot load and the "
            f"Spark session does not start. {fix}"
        ]
    distinct = {(j.scala, j.version) for j in found}
    if len(distinct) > 1:
        return [f"{len(distinct)} different OpenLineage Spark jars are configured; keep exactly one. {fix}"]
    if found[0].scala != release.scala_binary:
        return [
            f"the OpenLineage jar is built for Scala {found[0].scala} but {release.label} runs Spark {release.spark} / "
            f"Scala {release.scala}. {fix}"
        ]
    return []


@rule("openlineage-transport", Severity.ERROR, "where OpenLineage captures lineage, it goes to the emrs transport")
def _ol_transport(ctx: Context) -> list[str]:
    if not ctx.openlineage:
        return []
    ours = ol.ours(ctx.props)
    aws = ctx.release is not None and ctx.release.aws_lineage
    if not ours:
        fix = (
            f"Fix: set {c.OPENLINEAGE_TRANSPORT_TYPE_KEY}={c.OPENLINEAGE_COMPOSITE} with AWS Glue's transport and "
            f"ours ({c.openlineage_child(c.OPENLINEAGE_CHILD_EMRS, 'type')}={c.OPENLINEAGE_TRANSPORT_TYPE} and its "
            "location), as `emrs-observe defaults render` writes them"
            if aws
            else f"Fix: set {c.OPENLINEAGE_TRANSPORT_TYPE_KEY}={c.OPENLINEAGE_TRANSPORT_TYPE} and "
            f"{c.OPENLINEAGE_TRANSPORT_LOCATION} (or a composite containing a transport of type "
            f"{c.OPENLINEAGE_TRANSPORT_TYPE!r})"
        )
        return [
            f"{c.OPENLINEAGE_TRANSPORT_TYPE_KEY} is neither {c.OPENLINEAGE_TRANSPORT_TYPE!r} nor a composite "
            f"containing it: OpenLineage's events go elsewhere or nowhere and the lineage bucket never sees them. {fix}"
        ]
    messages = []
    for transport in ours:
        key = (
            c.OPENLINEAGE_TRANSPORT_LOCATION
            if transport.name is None
            else c.openlineage_child(transport.name, "location")
        )
        if not _LINEAGE_LOCATION.match(transport.location):
            what = "missing" if not transport.location else "not an s3://bucket/prefix/ URI"
            messages.append(f"{key} is {what}. Fix: set it to the lineage bucket and prefix")
    return messages


@rule("openlineage-glue-feed", Severity.WARNING, "where EMR sends lineage to AWS Glue, the transport keeps that feed")
def _ol_glue(ctx: Context) -> list[str]:
    release = ctx.release
    if not ctx.openlineage or release is None or not release.aws_lineage or ol.disabled(ctx.props):
        return []
    kept = [t for t in ol.transports(ctx.props) if t.type == release.aws_lineage_transport]
    if not ol.transports(ctx.props):
        return []  # EMR's own transport setting stands (openlineage-transport says ours is missing)
    if not kept:
        return [
            f"on {release.label} EMR sends lineage to AWS Glue through OpenLineage's {release.aws_lineage_transport} "
            f"transport, which {c.OPENLINEAGE_TRANSPORT_TYPE_KEY} replaces here. Fix: a composite transport with both "
            f"({c.openlineage_child(c.OPENLINEAGE_CHILD_GLUE, 'type')}={release.aws_lineage_transport} and its "
            "region beside ours), as `emrs-observe defaults render --aws-region …` writes it"
        ]
    # EMR sets the top-level transport's region itself; a composite child's must be given.
    missing = [t.name for t in kept if t.name and not t.settings.get("region", "").strip()]
    if missing:
        return [
            f"the {release.aws_lineage_transport} transport ({', '.join(missing)}) has no region. Fix: set "
            f"{c.openlineage_child(c.OPENLINEAGE_CHILD_GLUE, 'region')} to the application's region"
        ]
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
    # Our own keys are ours wherever they sit (another classification, a job run's parameters).
    if key not in _NOT_SECRET_KEYS and (_SECRET_KEY.search(key) or (own is not None and own.search(key))):
        return "a value under a secret-looking key (spark.redaction.regex)"
    for kind, pattern in _SECRET_VALUES:
        if pattern.search(value):
            return kind
    if re.search(r"(?i)datadog|\bdd[._-]", key) and _DATADOG_KEY_IN_VALUE.search(value):
        return "a Datadog API key"
    return None


@rule("no-plaintext-secret", Severity.CRITICAL, "no secret in plain configuration, in any classification")
def _secrets(ctx: Context) -> list[str]:
    own = _own_redaction(ctx.props)
    messages = []
    seen: set[tuple[str, str]] = set()
    for s in sorted(ctx.settings, key=lambda s: (s.where != "spark-defaults", s.where, s.key)):
        kind = _secret_kind(s.key, s.value, own)
        if kind and (s.where, s.key) not in seen:
            seen.add((s.where, s.key))
            name = s.key if s.where == "spark-defaults" else f"{s.where}: {s.key}"
            messages.append(
                f"{name} holds {kind}: anyone who can read the application (console, API, Spark UI) sees it. "
                "Fix: remove it and rotate it; the plugin reads the Datadog key from Vault at run time"
            )
    return messages


def application_settings(application: Application) -> tuple[list[Setting], list[str]]:
    return all_settings(
        application.runtime_configuration,
        ("imageConfiguration", application.image_configuration),
        ("monitoringConfiguration", application.monitoring_configuration),
    )


def check(ctx: Context) -> tuple[list[Finding], list[Exemption]]:
    """Every rule over one configuration: findings, and the rules exempt by design."""
    findings: list[Finding] = []
    exemptions: list[Exemption] = []
    for r in RULES:
        reason = r.exempt(ctx) if r.exempt else None
        if reason:
            exemptions.append(Exemption(r.id, reason))
            continue
        findings.extend(Finding(r.id, r.severity, message) for message in r.check(ctx))
    return findings, exemptions


def application_context(application: Application) -> Context:
    props, problems = spark_defaults(application.runtime_configuration)
    settings, more = application_settings(application)
    return Context(application, props, tuple(problems + more), find(application.release_label), tuple(settings))


def evaluate(application: Application) -> list[Finding]:
    """Every finding for one application; [] when it is compliant or not a Spark application."""
    return evaluate_with_exemptions(application)[0]


def evaluate_with_exemptions(application: Application) -> tuple[list[Finding], list[Exemption]]:
    if application.type.upper() != "SPARK":
        return [], []
    ctx = application_context(application)
    release = ctx.release
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
    found, exemptions = check(ctx)
    return findings + found, exemptions
