"""Dataset naming: Spark paths and catalog tables → DataHub (platform, name). Pure functions.

Names match what DataHub's own ingestion creates, so lineage joins up with existing entities:
S3 objects are `bucket/key` on platform `s3` with partition directories (`key=value`) and data
file names stripped, so every partition and file maps to its table; catalog tables are `db.table`
on `glue` (or `hive`). User path specs (`s3://bucket/{table}/*`) override the default S3 rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

S3_SCHEMES = ("s3", "s3a", "s3n")
# Spark writes these into table directories; they are never tables themselves.
_DATA_FILE = re.compile(
    r"(^part-|^_|^\d{6}_\d+(_copy_\d+)?$|\.(parquet|orc|avro|csv|tsv|json|jsonl|txt|gz|bz2|snappy|zst|lz4|deflate|xml|crc)$)",
    re.IGNORECASE,
)
_PARTITION = re.compile(r"^[^=/]+=[^/]*$")
_CATALOG_PARAM_KEYS = ("table", "catalogTable", "tableMeta", "tableIdentifier", "tableName", "tableIdent")


class NamingError(ValueError):
    """A path spec or a source URI cannot be turned into a dataset name."""


@dataclass(frozen=True, order=True, slots=True)
class DatasetRef:
    platform: str
    name: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.name}"


@dataclass(frozen=True, slots=True)
class PathSpec:
    """`s3://bucket/data/{table}/*` style: `{table}` names the table segment, `*` one segment, `**` any."""

    spec: str
    bucket: str
    segments: tuple[str, ...]

    @classmethod
    def parse(cls, spec: str) -> PathSpec:
        parsed = urlparse(spec)
        if parsed.scheme not in S3_SCHEMES or not parsed.netloc:
            raise NamingError(f"path spec {spec!r} must start with s3://bucket/")
        segments = tuple(s for s in parsed.path.split("/") if s)
        if "{table}" not in segments:
            raise NamingError(f"path spec {spec!r} has no {{table}} segment")
        return cls(spec, parsed.netloc, segments)

    def match(self, bucket: str, parts: Sequence[str]) -> str | None:
        """The dataset name (`bucket/…/<table>`) when the object's key matches, else None."""
        if bucket != self.bucket and self.bucket != "*":
            return None
        table_at = self.segments.index("{table}")
        if not _match_segments(self.segments, list(parts)):
            return None
        prefix = [p for p in parts[: table_at + 1]]
        return "/".join([bucket, *prefix])


def _match_segments(spec: Sequence[str], parts: Sequence[str]) -> bool:
    # Dynamic programming over (spec, parts) keeps `**` linear in the path length.
    reachable = {0}
    for segment in spec:
        nxt: set[int] = set()
        for i in reachable:
            if segment == "**":
                nxt.update(range(i, len(parts) + 1))
            elif i < len(parts) and (segment in ("*", "{table}") or _glob(segment, parts[i])):
                nxt.add(i + 1)
        reachable = nxt
        if not reachable:
            return False
    # A spec may name only the table's prefix: what lies below it (partitions, files) is the table.
    return bool(reachable)


def _glob(pattern: str, value: str) -> bool:
    if "*" not in pattern and "{" not in pattern:
        return pattern == value
    regex = re.escape(pattern).replace(r"\*", "[^/]*")
    regex = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", regex)
    return re.fullmatch(regex, value) is not None


class DatasetNamer:
    def __init__(
        self,
        path_specs: Iterable[str] = (),
        catalog_platform: str = "glue",
        default_database: str = "default",
    ) -> None:
        if catalog_platform not in ("glue", "hive"):
            raise NamingError(f"catalog platform must be glue or hive, not {catalog_platform!r}")
        self.path_specs = tuple(PathSpec.parse(s) for s in path_specs)
        self.catalog_platform = catalog_platform
        self.default_database = default_database

    def for_table(self, database: str | None, table: str) -> DatasetRef:
        return DatasetRef(self.catalog_platform, f"{database or self.default_database}.{table}".lower())

    def for_uri(self, uri: str) -> DatasetRef:
        parsed = urlparse(uri)
        scheme = parsed.scheme.lower()
        if scheme in S3_SCHEMES:
            if not parsed.netloc:
                raise NamingError(f"S3 location {uri!r} has no bucket")
            parts = [unquote(p) for p in parsed.path.split("/") if p]
            for spec in self.path_specs:
                name = spec.match(parsed.netloc, parts)
                if name is not None:
                    return DatasetRef("s3", name)
            return DatasetRef("s3", "/".join([parsed.netloc, *_table_parts(parts)]))
        if scheme in ("", "file"):
            parts = [unquote(p) for p in (parsed.path if scheme else uri).split("/") if p]
            return DatasetRef("file", "/".join(_table_parts(parts)))
        if scheme in ("hdfs", "viewfs"):
            parts = [unquote(p) for p in parsed.path.split("/") if p]
            return DatasetRef("hdfs", "/".join(_table_parts(parts)))
        # jdbc:, kafka: and other sources keep their scheme as the platform.
        return DatasetRef(scheme, uri.split(":", 1)[1].lstrip("/"))

    def for_operation(self, params: dict[str, Any], sources: Sequence[str]) -> list[DatasetRef]:
        """A read or write: its catalog table when it has one, else each of its paths."""
        table = find_table_identifier(params)
        if table is not None:
            return [self.for_table(*table)]
        return sorted({self.for_uri(s) for s in sources})


def _table_parts(parts: list[str]) -> list[str]:
    end = len(parts)
    if end and _DATA_FILE.search(parts[end - 1]):
        end -= 1
    while end and _PARTITION.match(parts[end - 1]):
        end -= 1
    return parts[:end] if end else parts[:1]


def find_table_identifier(params: dict[str, Any]) -> tuple[str | None, str] | None:
    """(database, table) of a catalog table in a Spline read/write operation's parameters."""
    for key in _CATALOG_PARAM_KEYS:
        found = _identifier(params.get(key))
        if found:
            return found
    return None


def _identifier(value: Any) -> tuple[str | None, str] | None:
    if isinstance(value, dict):
        ident = value.get("identifier", value)
        if isinstance(ident, dict) and isinstance(ident.get("table"), str):
            database = ident.get("database")
            return (database if isinstance(database, str) else None, ident["table"])
        if isinstance(ident, str):
            return _identifier(ident)
    if isinstance(value, str) and value:
        # TableIdentifier.toString: `db`.`table`, or spark_catalog.db.table
        names = [n.strip("`") for n in re.findall(r"`[^`]+`|[^.`]+", value)]
        if len(names) >= 2:
            return names[-2], names[-1]
        if len(names) == 1:
            return None, names[0]
    return None
