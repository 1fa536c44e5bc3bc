"""OpenLineage datasets (namespace, name, symlinks) get the names the Spline path gives the same data.

Namespaces and names are made by OpenLineage's own naming classes (`openlineage.client.naming.dataset`,
the spec's dataset naming), so these are the identifiers a producer following the spec sends; the
corpus test (test_corpus_openlineage.py) checks the same on what the Spark listener really sent.
The catalog symlinks are resolved as DataHub's own OpenLineage converter resolves them
(`OpenLineageToDataHub.convertOpenlineageDatasetToDatasetUrn`).
"""

from __future__ import annotations

import pytest
from openlineage.client.naming import dataset as ol

from emrs_observe.lineage.naming import DatasetNamer, DatasetRef
from emrs_observe.openlineage.events import SymlinkIdentifier
from emrs_observe.openlineage.naming import dataset_ref


def _named(naming: ol.DatasetNaming, namer: DatasetNamer | None = None,
           symlinks: tuple[SymlinkIdentifier, ...] = ()) -> DatasetRef:
    return dataset_ref(namer or DatasetNamer(), naming.get_namespace(), naming.get_name(), symlinks)


@pytest.mark.parametrize("naming, spline_location", [
    (ol.S3(bucket_name="acme-lake", object_key="curated/orders"), "s3://acme-lake/curated/orders"),
    (ol.S3(bucket_name="acme-lake", object_key="/curated/orders"), "s3a://acme-lake/curated/orders"),
    (ol.LocalFileSystem(path="/tmp/emrs-corpus/in/orders"), "file:/tmp/emrs-corpus/in/orders"),
    (ol.RemoteFileSystem(host="worker-1", path="/tmp/t"), "file:/tmp/t"),
    (ol.HDFS(namenode_host="nn1", namenode_port="8020", path="/warehouse/t"), "hdfs://nn1:8020/warehouse/t"),
    (ol.GCS(bucket_name="b", object_key="data/x"), "gs://b/data/x"),
    (ol.ABFSS(container="c", service="acct", path="data/x"), "abfss://c@acct.dfs.core.windows.net/data/x"),
])
def test_a_path_dataset_is_named_as_the_spline_path_names_its_location(naming: ol.DatasetNaming,
                                                                        spline_location: str) -> None:
    assert _named(naming) == DatasetNamer().for_uri(spline_location)


def test_two_clusters_tmp_folders_stay_two_datasets() -> None:
    one = _named(ol.HDFS(namenode_host="nn1", namenode_port="8020", path="/tmp/t"))
    two = _named(ol.HDFS(namenode_host="nn2", namenode_port="8020", path="/tmp/t"))
    assert one == DatasetRef("hdfs", "nn1:8020/tmp/t") and one != two


def test_path_specs_warehouses_and_partitions_apply_to_openlineage_paths_too() -> None:
    partition = ol.S3(bucket_name="lake", object_key="raw/events/dt=2026-01-01")
    assert _named(partition) == DatasetRef("s3", "lake/raw/events/dt=2026-01-01")
    by_spec = DatasetNamer(path_specs=["s3://lake/raw/{table}/*"])
    assert _named(partition, by_spec) == DatasetRef("s3", "lake/raw/events")
    assert _named(partition, DatasetNamer(strip_partitions=True)) == DatasetRef("s3", "lake/raw/events")
    folder = ol.S3(bucket_name="lake", object_key="warehouse/sales.db/orders")
    assert _named(folder, DatasetNamer(warehouses=["s3://lake/warehouse"])) == DatasetRef("glue", "sales.orders")


def _symlink(naming: ol.DatasetNaming, kind: str = "TABLE") -> SymlinkIdentifier:
    return SymlinkIdentifier(naming.get_namespace(), naming.get_name(), kind)


def test_a_glue_table_symlink_names_the_glue_table() -> None:
    glue = ol.AWSGlue(region_name="eu-west-1", account_id="123456789012", database_name="sales", table_name="Orders")
    path = ol.S3(bucket_name="lake", object_key="warehouse/sales.db/orders")
    assert _named(path, symlinks=(_symlink(glue),)) == DatasetRef("glue", "sales.orders")
    # Glue is Glue whatever --catalog-platform says, as in DataHub's converter; before OpenLineage
    # 0.17.1 the namespace was `aws:glue:…`.
    hive_namer = DatasetNamer(catalog_platform="hive")
    assert _named(path, hive_namer, (_symlink(glue),)) == DatasetRef("glue", "sales.orders")
    legacy = SymlinkIdentifier("aws:glue:eu-west-1:123456789012", "table/sales/orders", "TABLE")
    assert _named(path, symlinks=(legacy,)) == DatasetRef("glue", "sales.orders")


def test_another_catalog_symlink_names_the_table_on_the_catalog_platform() -> None:
    """A Hive metastore (or Spark's own catalog: the corpus' `file:/…/warehouse` namespace) is
    `--catalog-platform`, glue by default: what the Spline path calls the same table."""
    hive = ol.Hive(host="metastore", port="9083", database="sales", table="orders")
    path = ol.HDFS(namenode_host="nn1", namenode_port="8020", path="/warehouse/sales.db/orders")
    assert _named(path, symlinks=(_symlink(hive),)) == DatasetNamer().for_table("sales", "orders")
    assert _named(path, DatasetNamer(catalog_platform="hive"), (_symlink(hive),)) == DatasetRef("hive", "sales.orders")
    default_db = SymlinkIdentifier("file:/tmp/warehouse", "orders", "TABLE")
    assert _named(path, symlinks=(default_db,)) == DatasetRef("glue", "default.orders")


def test_the_last_table_symlink_wins_and_other_kinds_are_not_tables() -> None:
    path = ol.S3(bucket_name="lake", object_key="t")
    first = _symlink(ol.Hive(host="h", port="9083", database="a", table="one"))
    last = _symlink(ol.Hive(host="h", port="9083", database="b", table="two"))
    location = _symlink(ol.S3(bucket_name="lake", object_key="elsewhere"), kind="LOCATION")
    assert _named(path, symlinks=(first, last, location)) == DatasetRef("glue", "b.two")
    assert _named(path, symlinks=(location,)) == DatasetRef("s3", "lake/t")


@pytest.mark.parametrize("naming, expected", [
    (ol.Postgres(host="db", port="5432", database="Shop", schema="Public", table="Orders"),
     DatasetRef("postgres", "shop.public.orders")),
    (ol.MySQL(host="db", port="3306", database="Shop", table="Orders"), DatasetRef("mysql", "Shop.Orders")),
    (ol.Redshift(cluster_identifier="c1", region="eu-west-1", port="5439", database="dw", schema="s", table="T"),
     DatasetRef("redshift", "dw.s.t")),
    (ol.AzureSynapse(host="h", port="1433", schema="dbo", table="t"), DatasetRef("mssql", "dbo.t")),
    (ol.Athena(region_name="eu-west-1", catalog="awsdatacatalog", database="db", table="t"),
     DatasetRef("athena", "awsdatacatalog.db.t")),
    (ol.Kafka(bootstrap_server_host="broker", port="9092", topic="orders"), DatasetRef("kafka", "orders")),
])
def test_other_namespaces_are_datahubs_platform_and_the_spec_name(naming: ol.DatasetNaming,
                                                                   expected: DatasetRef) -> None:
    assert _named(naming) == expected


def test_a_bare_namespace_is_the_platform() -> None:
    assert dataset_ref(DatasetNamer(), "BigQuery", "p.d.t") == DatasetRef("bigquery", "p.d.t")
