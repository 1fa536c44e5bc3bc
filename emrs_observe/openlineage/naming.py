"""An OpenLineage dataset (namespace, name, symlinks) → the DataHub dataset the Spline path names.

OpenLineage names a path dataset by its file system and path (`s3://bucket` + `data/orders`,
`hdfs://nn:8020` + `/tmp/t`, `file` + `/tmp/t`): put together, that is the location Spline reports,
and the same `DatasetNamer` names it, path specs, warehouses and all, so a Spark 4 job and a Spark 3
job writing one table name one dataset. A catalog table is a path dataset with a `symlinks` facet
naming the table; it is resolved as DataHub's own OpenLineage converter resolves it
(`OpenLineageToDataHub.convertOpenlineageDatasetToDatasetUrn`): the last identifier of type `TABLE`
wins; a Glue namespace (`arn:aws:glue:…`, before OpenLineage 0.17.1 `aws:glue:…`) is the `glue`
platform, any other the catalog platform (DataHub's `hive_platform_alias`; ours is
`--catalog-platform`, glue by default); a Glue name `table/<db>/<table>` is `<db>.<table>`. Other
namespaces with a scheme (`postgres://host:5432`, `mysql://…`) are databases: DataHub's platform for
the scheme, and the name as OpenLineage gives it (already `db.schema.table`); a bare namespace other
than a file system is the platform itself, as in DataHub's converter.
"""

from __future__ import annotations

from collections.abc import Sequence

from emrs_observe.lineage.naming import (
    FILE_SYSTEM_SCHEMES,
    DatasetNamer,
    DatasetRef,
    database_dataset,
    find_table_identifier,
)
from emrs_observe.openlineage.events import SymlinkIdentifier

_GLUE_NAMESPACES = ("arn:aws:glue:", "aws:glue:")
# Schemes OpenLineage names differently from JDBC, as DataHub's converter maps them (PLATFORM_MAP).
_SCHEMES = {"awsathena": "athena"}
_GLUE_TABLE_PREFIX = "table/"


def dataset_ref(namer: DatasetNamer, namespace: str, name: str,
                symlinks: Sequence[SymlinkIdentifier] = ()) -> DatasetRef:
    table = table_symlink(symlinks)
    if table is not None:
        return _table(namer, table)
    return location_ref(namer, namespace, name)


def table_symlink(symlinks: Sequence[SymlinkIdentifier]) -> SymlinkIdentifier | None:
    """The identifier naming the catalog table: the last of type TABLE, as DataHub's converter takes it."""
    found = None
    for symlink in symlinks:
        if symlink.type == "TABLE":
            found = symlink
    return found


def _table(namer: DatasetNamer, symlink: SymlinkIdentifier) -> DatasetRef:
    name = symlink.name
    if name.startswith(_GLUE_TABLE_PREFIX):
        name = name[len(_GLUE_TABLE_PREFIX):].replace("/", ".")
    identifier = find_table_identifier({"table": name})
    database, table = identifier if identifier is not None else (None, name)
    if symlink.namespace.startswith(_GLUE_NAMESPACES):
        return DatasetRef("glue", f"{database or namer.default_database}.{table}".lower())
    return namer.for_table(database, table)


def location(namespace: str, name: str) -> str | None:
    """The location URI a path dataset stands for, as Spline would report it; None for other datasets."""
    scheme, sep, _ = namespace.partition("://")
    if sep:
        if scheme.lower() not in FILE_SYSTEM_SCHEMES:
            return None
        # As DataHub's converter joins them: one slash between namespace and name.
        return namespace + name if namespace.endswith("/") or name.startswith("/") else f"{namespace}/{name}"
    if namespace.lower() in FILE_SYSTEM_SCHEMES:
        return f"{namespace}:{name}"  # `file` + `/tmp/t`: Spline's `file:/tmp/t`
    return None


def location_ref(namer: DatasetNamer, namespace: str, name: str) -> DatasetRef:
    uri = location(namespace, name)
    if uri is not None:
        return namer.for_uri(uri)
    scheme, sep, _ = namespace.partition("://")
    if sep:
        return database_dataset(_SCHEMES.get(scheme.lower(), scheme), name)
    return DatasetRef(namespace.lower(), name)
