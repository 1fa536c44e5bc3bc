"""Dataset naming: what Spline says a job read or wrote → DataHub (platform, name). Pure functions.

The one rule: two different datasets never get one name. So a path keeps its full name, as
DataHub's own Spark agent names it (`bucket/key` on `s3`, `namenode:port/path` on `hdfs`, `/path`
on `file`), percent-escapes and all. Only names Spark itself generates below a dataset are dropped
(part files, `_SUCCESS`, checksums, `_temporary` attempt directories), so a job's output folder and
its files are one dataset while a file a user named (`people.json`, `exports/report.csv`) keeps
its name. Partition folders (`dt=2026-01-01`) are folded into their table only when the user says
so: a path spec (`s3://bucket/{table}/…`, the same form as the DataHub Spark agent's
`path_spec_list`), the `strip_partitions` option, or a warehouse whose tables they belong to.

Catalog tables are `db.table` on `glue` (or `hive`). Spark writes a CTAS or `saveAsTable` twice
(the files into the table's folder, then the table), and Spline reports both: a warehouse
(`warehouses`) maps the folder back to its table so both are one dataset. JDBC sources get
DataHub's platform names and the name forms of DataHub's own SQL sources (`db.schema.table` where
the database has schemas, `db.table` where it does not).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

S3_SCHEMES = ("s3", "s3a", "s3n")
# URI scheme → DataHub platform, as DataHub's Spark agent maps file systems (HdfsPlatform).
_FS_PLATFORMS: Mapping[str, str] = {
    "s3": "s3", "s3a": "s3", "s3n": "s3", "gs": "gcs", "gcs": "gcs", "abfs": "abs", "abfss": "abs",
    "wasb": "abs", "wasbs": "abs", "dbfs": "dbfs", "file": "file", "hdfs": "hdfs", "viewfs": "hdfs",
}
# Schemes named as paths (the rest are databases, queues… named by their own sources).
FILE_SYSTEM_SCHEMES = frozenset(_FS_PLATFORMS)
# File names Spark (or the Hadoop committers and Hive writers it uses) generates inside a dataset's folder.
_GENERATED_FILE = re.compile(
    r"^(part-([mr]-)?\d+([-._].*)?|_SUCCESS|_committed_.*|_started_.*|_common_metadata|_metadata|\..*\.crc|\d{6}_\d+(_copy_\d+)?)$")
# Directories a job writes through before committing: everything from them down is the job's output folder.
_STAGING_DIR = re.compile(r"^(_temporary|\.spark-staging-.*|\.hive-staging.*|_spark_metadata)$")
_PARTITION = re.compile(r"^[^=/]+=[^/]*$")
_JDBC_QUERY = re.compile(r":(\s*\(.*\)\s*[\w$]*\s*)$", re.DOTALL)
_CATALOG_PARAM_KEYS = ("table", "catalogTable", "tableMeta", "tableIdentifier", "tableName", "tableIdent")

# JDBC sub-protocol → DataHub platform (the names of DataHub's SQL sources; `sqlserver` is `mssql`).
_JDBC_PLATFORMS: Mapping[str, str] = {
    "postgresql": "postgres", "postgres": "postgres", "redshift": "redshift", "mysql": "mysql",
    "mariadb": "mariadb", "sqlserver": "mssql", "jtds": "mssql", "oracle": "oracle", "snowflake": "snowflake",
    "db2": "db2", "teradata": "teradata", "clickhouse": "clickhouse", "trino": "trino", "presto": "presto",
    "hive2": "hive", "vertica": "vertica", "sqlite": "sqlite", "derby": "derby", "h2": "h2",
}
# Platforms whose DataHub source names tables `db.schema.table`, with the schema an unqualified name is in.
_DEFAULT_SCHEMA: Mapping[str, str] = {"postgres": "public", "redshift": "public", "mssql": "dbo",
                                      "snowflake": "public", "trino": "default"}
# Platforms whose DataHub source lower-cases names (their catalogs fold unquoted identifiers anyway).
_LOWER_CASE = frozenset({"postgres", "redshift", "snowflake", "oracle"})


class NamingError(ValueError):
    """A path spec, a warehouse or a source URI cannot be turned into a dataset name."""


class DatasetRef(NamedTuple):
    """A tuple, so that hashing a SourceColumn (the engine's map key) stays in C."""

    platform: str
    name: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.name}"


@dataclass(frozen=True, slots=True)
class _Location:
    """A file-system location split into DataHub's parts; path segments stay exactly as written."""

    platform: str
    authority: str
    parts: tuple[str, ...]

    def name(self, parts: Sequence[str] | None = None) -> str:
        path = "/".join(self.parts if parts is None else parts)
        if self.platform == "file":
            return "/" + path  # DataHub's agent keeps the leading slash of local paths
        return "/".join(p for p in (self.authority, path) if p)

    def under(self, prefix: _Location) -> tuple[str, ...] | None:
        """The segments below `prefix`, when this location is inside it."""
        if (self.platform, self.authority) != (prefix.platform, prefix.authority):
            return None
        n = len(prefix.parts)
        return self.parts[n:] if self.parts[:n] == prefix.parts else None


def _parse_location(uri: str) -> _Location | None:
    """None when `uri` is not a file-system path (jdbc:, kafka:…)."""
    scheme, sep, rest = uri.partition(":")
    if not sep or "/" in scheme or len(scheme) == 1:  # a plain path, or a Windows drive letter
        scheme, rest = "file", uri
    scheme = scheme.lower()
    platform = _FS_PLATFORMS.get(scheme)
    if platform is None:
        return None
    authority = ""
    if rest.startswith("//"):
        authority, _, rest = rest[2:].partition("/")
        if platform in ("s3", "gcs", "abs") and not authority:
            raise NamingError(f"{uri!r} has no bucket")
        if any(c in authority for c in "[]{} "):
            raise NamingError(f"{uri!r} has an invalid bucket or host {authority!r}")
    if platform == "file":
        authority = ""  # file://host/path is the local path /path to Spark
    parts = tuple(p for p in rest.split("/") if p and p != ".")
    return _Location(platform, authority, parts)


@dataclass(frozen=True, slots=True)
class PathSpec:
    """`s3://bucket/data/{table}/*`: the folder at `{table}` is the dataset; `*` one segment, `**` any.

    As in DataHub's Spark agent (`path_spec_list`) and S3 source (`PathSpec.include`), what lies below
    the table folder (partitions, files) belongs to the table.
    """

    spec: str
    location: _Location
    table_at: int

    @classmethod
    def parse(cls, spec: str) -> PathSpec:
        location = _parse_location(spec) if "://" in spec else None
        if location is None:
            raise NamingError(f"path spec {spec!r} must be a URI with a scheme, e.g. s3://bucket/{{table}}")
        if "{table}" not in location.parts:
            raise NamingError(f"path spec {spec!r} has no {{table}} segment")
        return cls(spec, location, location.parts.index("{table}"))

    def match(self, location: _Location) -> tuple[str, ...] | None:
        """The table folder's segments when `location` lies in a table this spec names, else None."""
        spec = self.location
        if location.platform != spec.platform or not _glob(spec.authority, location.authority):
            return None
        head = spec.parts[: self.table_at + 1]
        ends = _match_segments(head, location.parts)
        return location.parts[: max(ends)] if ends else None


def _match_segments(spec: Sequence[str], parts: Sequence[str]) -> set[int]:
    """Every length of a prefix of `parts` that `spec` matches; a set over positions keeps `**` linear."""
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
            break
    return reachable


def _glob(pattern: str, value: str) -> bool:
    if "*" not in pattern and "{" not in pattern:
        return pattern == value
    regex = re.escape(pattern).replace(r"\*", "[^/]*")
    regex = re.sub(r"\\\{[a-z_\[\]0-9]+\\\}", "[^/]+", regex)
    return re.fullmatch(regex, value) is not None


@dataclass(frozen=True, slots=True)
class Warehouse:
    """Where a catalog keeps its tables' folders.

    `s3://bucket/warehouse` is Spark's layout (`spark.sql.warehouse.dir`): `<wh>/<db>.db/<table>`,
    and `<wh>/<table>` for the default database. `sales=s3://bucket/sales` is one database's
    location (Glue's `LocationUri`): `<location>/<table>`.
    """

    location: _Location
    database: str | None

    @classmethod
    def parse(cls, spec: str) -> Warehouse:
        database, sep, uri = spec.partition("=")
        if not sep or "/" in database or ":" in database:
            database, uri = "", spec
        location = _parse_location(uri)
        if location is None or not uri:
            raise NamingError(f"warehouse {spec!r} must be a folder URI (s3://bucket/warehouse) or DB=URI")
        return cls(location, database.lower() or None)

    def table(self, location: _Location, default_database: str) -> tuple[str, str, int] | None:
        """(database, table, segments of the table folder) for a folder in this warehouse."""
        below = location.under(self.location)
        if not below:
            return None
        depth = len(self.location.parts)
        if self.database is not None:
            return self.database, below[0], depth + 1
        if below[0].endswith(".db") and len(below) > 1 and not _PARTITION.match(below[1]):
            return below[0][: -len(".db")], below[1], depth + 2
        if below[0].endswith(".db"):
            return None  # the database folder itself is not a table
        return default_database, below[0], depth + 1


_URI_CACHE_SIZE = 100_000


class DatasetNamer:
    def __init__(
        self,
        path_specs: Iterable[str] = (),
        catalog_platform: str = "glue",
        default_database: str = "default",
        warehouses: Iterable[str] = (),
        strip_partitions: bool = False,
    ) -> None:
        if catalog_platform not in ("glue", "hive"):
            raise NamingError(f"catalog platform must be glue or hive, not {catalog_platform!r}")
        self.path_specs = tuple(PathSpec.parse(s) for s in path_specs)
        self.catalog_platform = catalog_platform
        self.default_database = default_database
        self.warehouses = tuple(Warehouse.parse(w) for w in warehouses)
        self.strip_partitions = strip_partitions
        # Jobs read and write the same locations run after run, and naming one parses and matches it
        # against every path spec and warehouse: a fifth of the engine's time on small plans.
        self._by_uri: dict[str, DatasetRef] = {}

    def for_table(self, database: str | None, table: str) -> DatasetRef:
        return DatasetRef(self.catalog_platform, f"{database or self.default_database}.{table}".lower())

    def for_uri(self, uri: str) -> DatasetRef:
        known = self._by_uri.get(uri)
        if known is None:
            known = self._name_uri(uri)
            if len(self._by_uri) >= _URI_CACHE_SIZE:
                self._by_uri.clear()  # a run naming this many locations gains nothing from keeping them
            self._by_uri[uri] = known
        return known

    def _name_uri(self, uri: str) -> DatasetRef:
        if not uri:
            raise NamingError("an empty location cannot name a dataset")
        if uri.lower().startswith("jdbc:"):
            # `<url>:<table>`, or `<url>:(<query>) <alias>` for a read of a query, whose text may hold colons.
            query = _JDBC_QUERY.search(uri)
            url, sep, table = (uri[: query.start()], ":", query.group(1)) if query else uri.rpartition(":")
            if not sep or not url.lower().startswith("jdbc:") or ":" not in url[5:]:
                raise NamingError(f"JDBC source {uri!r} is not `<jdbc url>:<table>` as Spline writes it")
            return jdbc_dataset(url, table)
        location = _parse_location(uri)
        if location is None:
            # kafka:, mongodb:, cassandra:… keep their scheme as the platform and the rest as the name.
            scheme, _, rest = uri.partition(":")
            return DatasetRef(scheme.lower(), rest.lstrip("/"))
        return self._for_location(location)

    def _for_location(self, location: _Location) -> DatasetRef:
        parts = _drop_generated(location.parts)
        location = _Location(location.platform, location.authority, parts)
        for spec in self.path_specs:
            table_parts = spec.match(location)
            if table_parts is not None:
                return DatasetRef(location.platform, location.name(table_parts))
        for warehouse in self.warehouses:
            found = warehouse.table(location, self.default_database)
            # A table's own folder or one of its partitions; anything deeper is not the table.
            if found and all(_PARTITION.match(p) for p in parts[found[2]:]):
                return self.for_table(found[0], found[1])
        if self.strip_partitions:
            end = len(parts)
            while end > 1 and _PARTITION.match(parts[end - 1]):
                end -= 1
            parts = parts[:end]
        return DatasetRef(location.platform, location.name(parts))

    def for_operation(self, params: dict[str, Any], sources: Sequence[str]) -> list[DatasetRef]:
        """A read or write: its catalog table when it has one, else each of its sources."""
        table = find_table_identifier(params)
        if table is not None:
            database, name = table
            if _looks_like_path(name):
                # parquet.`s3://bucket/v1.2/x`: a path queried through the catalog syntax, not a table `x`
                return [self.for_uri(name)]
            return [self.for_table(database, name)]
        url, dbtable = params.get("url"), params.get("dbtable")
        if isinstance(url, str) and isinstance(dbtable, str) and url.lower().startswith("jdbc:"):
            return [jdbc_dataset(url, dbtable)]  # a read's own options: no need to split the source
        return sorted({self.for_uri(s) for s in sources})


def _drop_generated(parts: tuple[str, ...]) -> tuple[str, ...]:
    for i, part in enumerate(parts):
        if _STAGING_DIR.match(part):
            parts = parts[:i]
            break
    if len(parts) > 1 and _GENERATED_FILE.match(parts[-1]):
        parts = parts[:-1]
    return parts


def _looks_like_path(name: str) -> bool:
    return "/" in name or "://" in name


def jdbc_dataset(url: str, table: str) -> DatasetRef:
    """A JDBC table → DataHub's platform and the name DataHub's SQL source for it gives that table."""
    body = url[len("jdbc:"):]
    subprotocol = re.split(r"[:/]", body, maxsplit=1)[0].lower()
    platform = _JDBC_PLATFORMS.get(subprotocol, subprotocol)
    if platform == "postgres" and "redshift.amazonaws.com" in body:
        platform = "redshift"
    if table.lstrip().startswith("("):
        raise NamingError(f"JDBC read of a query, not a table ({_short(table)}) from {url!r}: the tables it "
                          f"reads cannot be named without parsing its SQL")
    names = [_unquote(n) for n in _split_identifier(table)]
    database = _jdbc_database(platform, body)
    if platform in _DEFAULT_SCHEMA:
        if len(names) == 1:
            names = [_DEFAULT_SCHEMA[platform], *names]
        if len(names) == 2:
            if not database:
                raise NamingError(f"JDBC URL {url!r} names no database; {platform} tables are db.schema.table")
            names = [database, *names]
    elif platform == "oracle":
        # DataHub's Oracle source names tables schema.table; an unqualified one is in the login's schema.
        if len(names) == 1:
            raise NamingError(f"Oracle table {table!r} from {url!r} has no schema: name it SCHEMA.TABLE")
    elif len(names) == 1 and database:
        names = [database, *names]
    elif len(names) == 1:
        # No database to qualify it with: keep the connection in the name so two servers never merge.
        names = [_connection(body), *names]
    name = ".".join(names)
    return DatasetRef(platform, name.lower() if platform in _LOWER_CASE else name)


def database_dataset(scheme: str, name: str) -> DatasetRef:
    """A table named by its database's scheme (`postgres`, `sqlserver`) and a name already in the form
    DataHub's source for that database gives it (`db.schema.table`), as OpenLineage names JDBC tables:
    DataHub's platform for the scheme, lower case where that source lower-cases names."""
    platform = _JDBC_PLATFORMS.get(scheme.lower(), scheme.lower())
    return DatasetRef(platform, name.lower() if platform in _LOWER_CASE else name)


def _jdbc_database(platform: str, body: str) -> str | None:
    # SQL Server's `;databaseName=`, Snowflake's `?db=`: a database given as a property wins.
    found = re.search(r"[;?&]\s*(?:databaseName|database|db)\s*=\s*([^;&]+)", body, re.IGNORECASE)
    if found:
        return found.group(1).strip()
    address = body.split("?", 1)[0].split(";", 1)[0]
    if "//" in address:
        path = address.split("//", 1)[1].partition("/")[2]
        return path.strip("/") or None
    return None


def _connection(body: str) -> str:
    return body.split("?", 1)[0].split(";", 1)[0].split("//", 1)[-1].strip("/")


def _split_identifier(text: str) -> list[str]:
    return re.findall(r'"[^"]*"|`[^`]*`|\[[^\]]*\]|[^.]+', text.strip())


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) > 1 and (name[0], name[-1]) in (('"', '"'), ("`", "`"), ("[", "]")):
        return name[1:-1]
    return name


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        # TableIdentifier.toString: `db`.`table`, or spark_catalog.db.table; a quoted part keeps its dots.
        names = [_unquote(n) for n in re.findall(r"`[^`]+`|[^.`]+", value)]
        if len(names) >= 2:
            return names[-2], names[-1]
        if len(names) == 1:
            return None, names[0]
    return None
