"""The table of EMR releases (`releases.json`, kept in the package): Spark, Scala and Java per label."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from emrs_observe.defaults.contract import NO_SPLINE_FOR_SPARK_4


class UnsupportedReleaseError(ValueError):
    """A release label that is not in the table, or that the plugin cannot serve; says which are."""


@dataclass(frozen=True)
class Release:
    label: str
    spark: str  # full version, e.g. "3.5.1"
    scala: str  # full version, e.g. "2.12.17"
    java: str
    sources: tuple[str, ...]
    unsupported: str | None = None
    # The transport of AWS's own OpenLineage listener, on releases where EMR registers it
    # (AWS Glue's lineage, emr-spark-8.2.0 on); None where no OpenLineage comes with the release.
    aws_lineage_transport: str | None = None
    aws_lineage_sources: tuple[str, ...] = ()

    @property
    def spark_minor(self) -> str:
        return ".".join(self.spark.split(".")[:2])

    @property
    def scala_binary(self) -> str:
        return ".".join(self.scala.split(".")[:2])

    @property
    def spark_major(self) -> int:
        return int(self.spark.split(".", 1)[0])

    @property
    def java17(self) -> bool:
        return self.java == "17"

    @property
    def no_spline(self) -> str | None:
        """Why Spline cannot capture this release's lineage, or None when a Spline agent exists for it."""
        return NO_SPLINE_FOR_SPARK_4 if self.spark_major >= 4 else None

    @property
    def default_lineage_agent(self) -> str:
        """Spline where it exists (Spark 3), OpenLineage on Spark 4."""
        return "openlineage" if self.no_spline else "spline"

    @property
    def aws_lineage(self) -> bool:
        """EMR puts its own OpenLineage build on the classpath and registers its listener."""
        return self.aws_lineage_transport is not None


def _row(raw: dict[str, Any]) -> Release:
    aws = raw.get("aws_lineage") or {}
    return Release(
        label=str(raw["release_label"]),
        spark=str(raw["spark"]),
        scala=str(raw["scala"]),
        java=str(raw["java"]),
        sources=tuple(str(s) for s in raw["sources"]),
        unsupported=raw.get("unsupported"),
        aws_lineage_transport=str(aws["transport"]) if aws else None,
        aws_lineage_sources=tuple(str(s) for s in aws.get("sources", ())),
    )


@lru_cache(maxsize=1)
def all_releases() -> dict[str, Release]:
    text = resources.files("emrs_observe.defaults").joinpath("releases.json").read_text("utf-8")
    return {row.label: row for row in (_row(r) for r in json.loads(text)["releases"])}


def supported_labels() -> list[str]:
    return [label for label, row in all_releases().items() if row.unsupported is None]


def find(label: str) -> Release | None:
    """The table row for `label`, supported or not; None when the label is not in the table."""
    return all_releases().get(label)


def lookup(label: str) -> Release:
    """The row for a release the renderer can serve, or UnsupportedReleaseError saying why not."""
    row = find(label)
    supported = ", ".join(supported_labels())
    if row is None:
        raise UnsupportedReleaseError(
            f"release label {label!r} is not in emrs-observe's table of EMR releases; "
            f"supported: {supported}. If AWS has published it, add a row to emrs_observe/defaults/releases.json."
        )
    if row.unsupported:
        raise UnsupportedReleaseError(f"release label {label!r} is not supported: {row.unsupported}")
    return row
