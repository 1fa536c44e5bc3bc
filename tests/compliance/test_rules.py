"""The rules over one application's spark-defaults (pure: no servers)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from emrs_observe.compliance.jobruns import audit_job_run
from emrs_observe.compliance.model import Application, JobRun, Severity
from emrs_observe.compliance.rules import application_context, evaluate, rule_ids
from tests.compliance.conftest import compliant_props, spark_defaults


def app(runtime: Any, release: str = "emr-7.2.0", app_type: str = "Spark") -> Application:
    return Application("111111111111", "eu-west-1", "00f1", "job", "arn:x", release, app_type, "CREATED", None, runtime)


def failing(props: dict[str, str], release: str = "emr-7.2.0") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in evaluate(app(spark_defaults(props), release)):
        out.setdefault(f.rule_id, []).append(f.message)
    return out


def without(props: dict[str, str], *keys: str) -> dict[str, str]:
    return {k: v for k, v in props.items() if k not in keys}


def test_rendered_defaults_pass_every_rule() -> None:
    assert failing(compliant_props()) == {}


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"spark.plugins.defaultList": "com.other.Plugin"}, "plugin-registered"),
        ({"spark.jars": "s3://a/other.jar,s3://a/spark-3.5-spline-agent-bundle_2.12-2.2.3.jar"}, "plugin-jar"),
        ({"spark.sql.queryExecutionListeners": "com.other.Listener"}, "spline-listener"),
        ({"spark.spline.lineageDispatcher": "http"}, "lineage-dispatcher"),
        ({"spark.spline.lineageDispatcher.emrs.location": "/tmp/lineage"}, "lineage-dispatcher"),
        ({"spark.spline.lineageDispatcher.emrs.className": "x.Y"}, "lineage-dispatcher"),
        ({"spark.emrs.observe.vault.authMethod": "ldap"}, "vault-settings"),
        ({"spark.emrs.observe.vault.addr": "vault:8200"}, "vault-settings"),
        ({"spark.emrs.observe.metrics.enabled": "false"}, "metrics-enabled"),
    ],
)
def test_each_broken_setting_fails_its_rule_only(change: dict[str, str], rule: str) -> None:
    assert set(failing(compliant_props(**change))) == {rule}


def test_missing_vault_role_and_secret_path_are_reported() -> None:
    props = without(compliant_props(), "spark.emrs.observe.vault.authRole", "spark.emrs.observe.vault.secretPath")
    messages = failing(props)["vault-settings"]
    assert any("authRole" in m for m in messages) and any("secretPath" in m for m in messages)


def test_auth_method_defaults_to_aws_like_the_plugin() -> None:
    props = without(compliant_props(), "spark.emrs.observe.vault.authMethod")
    assert failing(props) == {}
    assert "authRole" in failing(without(props, "spark.emrs.observe.vault.authRole"))["vault-settings"][0]


def test_file_paths_under_token_like_keys_are_not_secrets_but_tokens_there_are() -> None:
    props = compliant_props(**{"spark.emrs.observe.vault.tokenFile": "/var/run/secrets/vault-token"})
    assert failing(props) == {}
    leaked = compliant_props(**{"spark.emrs.observe.vault.tokenFile": "hvs.CAESIJlU9ZBWtXr2eOz3z0d0nOtr"})
    assert "no-plaintext-secret" in failing(leaked)


def test_token_auth_needs_no_role() -> None:
    props = without(compliant_props(), "spark.emrs.observe.vault.authRole")
    props["spark.emrs.observe.vault.authMethod"] = "token"
    assert failing(props) == {}


def test_bundle_for_the_wrong_spark_is_reported_with_the_right_one() -> None:
    jars = "s3://a/emrs-observe-plugin-0.1.0.jar,s3://a/spark-3.3-spline-agent-bundle_2.12-2.2.3.jar"
    messages = failing(compliant_props(**{"spark.jars": jars}))["spline-bundle"]
    assert "Spark 3.3" in messages[0] and "spark-3.5-spline-agent-bundle_2.12" in messages[0]


def test_bundle_checks_follow_the_release() -> None:
    jars = "s3://a/emrs-observe-plugin-0.1.0.jar,s3://a/spark-3.5-spline-agent-bundle_2.12-2.2.3.jar"
    assert "spline-bundle" in failing(compliant_props(**{"spark.jars": jars}), release="emr-6.10.0")
    assert failing(compliant_props("emr-6.10.0"), release="emr-6.10.0") == {}


def test_no_bundle_several_bundles_and_old_spline_on_35() -> None:
    plugin = "s3://a/emrs-observe-plugin-0.1.0.jar"
    assert "no Spline agent bundle" in failing(compliant_props(**{"spark.jars": plugin}))["spline-bundle"][0]
    two = compliant_props(
        **{"spark.jars.packages": "za.co.absa.spline.agent.spark:spark-3.5-spline-agent-bundle_2.12:2.3.0"}
    )
    assert "different Spline agent bundles" in failing(two)["spline-bundle"][0]
    old = compliant_props(**{"spark.jars": plugin + ",s3://a/spark-3.5-spline-agent-bundle_2.12-1.2.0.jar"})
    assert "Spline 2.x" in failing(old)["spline-bundle"][0]


def test_bundle_from_maven_packages_is_accepted() -> None:
    props = compliant_props(**{"spark.jars": "s3://a/emrs-observe-plugin-0.1.0.jar"})
    props["spark.jars.packages"] = "za.co.absa.spline.agent.spark:spark-3.5-spline-agent-bundle_2.12:2.3.0"
    assert failing(props) == {}


def test_composite_dispatcher_including_ours_is_accepted() -> None:
    props = compliant_props(**{"spark.spline.lineageDispatcher": "composite"})
    props["spark.spline.lineageDispatcher.composite.dispatchers"] = "emrs,http"
    assert failing(props) == {}


SECRETS = {
    "spark.emr-serverless.driverEnv.DD_API_KEY": "0123456789abcdef0123456789abcdef",
    "spark.emrs.observe.vault.token": "hvs.CAESIJlU9ZBWtXr2eOz3z0d0nOtr",
    "spark.hadoop.fs.s3a.secret.key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "spark.executorEnv.DB_URL": "jdbc:postgresql://db:5432/x?user=app&password=Hunter2Hunter2",
    "spark.emrs.observe.datadog.key": "datadog key is 0123456789abcdef0123456789abcdee",
}


@pytest.mark.parametrize("key", sorted(SECRETS))
def test_a_secret_in_plain_configuration_is_critical_and_never_repeated(key: str) -> None:
    findings = [f for f in evaluate(app(spark_defaults(compliant_props(**{key: SECRETS[key]}))))]
    secret = [f for f in findings if f.rule_id == "no-plaintext-secret"]
    assert [f.severity for f in secret] == [Severity.CRITICAL]
    assert key in secret[0].message
    assert all(SECRETS[key] not in f.message for f in findings)


def test_the_applications_own_redaction_regex_counts_too() -> None:
    props = compliant_props(**{"spark.redaction.regex": "(?i)secret|mycompanyval", "spark.x.mycompanyval": "v"})
    assert "no-plaintext-secret" in failing(props)


def test_our_own_keys_naming_where_the_secret_lives_are_not_secrets() -> None:
    props = compliant_props()
    assert "spark.emrs.observe.vault.secretPath" in props and failing(props) == {}


def test_plain_http_vault_is_a_warning_not_a_violation() -> None:
    findings = evaluate(app(spark_defaults(compliant_props(**{"spark.emrs.observe.vault.addr": "http://vault:8200"}))))
    assert [(f.rule_id, f.severity) for f in findings] == [("vault-tls", Severity.WARNING)]


@pytest.mark.parametrize(
    ("runtime", "fragment"),
    [
        ({"classification": "spark-defaults"}, "not a list"),
        (["spark-defaults"], "not a classification object"),
        ([{"properties": {}}], "no classification name"),
        ([{"classification": "spark-defaults", "properties": ["a=b"]}], "not an object"),
        ([{"classification": "spark-defaults", "properties": {"spark.executor.cores": 4}}], "not a string"),
        ([{"classification": "spark-defaults", "properties": {" spark.plugins": "x"}}], "spaces around"),
        (spark_defaults({}) + spark_defaults({}), "more than once"),
    ],
)
def test_unparseable_properties_are_reported_as_such(runtime: Any, fragment: str) -> None:
    findings = evaluate(app(runtime))
    unparseable = [f.message for f in findings if f.rule_id == "properties-unparseable"]
    assert len(unparseable) == 1 and fragment in unparseable[0]


def test_no_runtime_configuration_fails_every_wiring_rule() -> None:
    rules = {f.rule_id for f in evaluate(app(None))}
    assert rules == {
        "plugin-registered",
        "plugin-jar",
        "spline-listener",
        "lineage-dispatcher",
        "spline-bundle",
        "vault-settings",
        "metrics-enabled",
    }


def test_metrics_must_be_on_as_the_plugin_reads_it() -> None:
    assert "metrics-enabled" not in failing(compliant_props(**{"spark.emrs.observe.metrics.enabled": " YES "}))
    missing = failing(without(compliant_props(), "spark.emrs.observe.metrics.enabled"))
    assert list(missing) == ["metrics-enabled"]
    assert "missing (the plugin's default is off)" in missing["metrics-enabled"][0]
    assert "Fix: set spark.emrs.observe.metrics.enabled=true" in missing["metrics-enabled"][0]


def test_a_job_run_that_turns_metrics_off_is_flagged_naming_the_key() -> None:
    application = app(spark_defaults(compliant_props()))
    app_ctx = application_context(application)
    run = JobRun("111111111111", "eu-west-1", "00f1", "00frun", "nightly", "arn:aws:iam::111111111111:user/jane",
                 "2026-12-01T00:00:00+00:00", "SUCCESS", "arn:role",
                 "--conf spark.emrs.observe.metrics.enabled=false --conf spark.executor.memory=4g", None)
    finding = audit_job_run(application, run, app_ctx, frozenset())
    assert finding is not None
    assert [f.rule_id for f in finding.findings] == ["metrics-enabled"]
    assert finding.overridden == ("spark.emrs.observe.metrics.enabled",)
    keeps = dataclasses.replace(run, spark_submit_parameters="--conf spark.executor.memory=4g")
    assert audit_job_run(application, keeps, app_ctx, frozenset()) is None


def test_unknown_release_warns_and_unsupported_release_fails() -> None:
    unknown = evaluate(app(spark_defaults(compliant_props()), release="emr-9.9.0"))
    assert [(f.rule_id, f.severity) for f in unknown] == [("release-supported", Severity.WARNING)]
    old = evaluate(app(spark_defaults(compliant_props()), release="emr-6.6.0"))
    assert ("release-supported", Severity.ERROR) in [(f.rule_id, f.severity) for f in old]


def test_hive_applications_are_not_judged() -> None:
    assert evaluate(app(None, app_type="Hive")) == []


def test_rule_ids_are_unique_and_stable() -> None:
    ids = rule_ids()
    assert len(ids) == len(set(ids))
    assert {"plugin-registered", "spline-bundle", "no-plaintext-secret", "properties-unparseable"} <= set(ids)


SECRET = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        (
            {
                "classification": "spark-env",
                "configurations": [{"classification": "export", "properties": {"DD_API_KEY": SECRET}}],
            },
            "spark-env/export: DD_API_KEY",
        ),
        (
            {"classification": "spark-hive-site", "properties": {"javax.jdo.option.ConnectionPassword": "hunter22"}},
            "spark-hive-site: javax.jdo.option.ConnectionPassword",
        ),
        (
            {
                "classification": "spark-driver-log4j2",
                "properties": {"appender.http.url": "https://user:pa55word@logs.example.com/intake"},
            },
            "spark-driver-log4j2: appender.http.url",
        ),
        (  # nested three deep
            {
                "classification": "spark-env",
                "configurations": [
                    {
                        "classification": "export",
                        "configurations": [
                            {"classification": "x", "properties": {"T": "hvs.CAESIJlU9ZBWtXr2eOz3z0d0nOtr"}}
                        ],
                    }
                ],
            },
            "spark-env/export/x: T",
        ),
    ],
)
def test_a_secret_in_any_classification_is_critical_and_never_echoed(extra: dict[str, Any], where: str) -> None:
    runtime = [*spark_defaults(compliant_props()), extra]
    findings = evaluate(app(runtime))
    assert [(f.rule_id, f.severity) for f in findings] == [("no-plaintext-secret", Severity.CRITICAL)]
    assert where in findings[0].message
    for secret in (SECRET, "hunter22", "pa55word", "hvs.CAESIJ"):
        assert secret not in findings[0].message


def test_secrets_in_image_and_monitoring_configuration_are_found() -> None:
    application = Application(
        "111111111111",
        "eu-west-1",
        "00f1",
        "job",
        "arn:x",
        "emr-7.2.0",
        "Spark",
        "CREATED",
        None,
        spark_defaults(compliant_props()),
        image_configuration={"imageUri": "123.dkr.ecr.eu-west-1.amazonaws.com/spark:7?password=s3cr3t"},
        monitoring_configuration={"prometheusMonitoringConfiguration": {"remoteWriteUrl": "https://a:b0b@prom/api"}},
    )
    messages = [f.message for f in evaluate(application)]
    assert len(messages) == 2 and all("s3cr3t" not in m and "b0b" not in m for m in messages)
    assert any(m.startswith("imageConfiguration: imageUri") for m in messages)


def test_spark_4_lineage_is_openlineage_and_a_spark_3_bundle_is_refused() -> None:
    from emrs_observe.compliance.rules import evaluate_with_exemptions

    for release in ("emr-spark-8.0.0", "emr-spark-8.1.0", "emr-spark-8.2.0"):
        findings, exemptions = evaluate_with_exemptions(app(spark_defaults(compliant_props(release)), release))
        assert (findings, exemptions) == ([], []), release
    # what was right for emr-7.x cannot load on Spark 4 / Scala 2.13, and it has no OpenLineage
    messages = failing(compliant_props(), "emr-spark-8.0.0")
    assert set(messages) == {"spline-bundle", "openlineage-listener", "openlineage-jar", "openlineage-transport"}
    assert "Scala 2.12" in messages["spline-bundle"][0] and "captured with OpenLineage" in messages["spline-bundle"][0]


SPARK4 = "emr-spark-8.0.0"
OL_TYPE = "spark.openlineage.transport.type"


@pytest.mark.parametrize(
    ("change", "rule", "says"),
    [
        ({"spark.extraListeners": "com.acme.Listener"}, "openlineage-listener", "does not contain io.openlineage"),
        ({"spark.openlineage.disabled": "true"}, "openlineage-listener", "drops every event"),
        ({"spark.jars": "s3://a/emrs-observe-plugin-0.1.0.jar"}, "openlineage-jar", "listener cannot load"),
        (
            {"spark.jars": "s3://a/emrs-observe-plugin-0.1.0.jar,s3://a/openlineage-spark_2.12-1.53.0.jar"},
            "openlineage-jar",
            "built for Scala 2.12 but emr-spark-8.0.0 runs Spark 4.0.2 / Scala 2.13.16",
        ),
        (
            {"spark.jars.packages": "io.openlineage:openlineage-spark_2.13:1.40.0"},
            "openlineage-jar",
            "2 different OpenLineage Spark jars",
        ),
        ({OL_TYPE: "http"}, "openlineage-transport", "neither 'emrs' nor a composite containing it"),
        ({"spark.openlineage.transport.location": "/tmp/lineage"}, "openlineage-transport", "not an s3://"),
    ],
)
def test_each_broken_openlineage_setting_fails_its_rule_only(change: dict[str, str], rule: str, says: str) -> None:
    messages = failing(compliant_props(SPARK4, **change), SPARK4)
    assert set(messages) == {rule}
    assert says in messages[rule][0] and "Fix:" in messages[rule][0]


def test_openlineage_jar_from_maven_and_a_composite_containing_our_transport_are_accepted() -> None:
    props = compliant_props(SPARK4, **{"spark.jars": "s3://a/emrs-observe-plugin-0.1.0.jar"})
    props["spark.jars.packages"] = "io.openlineage:openlineage-spark_2.13:1.53.0"
    assert failing(props, SPARK4) == {}
    composite = without(compliant_props(SPARK4), OL_TYPE, "spark.openlineage.transport.location")
    composite.update({
        OL_TYPE: "Composite",  # OpenLineage reads types case-insensitively
        "spark.openlineage.transport.transports.datahub.type": "http",
        "spark.openlineage.transport.transports.datahub.url": "https://datahub.example.com",
        "spark.openlineage.transport.transports.central.type": "emrs",
        "spark.openlineage.transport.transports.central.location": "s3://lineage-bucket/ol/",
    })
    assert failing(composite, SPARK4) == {}
    composite["spark.openlineage.transport.transports.central.location"] = ""
    [message] = failing(composite, SPARK4)["openlineage-transport"]
    assert "spark.openlineage.transport.transports.central.location is missing" in message


def test_where_emr_registers_openlineage_for_glue_ours_rides_along_and_glues_feed_is_kept() -> None:
    release = "emr-spark-8.2.0"
    props = compliant_props(release)
    assert failing(props, release) == {}
    # EMR brings the listener and the jar: a second jar is refused, the listener is not required
    assert "spark.extraListeners" not in props
    doubled = {**props, "spark.jars": props["spark.jars"] + ",s3://a/openlineage-spark_2.13-1.53.0.jar"}
    assert "AWS's own OpenLineage build" in failing(doubled, release)["openlineage-jar"][0]
    # the application left to EMR's own transport: our objects are missing (the error)
    bare = {k: v for k, v in props.items() if not k.startswith("spark.openlineage.transport")}
    assert set(failing(bare, release)) == {"openlineage-transport"}
    # ours alone: Glue's feed is dropped (a warning, the application's choice to make)
    ours_only = {**bare, OL_TYPE: "emrs", "spark.openlineage.transport.location": "s3://lineage-bucket/ol/"}
    findings = evaluate(app(spark_defaults(ours_only), release))
    assert [(f.rule_id, f.severity) for f in findings] == [("openlineage-glue-feed", Severity.WARNING)]
    no_region = without(props, "spark.openlineage.transport.transports.glue.region")
    assert "has no region" in failing(no_region, release)["openlineage-glue-feed"][0]
    off = {**props, "spark.openlineage.disabled": "true"}
    assert "AWS Glue's neither" in failing(off, release)["openlineage-listener"][0]


def test_spark_3_applications_are_checked_for_the_agent_they_are_wired_for() -> None:
    ol = compliant_props(lineage_agent="openlineage")
    assert failing(ol) == {}  # no Spline rule applies to it
    dropped = {**ol, "spark.jars": "s3://a/emrs-observe-plugin-0.1.0.jar"}
    assert set(failing(dropped)) == {"openlineage-jar"}
    assert "openlineage-spark_2.12" in failing(dropped)["openlineage-jar"][0]
    # wired for neither: Spline, the default on Spark 3, is what is missing; OpenLineage's rules are silent
    bare = {k: v for k, v in ol.items() if "openlineage" not in k and k != "spark.extraListeners"}
    bare["spark.jars"] = "s3://a/emrs-observe-plugin-0.1.0.jar"
    assert set(failing(bare)) == {"spline-listener", "lineage-dispatcher", "spline-bundle"}
    # Spline applications get no OpenLineage finding either
    assert failing(compliant_props("emr-6.15.0"), "emr-6.15.0") == {}


@pytest.mark.parametrize("where", ["spark-env", "spark-driver-log4j2", "spark-hive-site"])
def test_our_own_vault_keys_are_never_called_secrets_wherever_they_sit(where: str) -> None:
    runtime = [
        *spark_defaults(compliant_props()),
        {
            "classification": where,
            "properties": {
                "spark.emrs.observe.vault.secretPath": "datadog/emr",
                "spark.emrs.observe.vault.secretField": "api_key",
            },
        },
    ]
    assert [f.message for f in evaluate(app(runtime))] == []
    # a real secret under them still is one
    runtime[1]["properties"]["spark.emrs.observe.vault.secretPath"] = "hvs.CAESIJlU9ZBWtXr2eOz3z0d0nOtr"
    [finding] = evaluate(app(runtime))
    assert finding.rule_id == "no-plaintext-secret" and "rotate" in finding.message


def test_java_17_needs_the_option_spline_needs_wherever_the_driver_options_have_it() -> None:
    option = "--add-opens=java.base/sun.net.www.protocol.jar=ALL-UNNAMED"
    assert "spline-java17-opens" in failing(without(compliant_props(), "spark.driver.defaultJavaOptions"))
    moved = without(compliant_props(), "spark.driver.defaultJavaOptions")
    assert failing({**moved, "spark.driver.extraJavaOptions": f"-Xss4m {option}"}) == {}
    assert (
        failing(
            {**moved, "spark.driver.extraJavaOptions": "--add-opens java.base/sun.net.www.protocol.jar=ALL-UNNAMED"}
        )
        == {}
    )
    # emr-6.x runs Java 8 unless the application points JAVA_HOME at a Java 17
    legacy = without(compliant_props("emr-6.15.0"), "spark.driver.defaultJavaOptions")
    assert failing(legacy, "emr-6.15.0") == {}
    java17 = {**legacy, "spark.emr-serverless.driverEnv.JAVA_HOME": "/usr/lib/jvm/java-17-amazon-corretto.x86_64/"}
    assert set(failing(java17, "emr-6.15.0")) == {"spline-java17-opens"}
