"""The fixed names shared with the JVM plugin, the Spline agent and OpenLineage's Spark listener.

The renderer writes these names and the scanner's rules look for them, so the two cannot drift
apart: both import them from here. The JVM side (`plugin_jvm/`) reads the same keys.
"""

from __future__ import annotations

import re

PLUGIN_CLASS = "emrs.observe.spark.LoggerSparkPlugin"
SPLINE_LISTENER_CLASS = "za.co.absa.spline.harvester.listener.SplineQueryExecutionListener"
DISPATCHER_NAME = "emrs"
DISPATCHER_CLASS = "emrs.observe.spline.S3LineageDispatcher"

# OpenLineage's Spark listener and our transport in it (plugin_jvm: emrs.observe.openlineage,
# found by OpenLineage through the ServiceLoader file in the plugin jar).
OPENLINEAGE_LISTENER_CLASS = "io.openlineage.spark.agent.OpenLineageSparkListener"
OPENLINEAGE_TRANSPORT_TYPE = "emrs"  # S3LineageTransportBuilder.TYPE

SPARK_PLUGINS = "spark.plugins"
# Spark prepends this administrators' list to spark.plugins (core config PLUGINS,
# `.withPrepended(DEFAULT_PLUGINS_LIST)`, Spark 3.0 to 4.0), so a job that sets its own
# spark.plugins keeps ours. The renderer writes the plugin here.
SPARK_PLUGINS_DEFAULT_LIST = "spark.plugins.defaultList"
SPARK_JARS = "spark.jars"
SPARK_JARS_PACKAGES = "spark.jars.packages"
SPARK_QUERY_LISTENERS = "spark.sql.queryExecutionListeners"
# Spark has no administrators' default list for it (core config EXTRA_LISTENERS, 3.3 to 4.1): a
# job's own spark.extraListeners replaces the application's.
SPARK_EXTRA_LISTENERS = "spark.extraListeners"
SPARK_REDACTION_REGEX = "spark.redaction.regex"
# Spark prepends spark.driver.defaultJavaOptions to spark.driver.extraJavaOptions (core config
# DRIVER_JAVA_OPTIONS `.withPrepended(DRIVER_DEFAULT_JAVA_OPTIONS)`, and the launcher puts both on
# the driver's command line), so a job's own extraJavaOptions do not drop an option written here.
DRIVER_DEFAULT_JAVA_OPTIONS = "spark.driver.defaultJavaOptions"
DRIVER_EXTRA_JAVA_OPTIONS = "spark.driver.extraJavaOptions"
DRIVER_JAVA_HOME = "spark.emr-serverless.driverEnv.JAVA_HOME"
# Spline 2.x loads its default config through a jar: URL connection; on Java 17 that needs this
# package opened, or creating the Spark session fails (AbsaOSS/spline-spark-agent#782).
SPLINE_JAVA17_OPTION = "--add-opens=java.base/sun.net.www.protocol.jar=ALL-UNNAMED"
SPLINE_DISPATCHER = "spark.spline.lineageDispatcher"
SPLINE_DISPATCHER_CLASS = f"spark.spline.lineageDispatcher.{DISPATCHER_NAME}.className"
SPLINE_DISPATCHER_LOCATION = f"spark.spline.lineageDispatcher.{DISPATCHER_NAME}.location"

# OpenLineage's settings (its Spark integration's ArgumentParser turns spark.openlineage.a.b=v into
# {"a": {"b": v}} and binds it to its config classes).
OPENLINEAGE = "spark.openlineage."
OPENLINEAGE_DISABLED = "spark.openlineage.disabled"  # true: the listener stays and drops every event
OPENLINEAGE_TRANSPORT = "spark.openlineage.transport."
OPENLINEAGE_TRANSPORT_TYPE_KEY = "spark.openlineage.transport.type"
OPENLINEAGE_TRANSPORT_LOCATION = "spark.openlineage.transport.location"
# A composite transport (OpenLineage's CompositeConfig, map form): each child by name under
# spark.openlineage.transport.transports.<name>.*; continueOnFailure keeps one child's failure
# from stopping the others (its default is true; rendered so it is visible).
OPENLINEAGE_COMPOSITE = "composite"
OPENLINEAGE_CHILDREN = "spark.openlineage.transport.transports."
OPENLINEAGE_CONTINUE_ON_FAILURE = "spark.openlineage.transport.continueOnFailure"
OPENLINEAGE_CHILD_EMRS = "emrs"
OPENLINEAGE_CHILD_GLUE = "glue"
# AWS's transport on emr-spark-8.2.0+ (AWS Glue, "Lineage for Amazon EMR"): it needs its region.
GLUE_TRANSPORT_TYPE = "amazon_glue_api"
OPENLINEAGE_COLUMN_LINEAGE = "spark.openlineage.columnLineage.datasetLineageEnabled"
# What a scheduler sets per job run to link the Spark run to its task (Airflow's OpenLineage
# macros, OpenLineage's "Scheduling from Airflow"; ArgumentParser's parent/root/context keys):
# they change no transport and drop no lineage, so a job may set them.
OPENLINEAGE_PER_JOB_KEYS = tuple(
    f"spark.openlineage.{k}"
    for k in (
        "parentJobNamespace",
        "parentJobName",
        "parentRunId",
        "rootParentJobNamespace",
        "rootParentJobName",
        "rootParentRunId",
        "context",
    )
)


def openlineage_child(name: str, field: str) -> str:
    """The key of one setting of a named transport inside a composite."""
    return f"{OPENLINEAGE_CHILDREN}{name}.{field}"


def openlineage_facet_disabled(facet: str) -> str:
    return f"spark.openlineage.facets.{facet}.disabled"


# Facets left out of every event (and so of every lineage object): the Spark integration's own
# heavy ones, which it also disables by default (SparkOpenLineageConfig.DISABLED_BY_DEFAULT in
# 1.53); rendered so a change of OpenLineage's defaults cannot grow the objects. spark.logicalPlan
# alone makes an object ~4.5 times larger (docs/plugin.md).
OPENLINEAGE_HEAVY_FACETS = ("spark.logicalPlan", "spark_unknown", "debug")
# Run facets that repeat, on every event, what the object's "job" part already says and that the
# processor does not read. Left out only where our transport is OpenLineage's only one: the
# disabled facets are the client's, so on releases where AWS Glue's feed shares it they would be
# missing from Glue's events too.
OPENLINEAGE_REDUNDANT_FACETS = ("spark_properties", "environment-properties", "spark_applicationDetails",
                                "spark_jobDetails")

OBSERVE = "spark.emrs.observe."
VAULT_ADDR = OBSERVE + "vault.addr"
VAULT_AUTH_METHOD = OBSERVE + "vault.authMethod"
VAULT_AUTH_ROLE = OBSERVE + "vault.authRole"
VAULT_NAMESPACE = OBSERVE + "vault.namespace"
VAULT_KV_MOUNT = OBSERVE + "vault.kvMount"
VAULT_SECRET_PATH = OBSERVE + "vault.secretPath"
VAULT_SECRET_FIELD = OBSERVE + "vault.secretField"
VAULT_TOKEN_FILE = OBSERVE + "vault.tokenFile"  # a path to a token file, not a token
VAULT_SECRET_ID_FILE = OBSERVE + "vault.secretIdFile"  # a path to an AppRole secret-id file
DATADOG_SITE = OBSERVE + "datadog.site"
TAGS = OBSERVE + "tags"
FAIL_ON_ERROR = OBSERVE + "failOnError"
# The plugin's metrics path (Spark's figures to Datadog's series API); off in the plugin unless set.
METRICS_ENABLED = OBSERVE + "metrics.enabled"

VAULT_AUTH_METHODS = ("aws", "approle", "token")
DEFAULT_VAULT_AUTH_METHOD = "aws"  # what the plugin uses when vault.authMethod is not set
# Methods that log in with a role; `token` reads VAULT_TOKEN from the environment instead.
VAULT_ROLE_METHODS = ("aws", "approle")

# The plugin jar: any `emrs-observe…​.jar` file name, wherever it is staged.
PLUGIN_JAR_NAME = re.compile(r"^emrs-observe[A-Za-z0-9._+-]*\.jar$")

LINEAGE_AGENTS = ("spline", "openlineage")

SPLINE_GROUP = "za.co.absa.spline.agent.spark"
# The bundle the project builds its dispatcher against and tests with (../shared/jars).
DEFAULT_SPLINE_VERSION = "2.2.0"
# Spline has no release for Spark 4 / Scala 2.13 (its newest bundle is spark-3.5 … _2.12).
NO_SPLINE_FOR_SPARK_4 = (
    "Spline publishes no agent for Spark 4 / Scala 2.13 (its newest bundle is "
    "spark-3.5-spline-agent-bundle_2.12)"
)

OPENLINEAGE_GROUP = "io.openlineage"
# The Spark integration the transport is built against and tested with (scripts/fetch_jars.sh).
DEFAULT_OPENLINEAGE_VERSION = "1.53.0"

# Spark's own default for spark.redaction.regex (Spark 3.x docs, "Runtime Environment").
SPARK_DEFAULT_REDACTION_REGEX = r"(?i)secret|password|token|access[.]key"
