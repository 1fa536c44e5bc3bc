"""The Spline agent bundle: Maven coordinates, file names, and recognising them in spark-defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass

from emrs_observe.defaults.contract import SPLINE_GROUP

_ARTIFACT = r"spark-(?P<spark>\d+\.\d+)-spline-agent-bundle_(?P<scala>\d+\.\d+)"
_JAR_NAME = re.compile(rf"^{_ARTIFACT}(?:-(?P<version>\d[A-Za-z0-9.+-]*?))?\.jar$")
_COORDINATES = re.compile(rf"^{re.escape(SPLINE_GROUP)}:{_ARTIFACT}(?::(?P<version>[^:\s]+))?$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+([.-][A-Za-z0-9]+)*$")


@dataclass(frozen=True)
class SplineBundle:
    """`spark-<spark>-spline-agent-bundle_<scala>:<version>`; `version` is None when not written."""

    spark: str  # major.minor, e.g. "3.5"
    scala: str  # binary version, e.g. "2.12"
    version: str | None

    @property
    def artifact_id(self) -> str:
        return f"spark-{self.spark}-spline-agent-bundle_{self.scala}"

    @property
    def coordinates(self) -> str:
        return f"{SPLINE_GROUP}:{self.artifact_id}:{self.version}"

    @property
    def file_name(self) -> str:
        return f"{self.artifact_id}-{self.version}.jar"

    @property
    def maven_path(self) -> str:
        """Path below a Maven repository root, e.g. to copy the jar from Maven Central to S3."""
        return f"{SPLINE_GROUP.replace('.', '/')}/{self.artifact_id}/{self.version}/{self.file_name}"


def is_valid_version(version: str) -> bool:
    return bool(_VERSION.match(version))


def major(version: str | None) -> int | None:
    if not version:
        return None
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def bundle_from_jar(uri: str) -> SplineBundle | None:
    """The bundle named by a jar URI's file name, or None when it is not a Spline bundle."""
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    match = _JAR_NAME.match(name)
    if not match:
        return None
    return SplineBundle(match["spark"], match["scala"], match["version"])


def bundle_from_coordinates(coordinates: str) -> SplineBundle | None:
    match = _COORDINATES.match(coordinates.strip())
    if not match:
        return None
    return SplineBundle(match["spark"], match["scala"], match["version"])
