"""The fixed names shared with the JVM plugin and the Spline agent.

The renderer writes these names and the scanner's rules look for them, so the two cannot drift
apart: both import them from here. The JVM side (`plugin_jvm/`) reads the same keys.
"""

from __future__ import annotations

import re

PLUGIN_CLASS = "emrs.observe.spark.LoggerSparkPlugin"
SPLINE_LISTENER_CLASS = "za.co.absa.spline.harvester.listener.SplineQueryExecutionListener"
DISPATCHER_NAME = "emrs"
DISPATCHER_CLASS = "emrs.observe.spline.S3LineageDispatcher"

SPARK_PLUGINS = "spark.plugins"
SPARK_JARS = "spark.jars"
SPARK_JARS_PACKAGES = "spark.jars.packages"
SPARK_QUERY_LISTENERS = "spark.sql.queryExecutionListeners"
SPARK_REDACTION_REGEX = "spark.redaction.regex"
SPLINE_DISPATCHER = "spark.spline.lineageDispatcher"
SPLINE_DISPATCHER_CLASS = f"spark.spline.lineageDispatcher.{DISPATCHER_NAME}.className"
SPLINE_DISPATCHER_LOCATION = f"spark.spline.lineageDispatcher.{DISPATCHER_NAME}.location"

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

VAULT_AUTH_METHODS = ("aws", "approle", "token")
DEFAULT_VAULT_AUTH_METHOD = "aws"  # what the plugin uses when vault.authMethod is not set
# Methods that log in with a role; `token` reads VAULT_TOKEN from the environment instead.
VAULT_ROLE_METHODS = ("aws", "approle")

# The plugin jar: any `emrs-observe…​.jar` file name, wherever it is staged.
PLUGIN_JAR_NAME = re.compile(r"^emrs-observe[A-Za-z0-9._+-]*\.jar$")

SPLINE_GROUP = "za.co.absa.spline.agent.spark"
DEFAULT_SPLINE_VERSION = "2.2.3"

# Spark's own default for spark.redaction.regex (Spark 3.x docs, "Runtime Environment").
SPARK_DEFAULT_REDACTION_REGEX = r"(?i)secret|password|token|access[.]key"
