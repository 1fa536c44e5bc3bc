"""OpenLineage's Spark integration: its jar's names, and reading its settings out of spark-defaults.

Pure. The renderer writes these settings and the scanner reads them back with the same functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emrs_observe.compliance.properties import split_list
from emrs_observe.defaults import contract as c

_ARTIFACT = r"openlineage-spark_(?P<scala>\d+\.\d+)"
_JAR_NAME = re.compile(rf"^{_ARTIFACT}(?:-(?P<version>\d[A-Za-z0-9.+-]*?))?\.jar$")
_COORDINATES = re.compile(rf"^{re.escape(c.OPENLINEAGE_GROUP)}:{_ARTIFACT}(?::(?P<version>[^:\s]+))?$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+([.-][A-Za-z0-9]+)*$")


@dataclass(frozen=True)
class OpenLineageJar:
    """`io.openlineage:openlineage-spark_<scala>:<version>`; `version` is None when not written."""

    scala: str  # binary version, e.g. "2.13"
    version: str | None

    @property
    def artifact_id(self) -> str:
        return f"openlineage-spark_{self.scala}"

    @property
    def coordinates(self) -> str:
        return f"{c.OPENLINEAGE_GROUP}:{self.artifact_id}:{self.version}"

    @property
    def file_name(self) -> str:
        return f"{self.artifact_id}-{self.version}.jar"

    @property
    def maven_path(self) -> str:
        return f"{c.OPENLINEAGE_GROUP.replace('.', '/')}/{self.artifact_id}/{self.version}/{self.file_name}"


def is_valid_version(version: str) -> bool:
    return bool(_VERSION.match(version))


def jar_from_uri(uri: str) -> OpenLineageJar | None:
    """The OpenLineage Spark jar a jar URI's file name names, or None."""
    match = _JAR_NAME.match(uri.rstrip("/").rsplit("/", 1)[-1])
    return OpenLineageJar(match["scala"], match["version"]) if match else None


def jar_from_coordinates(coordinates: str) -> OpenLineageJar | None:
    match = _COORDINATES.match(coordinates.strip())
    return OpenLineageJar(match["scala"], match["version"]) if match else None


def jars(props: dict[str, str]) -> list[OpenLineageJar]:
    """Every OpenLineage Spark jar in spark.jars and spark.jars.packages."""
    found = [j for j in (jar_from_uri(u) for u in split_list(props.get(c.SPARK_JARS))) if j]
    found += [j for j in (jar_from_coordinates(p) for p in split_list(props.get(c.SPARK_JARS_PACKAGES))) if j]
    return found


def listener_registered(props: dict[str, str]) -> bool:
    return c.OPENLINEAGE_LISTENER_CLASS in split_list(props.get(c.SPARK_EXTRA_LISTENERS))


def disabled(props: dict[str, str]) -> bool:
    """spark.openlineage.disabled=true: the listener stays registered and drops every event."""
    return props.get(c.OPENLINEAGE_DISABLED, "").strip().lower() == "true"


@dataclass(frozen=True)
class Transport:
    """One transport as OpenLineage would build it from spark-defaults: the top one, or a child of
    a composite (`name` is the child's name)."""

    name: str | None
    type: str
    settings: dict[str, str]

    @property
    def location(self) -> str:
        return self.settings.get("location", "").strip()


def transports(props: dict[str, str]) -> list[Transport]:
    """The configured transport, or for a composite every child, as OpenLineage reads them
    (types compared case-insensitively, as its TransportResolver does)."""
    kind = props.get(c.OPENLINEAGE_TRANSPORT_TYPE_KEY, "").strip()
    if not kind:
        return []
    if kind.lower() != c.OPENLINEAGE_COMPOSITE:
        settings = {
            k[len(c.OPENLINEAGE_TRANSPORT) :]: v
            for k, v in props.items()
            if k.startswith(c.OPENLINEAGE_TRANSPORT) and "." not in k[len(c.OPENLINEAGE_TRANSPORT) :]
        }
        return [Transport(None, kind.lower(), settings)]
    children: dict[str, dict[str, str]] = {}
    for key, value in props.items():
        if key.startswith(c.OPENLINEAGE_CHILDREN):
            name, dot, field = key[len(c.OPENLINEAGE_CHILDREN) :].partition(".")
            if dot and name and field and "." not in field:
                children.setdefault(name, {})[field] = value
    return [
        Transport(name, settings.get("type", "").strip().lower(), settings)
        for name, settings in sorted(children.items())
    ]


def ours(props: dict[str, str]) -> list[Transport]:
    """Our transport(s) among the configured ones."""
    return [t for t in transports(props) if t.type == c.OPENLINEAGE_TRANSPORT_TYPE]


def wired(props: dict[str, str]) -> bool:
    """The application captures lineage through OpenLineage: its listener, its jar or our transport."""
    return listener_registered(props) or bool(jars(props)) or bool(ours(props))
