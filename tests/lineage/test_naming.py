"""Spark paths and catalog tables → the dataset names DataHub's own ingestion uses."""

from __future__ import annotations

import pytest

from emrs_observe.lineage.naming import DatasetNamer, DatasetRef, NamingError, find_table_identifier

namer = DatasetNamer()


@pytest.mark.parametrize("uri, expected", [
    ("s3://bucket/warehouse/orders", DatasetRef("s3", "bucket/warehouse/orders")),
    ("s3a://bucket/warehouse/orders/", DatasetRef("s3", "bucket/warehouse/orders")),
    ("s3n://bucket/warehouse/orders/dt=2026-01-01/hour=03", DatasetRef("s3", "bucket/warehouse/orders")),
    ("s3://bucket/warehouse/orders/dt=2026-01-01/part-00000-abc.snappy.parquet",
     DatasetRef("s3", "bucket/warehouse/orders")),
    ("s3://bucket/raw/customers/customers.csv", DatasetRef("s3", "bucket/raw/customers")),
    ("s3://bucket/raw/events/country=N%C3%B8rge/data.json.gz", DatasetRef("s3", "bucket/raw/events")),
    ("file:/tmp/spark/out/orders", DatasetRef("file", "tmp/spark/out/orders")),
    ("file:///tmp/spark/in/customers.csv", DatasetRef("file", "tmp/spark/in")),
    ("/tmp/plain/path/dt=1", DatasetRef("file", "tmp/plain/path")),
    ("hdfs://namenode:8020/user/hive/warehouse/t/p=1/000000_0", DatasetRef("hdfs", "user/hive/warehouse/t")),
    ("hdfs://namenode:8020/user/hive/warehouse/t/p=1", DatasetRef("hdfs", "user/hive/warehouse/t")),
    ("jdbc:postgresql://db:5432/sales", DatasetRef("jdbc", "postgresql://db:5432/sales")),
])
def test_paths_map_to_their_table(uri: str, expected: DatasetRef) -> None:
    assert namer.for_uri(uri) == expected


def test_path_specs_override_the_default_rule() -> None:
    specs = DatasetNamer(["s3://bucket/landing/{table}/*/*.json", "s3://bucket/by-team/*/{table}"])
    assert specs.for_uri("s3://bucket/landing/clicks/2026/part.json") == DatasetRef("s3", "bucket/landing/clicks")
    assert specs.for_uri("s3://bucket/by-team/ads/impressions/v3/x.parquet") == DatasetRef(
        "s3", "bucket/by-team/ads/impressions")
    # no spec matches: the default rule
    assert specs.for_uri("s3://other/landing/clicks/x.json") == DatasetRef("s3", "other/landing/clicks")


@pytest.mark.parametrize("spec, message", [
    ("gs://bucket/{table}", "must start with s3://bucket/"),
    ("s3://bucket/data/*", "has no {table} segment"),
])
def test_bad_path_specs_are_refused_by_name(spec: str, message: str) -> None:
    with pytest.raises(NamingError, match=message):
        DatasetNamer([spec])


def test_catalog_tables_are_glue_or_hive_db_dot_table() -> None:
    params = {"table": {"identifier": {"table": "Orders", "database": "Sales"}}}
    assert namer.for_operation(params, ["s3://wh/sales.db/orders"]) == [DatasetRef("glue", "sales.orders")]
    assert DatasetNamer(catalog_platform="hive").for_operation(params, []) == [DatasetRef("hive", "sales.orders")]
    assert namer.for_table(None, "t") == DatasetRef("glue", "default.t")
    with pytest.raises(NamingError):
        DatasetNamer(catalog_platform="iceberg")


@pytest.mark.parametrize("params, expected", [
    ({"catalogTable": {"identifier": {"table": "t", "database": "d"}}}, ("d", "t")),
    ({"table": "`d`.`t`"}, ("d", "t")),
    ({"tableName": "spark_catalog.d.t"}, ("d", "t")),
    ({"tableIdent": "t"}, (None, "t")),
    ({"path": "s3://x"}, None),
])
def test_table_identifiers_in_every_shape(params: dict, expected: object) -> None:  # type: ignore[type-arg]
    assert find_table_identifier(params) == expected
