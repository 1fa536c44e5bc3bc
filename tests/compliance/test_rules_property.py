"""Random spark-defaults fed to the rules: they never crash and classify every result."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emrs_observe.compliance.model import Application, Severity
from emrs_observe.compliance.rules import evaluate, rule_ids
from tests.compliance.conftest import compliant_props

KNOWN_KEYS = [
    *sorted(compliant_props()),
    *sorted(compliant_props("emr-spark-8.0.0")),
    *sorted(compliant_props("emr-spark-8.2.0")),
    "spark.openlineage.disabled",
    "spark.openlineage.transport.transports.x.type",
    "spark.openlineage.transport.transports.x.location",
    "spark.jars.packages",
    "spark.redaction.regex",
    "spark.spline.lineageDispatcher.composite.dispatchers",
    "spark.emr-serverless.driverEnv.DD_API_KEY",
    "spark.hadoop.fs.s3a.secret.key",
]
KNOWN_VALUES = [
    *sorted(set(compliant_props().values())),
    "composite",
    "emrs,http",
    "token",
    "approle",
    "(?i)[",
    "s3://b/spark-3.4-spline-agent-bundle_2.12-2.2.3.jar",
    "za.co.absa.spline.agent.spark:spark-3.5-spline-agent-bundle_2.13:2.3.0",
    *sorted(set(compliant_props("emr-spark-8.0.0").values())),
    *sorted(set(compliant_props("emr-spark-8.2.0").values())),
    "io.openlineage:openlineage-spark_2.12:1.53.0",
    "s3://b/openlineage-spark_2.12-1.53.0.jar",
    ",,,",
    "",
]

keys = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(min_size=0, max_size=30))
values = st.one_of(st.sampled_from(KNOWN_VALUES), st.text(max_size=80))
props = st.dictionaries(keys, values, max_size=25)
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
junk = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
classification = st.fixed_dictionaries(
    {
        "classification": st.sampled_from(["spark-defaults", "spark-env", "other"]),
        "properties": st.one_of(props, st.dictionaries(st.text(max_size=10), junk, max_size=5), junk),
    }
)
runtime = st.one_of(st.lists(classification, max_size=3), junk)
releases = st.sampled_from(
    ["emr-7.2.0", "emr-6.10.0", "emr-6.6.0", "emr-9.9.0", "", "x", "emr-spark-8.0.0", "emr-spark-8.2.0"]
)


def app(runtime: Any, release: str) -> Application:
    return Application("111111111111", "eu-west-1", "00f1", "job", "arn:x", release, "Spark", "CREATED", None, runtime)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runtime=runtime, release=releases)
def test_random_configuration_never_crashes_and_every_finding_is_classified(runtime: Any, release: str) -> None:
    findings = evaluate(app(runtime, release))
    known = set(rule_ids())
    for finding in findings:
        assert finding.rule_id in known
        assert isinstance(finding.severity, Severity)
        assert finding.message.strip()


@settings(max_examples=300, deadline=None)
@given(
    extra=st.dictionaries(st.sampled_from(KNOWN_KEYS), values, max_size=6),
    secret=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789", min_size=16, max_size=40),
)
def test_a_secret_value_never_appears_in_a_message(extra: dict[str, str], secret: str) -> None:
    props = {**compliant_props(), **extra, "spark.hadoop.fs.s3a.secret.key": secret}
    findings = evaluate(app([{"classification": "spark-defaults", "properties": props}], "emr-7.2.0"))
    assert any(f.rule_id == "no-plaintext-secret" for f in findings)
    assert all(secret not in f.message for f in findings)


@settings(max_examples=200, deadline=None)
@given(
    extra=st.dictionaries(
        st.text(alphabet="abcdefghijklmnop.", min_size=1, max_size=20).map("spark.zz.".__add__),
        st.text(alphabet="abcdefghijklmnop", max_size=10),
        max_size=8,
    )
)
def test_unrelated_extra_settings_keep_a_compliant_application_compliant(extra: dict[str, str]) -> None:
    props = {**compliant_props(), **extra}
    assert evaluate(app([{"classification": "spark-defaults", "properties": props}], "emr-7.2.0")) == []
