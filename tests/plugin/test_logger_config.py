"""The user's own log4j2 XML (with our EmrsDatadog appender in it by name), and bad settings:
a clear message naming the key and the value, the default used, the job unharmed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugin.conftest import JobRun, plugin_conf, run_job, vault_conf
from tests.servers.datadog_intake import DatadogIntake
from tests.servers.openbao import OpenBao

pytestmark = pytest.mark.spark

CUSTOM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <Console name="console" target="SYSTEM_ERR">
      <PatternLayout pattern="CUSTOM-XML %p %c - %m%n"/>
    </Console>
    <EmrsDatadog name="datadog"/>
  </Appenders>
  <Loggers>
    <Logger name="emrs.test" level="info" additivity="false">
      <AppenderRef ref="datadog"/>
      <AppenderRef ref="console"/>
    </Logger>
    <Root level="info">
      <AppenderRef ref="console"/>
    </Root>
  </Loggers>
</Configuration>
"""


@pytest.fixture(scope="module")
def custom(
    plugin_jar: Path, openbao: OpenBao, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[JobRun, DatadogIntake]]:
    intake = DatadogIntake().start()
    workdir = tmp_path_factory.mktemp("custom")
    xml = workdir / "log4j2-custom.xml"
    xml.write_text(CUSTOM_XML)
    conf = {
        **plugin_conf(plugin_jar, intake.logs_url),
        **vault_conf(openbao, "token"),
        "spark.emrs.observe.log4j.location": xml.as_uri(),
        "spark.emrs.observe.datadog.bufferMaxBytes": "lots",
        "spark.emrs.observe.datadog.maxRetries": "-3",
        "spark.emrs.observe.failOnError": "perhaps",
        "spark.emrs.observe.tags": "team:data,oops",
    }
    env = {"VAULT_TOKEN": openbao.child_token(), "ROOT_LOG_LEVEL": "LOUD"}
    try:
        yield run_job(workdir, conf, env, lines=5), intake
    finally:
        intake.stop()


def test_custom_xml_decides_what_is_shipped(custom: tuple[JobRun, DatadogIntake]) -> None:
    run, intake = custom
    assert run.returncode == 0, run.stderr[-3000:]
    assert "CUSTOM-XML INFO emrs.test.job - driver line 0" in run.stderr
    assert intake.wait_for_message("driver line 4", timeout_s=5)
    loggers = {e["logger"]["name"] for e in intake.events()}
    # Only the logger the XML routes to EmrsDatadog is shipped; Spark's own lines stay local.
    assert loggers == {"emrs.test.job"}, loggers
    assert "CUSTOM-XML INFO org.apache.spark" in run.stderr


def test_bad_values_are_named_and_defaults_used(custom: tuple[JobRun, DatadogIntake]) -> None:
    run, _ = custom
    text = "\n".join(run.warnings()) + run.stderr
    assert "spark.emrs.observe.datadog.bufferMaxBytes='lots' is not a byte size" in text
    assert "using the default 33554432" in text
    assert "spark.emrs.observe.datadog.maxRetries='-3' is outside 0..100; using the default 5" in text
    assert "spark.emrs.observe.failOnError='perhaps' is not a boolean" in text
    assert "spark.emrs.observe.tags: entry 'oops' is not name:value; skipped" in text
    assert "ROOT_LOG_LEVEL='LOUD' is not a log level" in text
    # No stack trace for a configuration mistake.
    assert "\tat emrs.observe" not in run.stderr
    assert run.report["rows"] == 7
    assert run.report["gauges"]["sent"] >= 5
