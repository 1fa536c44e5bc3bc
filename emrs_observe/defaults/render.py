"""The compliant spark-defaults for one EMR release: pure, no I/O.

What it writes is exactly what the scanner's rules accept (both use `contract.py`); the tests run
every supported release through the rules to keep it so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from emrs_observe.defaults import contract as c
from emrs_observe.defaults import openlineage as ol
from emrs_observe.defaults.releases import Release, lookup
from emrs_observe.defaults.spline import SplineBundle, bundle_from_jar, is_valid_version, major


class RenderError(ValueError):
    """An option the renderer cannot turn into a working configuration; names the option."""


@dataclass(frozen=True)
class RenderRequest:
    release_label: str
    plugin_jar: str
    lineage_location: str
    vault_addr: str
    vault_role: str | None = None
    vault_auth_method: str = "aws"
    vault_namespace: str | None = None
    vault_kv_mount: str = "secret"
    vault_secret_path: str = "emrs-observe/datadog"
    vault_secret_field: str = "api_key"
    datadog_site: str = "datadoghq.com"
    tags: tuple[tuple[str, str], ...] = ()
    fail_on_error: bool = False
    # None: the version in --spline-jar's file name, else DEFAULT_SPLINE_VERSION
    spline_version: str | None = None
    spline_jar: str | None = None  # s3://…/<bundle>.jar, or s3://…/ (folder: the file name is added)
    spline_from_maven: bool = False  # spark.jars.packages: needs a route to Maven Central
    extra: dict[str, str] = field(default_factory=dict)
    lineage_agent: str | None = None  # "spline" | "openlineage"; None: the release's default
    # s3://…/openlineage-spark_<scala>-<version>.jar, or s3://…/ (folder: the file name is added)
    openlineage_jar: str | None = None
    openlineage_version: str | None = None  # None: the jar's file name's, else DEFAULT_OPENLINEAGE_VERSION
    aws_region: str | None = None  # the application's region: AWS Glue's transport needs it (emr-spark-8.2.0+)


_S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")
_AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_TAG_PART = re.compile(r"^[A-Za-z0-9_.\-/@]+$")


def lineage_agent(req: RenderRequest, release: Release) -> str:
    """What captures the application's lineage: the requested agent, else the release's default."""
    agent = req.lineage_agent or release.default_lineage_agent
    if agent not in c.LINEAGE_AGENTS:
        raise RenderError(f"--lineage-agent {agent!r} is not one of {', '.join(c.LINEAGE_AGENTS)}")
    if agent == "spline" and release.no_spline:
        raise RenderError(
            f"--lineage-agent spline: {release.label} runs Spark {release.spark} / Scala {release.scala} and "
            f"{release.no_spline}; its lineage is captured with openlineage (the default there)"
        )
    return agent


def spline_version(req: RenderRequest) -> str:
    """--spline-version, else the version the staged jar's file name carries, else the default."""
    if req.spline_version:
        return req.spline_version
    named = bundle_from_jar(req.spline_jar) if req.spline_jar and not req.spline_jar.endswith("/") else None
    return named.version if named and named.version else c.DEFAULT_SPLINE_VERSION


def spline_bundle(release: Release, version: str) -> SplineBundle:
    if not is_valid_version(version):
        raise RenderError(f"--spline-version {version!r} is not a version such as 2.2.0")
    if release.spark_minor == "3.5" and (major(version) or 0) < 2:
        raise RenderError(f"--spline-version {version}: the Spark 3.5 bundle exists only from Spline 2.0")
    return SplineBundle(release.spark_minor, release.scala_binary, version)


def parse_tags(values: list[str] | tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """`team=data` (or `team:data`) pairs; the plugin's format is comma-separated key:value."""
    pairs: list[tuple[str, str]] = []
    for raw in values:
        key, sep, value = raw.replace(":", "=", 1).partition("=")
        if not sep or not _TAG_PART.match(key) or not _TAG_PART.match(value):
            raise RenderError(
                f"--tags {raw!r} is not key=value (letters, digits and _ . - / @ only; no commas or colons)"
            )
        pairs.append((key, value))
    return tuple(pairs)


def _check_request(req: RenderRequest) -> None:
    name = req.plugin_jar.rstrip("/").rsplit("/", 1)[-1]
    if not c.PLUGIN_JAR_NAME.match(name):
        raise RenderError(
            f"--plugin-jar {req.plugin_jar!r}: the file name must look like emrs-observe-plugin-<version>.jar"
        )
    if not _S3_URI.match(req.lineage_location):
        raise RenderError(f"--lineage-location {req.lineage_location!r} is not an s3://bucket/prefix/ URI")
    if not re.match(r"^https?://[^\s/]+", req.vault_addr):
        raise RenderError(f"--vault-addr {req.vault_addr!r} is not an http(s):// URL")
    if req.vault_auth_method not in c.VAULT_AUTH_METHODS:
        raise RenderError(
            f"--vault-auth-method {req.vault_auth_method!r} is not one of {', '.join(c.VAULT_AUTH_METHODS)}"
        )
    if req.vault_auth_method in c.VAULT_ROLE_METHODS and not req.vault_role:
        raise RenderError(f"--vault-role is required with --vault-auth-method {req.vault_auth_method}")
    if req.spline_jar and req.spline_from_maven:
        raise RenderError("give either --spline-jar or --spline-from-maven, not both")


def _spline_jar_uri(req: RenderRequest, bundle: SplineBundle) -> str | None:
    if req.spline_jar is None:
        if req.spline_from_maven:
            return None
        raise RenderError(
            "EMR Serverless applications usually have no route to Maven Central: copy "
            f"{bundle.maven_path} (Maven coordinates {bundle.coordinates}) to S3 and pass "
            "--spline-jar s3://…/" + bundle.file_name + ", or pass --spline-from-maven if the "
            "application's network can reach Maven Central"
        )
    uri = req.spline_jar
    if uri.endswith("/"):
        return uri + bundle.file_name
    name = uri.rsplit("/", 1)[-1]
    if name != bundle.file_name:
        raise RenderError(
            f"--spline-jar {uri!r}: {req.release_label} needs {bundle.file_name} "
            f"(Spark {bundle.spark}, Scala {bundle.scala}); the file name says otherwise"
        )
    return uri


def openlineage_jar(req: RenderRequest, release: Release) -> str:
    """The staged OpenLineage Spark jar for the release's Scala, as spark.jars names it."""
    uri = req.openlineage_jar
    named = ol.jar_from_uri(uri) if uri and not uri.endswith("/") else None
    version = req.openlineage_version or (named.version if named and named.version else c.DEFAULT_OPENLINEAGE_VERSION)
    if not ol.is_valid_version(version):
        raise RenderError(f"--openlineage-version {version!r} is not a version such as {c.DEFAULT_OPENLINEAGE_VERSION}")
    wanted = ol.OpenLineageJar(release.scala_binary, version)
    if uri is None:
        raise RenderError(
            "EMR Serverless applications usually have no route to Maven Central: copy "
            f"{wanted.maven_path} (Maven coordinates {wanted.coordinates}) to S3 and pass "
            f"--openlineage-jar s3://…/{wanted.file_name} (or its folder, ending in /)"
        )
    if uri.endswith("/"):
        return uri + wanted.file_name
    if named is None:
        raise RenderError(
            f"--openlineage-jar {uri!r}: the file name must be OpenLineage's Spark jar, {wanted.file_name}"
        )
    if named.scala != release.scala_binary or (named.version and named.version != version):
        raise RenderError(
            f"--openlineage-jar {uri!r}: {release.label} needs {wanted.file_name} (Scala {release.scala_binary}); "
            "the file name says otherwise"
        )
    return uri


def _render_openlineage(req: RenderRequest, release: Release, props: dict[str, str], location: str) -> str | None:
    """OpenLineage's listener with our transport; returns the jar to add to spark.jars, if any."""
    jar = None
    if release.aws_lineage:
        # EMR brings its own OpenLineage build and registers its listener with AWS Glue's transport:
        # no second jar or listener; a composite keeps Glue's feed and adds ours.
        if not req.aws_region or not _AWS_REGION.match(req.aws_region):
            raise RenderError(
                f"--aws-region is {'required' if not req.aws_region else 'not a region such as eu-west-1'}: "
                f"{release.label} sends lineage to AWS Glue through OpenLineage, and the rendered composite "
                "transport keeps that feed beside ours, which needs the application's region"
            )
        props[c.OPENLINEAGE_TRANSPORT_TYPE_KEY] = c.OPENLINEAGE_COMPOSITE
        props[c.OPENLINEAGE_CONTINUE_ON_FAILURE] = "true"
        props[c.openlineage_child(c.OPENLINEAGE_CHILD_GLUE, "type")] = str(release.aws_lineage_transport)
        props[c.openlineage_child(c.OPENLINEAGE_CHILD_GLUE, "region")] = req.aws_region
        props[c.openlineage_child(c.OPENLINEAGE_CHILD_EMRS, "type")] = c.OPENLINEAGE_TRANSPORT_TYPE
        props[c.openlineage_child(c.OPENLINEAGE_CHILD_EMRS, "location")] = location
    else:
        jar = openlineage_jar(req, release)
        props[c.SPARK_EXTRA_LISTENERS] = _with(props.get(c.SPARK_EXTRA_LISTENERS), c.OPENLINEAGE_LISTENER_CLASS, ",")
        props[c.OPENLINEAGE_TRANSPORT_TYPE_KEY] = c.OPENLINEAGE_TRANSPORT_TYPE
        props[c.OPENLINEAGE_TRANSPORT_LOCATION] = location
    props[c.OPENLINEAGE_COLUMN_LINEAGE] = "true"
    left_out = c.OPENLINEAGE_HEAVY_FACETS + (() if release.aws_lineage else c.OPENLINEAGE_REDUNDANT_FACETS)
    for facet in left_out:
        props[c.openlineage_facet_disabled(facet)] = "true"
    return jar


def _render_spline(req: RenderRequest, release: Release, props: dict[str, str], location: str) -> str | None:
    """Spline's listener with our dispatcher; returns the jar to add to spark.jars, if any."""
    bundle = spline_bundle(release, spline_version(req))
    jar = _spline_jar_uri(req, bundle)
    if jar is None:
        props[c.SPARK_JARS_PACKAGES] = bundle.coordinates
    props[c.SPARK_QUERY_LISTENERS] = c.SPLINE_LISTENER_CLASS
    props[c.SPLINE_DISPATCHER] = c.DISPATCHER_NAME
    props[c.SPLINE_DISPATCHER_CLASS] = c.DISPATCHER_CLASS
    props[c.SPLINE_DISPATCHER_LOCATION] = location
    if release.java17:
        # defaultJavaOptions, not extraJavaOptions: Spark prepends it to a job's own options.
        options = props.get(c.DRIVER_DEFAULT_JAVA_OPTIONS)
        props[c.DRIVER_DEFAULT_JAVA_OPTIONS] = _with(options, c.SPLINE_JAVA17_OPTION, " ")
    return jar


def _with(existing: str | None, item: str, sep: str) -> str:
    """`item` added to a list-valued setting the caller already has (extra), once."""
    parts = [p for p in (existing or "").split(sep) if p.strip()]
    return sep.join(parts if item in (p.strip() for p in parts) else [*parts, item])


def render_notes(req: RenderRequest) -> list[str]:
    """What the rendered configuration leaves out on purpose, and why (printed beside it)."""
    release = lookup(req.release_label)
    agent = lineage_agent(req, release)
    notes = []
    if agent == "openlineage":
        why = (
            f"{release.no_spline}; " if release.no_spline else "--lineage-agent openlineage: "
        )
        notes.append(
            f"{release.label} runs Spark {release.spark} / Scala {release.scala}: {why}lineage is captured by "
            f"OpenLineage's listener with the {c.OPENLINEAGE_TRANSPORT_TYPE!r} transport of the plugin jar"
        )
        if req.spline_jar or req.spline_from_maven:
            notes.append(f"--spline-jar / --spline-from-maven ignored for {release.label} with OpenLineage")
        if release.aws_lineage:
            notes.append(
                f"{release.label} puts AWS's own OpenLineage build on the classpath and registers its listener with "
                f"the {release.aws_lineage_transport} transport (AWS Glue lineage): no OpenLineage jar or listener "
                "is rendered, and a composite transport keeps Glue's feed beside ours. A job run that sets "
                f"{c.OPENLINEAGE_TRANSPORT}* itself stops both"
            )
            if req.openlineage_jar:
                notes.append(f"--openlineage-jar ignored for {release.label}: EMR brings OpenLineage itself")
    else:
        if req.openlineage_jar:
            notes.append(f"--openlineage-jar ignored: {release.label} captures lineage with Spline")
        if release.java17:
            notes.append(
                f"{release.label} runs Java {release.java}: {c.DRIVER_DEFAULT_JAVA_OPTIONS} carries "
                f"{c.SPLINE_JAVA17_OPTION}, without which Spline stops the Spark session from starting"
            )
    return notes


def render_properties(req: RenderRequest) -> dict[str, str]:
    """The spark-defaults classification's properties, sorted by key."""
    release = lookup(req.release_label)
    _check_request(req)
    location = req.lineage_location if req.lineage_location.endswith("/") else req.lineage_location + "/"

    props: dict[str, str] = dict(req.extra)
    # The default list, not spark.plugins: Spark prepends it to a job's own spark.plugins.
    props[c.SPARK_PLUGINS_DEFAULT_LIST] = _with(props.get(c.SPARK_PLUGINS_DEFAULT_LIST), c.PLUGIN_CLASS, ",")
    jars = [req.plugin_jar]
    if lineage_agent(req, release) == "openlineage":
        lineage_jar = _render_openlineage(req, release, props, location)
    else:
        lineage_jar = _render_spline(req, release, props, location)
    if lineage_jar:
        jars.append(lineage_jar)
    props[c.SPARK_JARS] = ",".join(jars)
    props[c.VAULT_ADDR] = req.vault_addr
    props[c.VAULT_AUTH_METHOD] = req.vault_auth_method
    if req.vault_role:
        props[c.VAULT_AUTH_ROLE] = req.vault_role
    if req.vault_namespace:
        props[c.VAULT_NAMESPACE] = req.vault_namespace
    props[c.VAULT_KV_MOUNT] = req.vault_kv_mount
    props[c.VAULT_SECRET_PATH] = req.vault_secret_path
    props[c.VAULT_SECRET_FIELD] = req.vault_secret_field
    props[c.DATADOG_SITE] = req.datadog_site
    if req.tags:
        props[c.TAGS] = ",".join(f"{k}:{v}" for k, v in req.tags)
    props[c.FAIL_ON_ERROR] = "true" if req.fail_on_error else "false"
    props[c.METRICS_ENABLED] = "true"
    for key, value in props.items():  # the EMR Serverless API's limits on a configuration
        if not value.strip() or len(value) > 1024:
            raise RenderError(f"{key} would be {'empty' if not value.strip() else 'over 1024 characters'}")
    return dict(sorted(props.items()))
