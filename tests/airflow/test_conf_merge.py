"""Merging a job's spark_conf with the application's spark-defaults (pure)."""

from __future__ import annotations

import pytest

from emrs_observe.airflow.conf_merge import merge
from emrs_observe.defaults import contract as c
from tests.compliance.conftest import compliant_props

APP = compliant_props()
SPARK4 = compliant_props("emr-spark-8.0.0")


def test_list_keys_keep_the_application_entries_first_and_add_the_job_ones_once() -> None:
    job = {
        c.SPARK_JARS: "s3://team/deps.jar," + APP[c.SPARK_JARS].split(",")[0],
        c.SPARK_PLUGINS: "com.team.MetricsPlugin",
        c.SPARK_QUERY_LISTENERS: "com.team.Listener",
    }
    merged = merge(APP, job)
    assert merged.overrides == {}
    assert merged.conf[c.SPARK_JARS] == APP[c.SPARK_JARS] + ",s3://team/deps.jar"
    # The application registers our plugin in spark.plugins.defaultList, which Spark prepends to a
    # job's own spark.plugins: the job's plugins need no merging, ours is not touched.
    assert c.PLUGIN_CLASS in APP[c.SPARK_PLUGINS_DEFAULT_LIST].split(",")
    assert merged.conf[c.SPARK_PLUGINS] == "com.team.MetricsPlugin"
    assert c.SPARK_PLUGINS_DEFAULT_LIST not in merged.conf
    assert merged.conf[c.SPARK_QUERY_LISTENERS].split(",") == [c.SPLINE_LISTENER_CLASS, "com.team.Listener"]


def test_a_job_that_sets_the_default_list_keeps_ours_first() -> None:
    merged = merge(APP, {c.SPARK_PLUGINS_DEFAULT_LIST: "com.team.Other"})
    assert merged.conf[c.SPARK_PLUGINS_DEFAULT_LIST].split(",") == [c.PLUGIN_CLASS, "com.team.Other"]


def test_java_options_put_ours_last_so_the_jvm_keeps_them() -> None:
    app = {"spark.driver.extraJavaOptions": "-Dlog4j2.configurationFile=ours.xml -XX:+UseG1GC"}
    merged = merge(app, {"spark.driver.extraJavaOptions": '-Dlog4j2.configurationFile=theirs.xml -Dname="a b"'})
    assert merged.conf["spark.driver.extraJavaOptions"] == (
        "-Dlog4j2.configurationFile=theirs.xml '-Dname=a b' -Dlog4j2.configurationFile=ours.xml -XX:+UseG1GC"
    )


@pytest.mark.parametrize(
    "key,value",
    [
        (c.SPLINE_DISPATCHER, "kafka"),
        (c.SPLINE_DISPATCHER_CLASS, "com.team.Dispatcher"),
        (c.SPLINE_DISPATCHER_LOCATION, "s3://elsewhere/lineage/"),
        ("spark.spline.mode", "DISABLED"),  # not set by the application: the agent's default is ours
        (c.VAULT_ADDR, "https://other-vault:8200"),
        (c.SPARK_REDACTION_REGEX, "nothing"),
    ],
)
def test_a_job_value_replacing_observability_is_named(key: str, value: str) -> None:
    merged = merge(APP, {key: value, "spark.executor.memory": "8g"})
    assert list(merged.overrides) == [key]
    assert key in merged.overrides[key] and "allow_observability_override" in merged.overrides[key]
    assert value not in merged.overrides[key]  # values are never repeated: they may name secrets' places


def test_the_same_value_as_the_application_is_not_an_override() -> None:
    assert merge(APP, {c.SPLINE_DISPATCHER: APP[c.SPLINE_DISPATCHER]}).overrides == {}


def test_a_second_plugin_jar_or_spline_bundle_is_refused() -> None:
    plugin = merge(APP, {c.SPARK_JARS: "s3://team/emrs-observe-plugin-0.0.9.jar"})
    assert "another emrs-observe plugin jar (emrs-observe-plugin-0.0.9.jar)" in plugin.overrides[c.SPARK_JARS]
    spline = merge(APP, {c.SPARK_JARS: "s3://team/spark-3.4-spline-agent-bundle_2.12-2.0.0.jar"})
    assert "another Spline agent bundle" in spline.overrides[c.SPARK_JARS]
    packages = merge(APP, {c.SPARK_JARS_PACKAGES: f"{c.SPLINE_GROUP}:spark-3.5-spline-agent-bundle_2.12:2.2.3"})
    assert c.SPARK_JARS_PACKAGES in packages.overrides


def test_an_application_without_observability_is_reported() -> None:
    merged = merge({}, {"spark.executor.memory": "8g"})
    assert merged.conf == {"spark.executor.memory": "8g"}
    assert any(c.PLUGIN_CLASS in w for w in merged.warnings)
    assert any("capture no lineage" in w for w in merged.warnings)
    assert merge(APP, {}).warnings == []
    assert merge(SPARK4, {}).warnings == []  # OpenLineage with our transport captures its lineage
    assert merge(compliant_props("emr-spark-8.2.0"), {}).warnings == []


def test_a_job_listener_is_added_to_the_applications_openlineage_listener() -> None:
    merged = merge(SPARK4, {c.SPARK_EXTRA_LISTENERS: "com.team.Listener"})
    assert merged.overrides == {}
    assert merged.conf[c.SPARK_EXTRA_LISTENERS].split(",") == [c.OPENLINEAGE_LISTENER_CLASS, "com.team.Listener"]


@pytest.mark.parametrize(
    "key,value",
    [
        ("spark.openlineage.disabled", "true"),  # not set by the application: OpenLineage's default is ours
        ("spark.openlineage.transport.type", "http"),
        ("spark.openlineage.transport.location", "s3://team-bucket/lineage/"),
        ("spark.openlineage.facets.spark.logicalPlan.disabled", "false"),
    ],
)
def test_a_job_value_replacing_openlineage_settings_is_named(key: str, value: str) -> None:
    merged = merge(SPARK4, {key: value})
    assert list(merged.overrides) == [key]
    assert value not in merged.overrides[key]


def test_openlineage_parent_keys_that_link_the_run_to_its_task_are_the_jobs_own() -> None:
    parent = {
        "spark.openlineage.parentJobNamespace": "airflow",
        "spark.openlineage.parentJobName": "daily_orders.load",
        "spark.openlineage.parentRunId": "01928a4c-5b1e-7c3d-9e2f-0a1b2c3d4e5f",
    }
    merged = merge(SPARK4, parent)
    assert merged.overrides == {} and merged.conf == parent


def test_a_second_openlineage_jar_is_refused() -> None:
    jar = merge(SPARK4, {c.SPARK_JARS: "s3://team/openlineage-spark_2.13-1.40.0.jar"})
    assert "another OpenLineage Spark jar (openlineage-spark_2.13-1.40.0.jar)" in jar.overrides[c.SPARK_JARS]
    packages = merge(SPARK4, {c.SPARK_JARS_PACKAGES: "io.openlineage:openlineage-spark_2.13:1.40.0"})
    assert "adds OpenLineage's Spark jar" in packages.overrides[c.SPARK_JARS_PACKAGES]
