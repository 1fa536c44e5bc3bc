"""`emrs-observe defaults render`: every supported release, every format, and the refusals."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from emrs_observe.cli import main
from emrs_observe.defaults.releases import all_releases, supported_labels

BASE = [
    "--plugin-jar",
    "s3://artifacts/jars/emrs-observe-plugin-0.1.0.jar",
    "--lineage-location",
    "s3://lineage-bucket/spline",
    "--vault-addr",
    "https://vault.example.com:8200",
    "--vault-role",
    "emr-serverless",
    "--tags",
    "team=data",
    "--tags",
    "env:prod",
    "--spline-jar",
    "s3://artifacts/jars/",
    "--openlineage-jar",
    "s3://artifacts/jars/",
    "--aws-region",
    "eu-west-1",
]
OL_LISTENER = "io.openlineage.spark.agent.OpenLineageSparkListener"
HEAVY = ("spark.logicalPlan", "spark_unknown", "debug")
REDUNDANT = ("spark_properties", "environment-properties", "spark_applicationDetails", "spark_jobDetails")


def render(*args: str) -> Result:
    return CliRunner().invoke(main, ["defaults", "render", *args])


def parse_properties(text: str) -> dict[str, str]:
    """A reader for what Java's Properties.load accepts in our output (key=value, backslash escapes)."""
    def unescape(s: str) -> str:
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m[1], m[1]), s)

    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith(("#", "!")):
            continue
        key, _, value = re.split(r"(?<!\\)(=)", line, maxsplit=1)
        out[unescape(key)] = unescape(value)
    return out


def test_the_release_table_says_where_each_row_came_from() -> None:
    rows = all_releases().values()
    assert len(rows) >= 15
    for row in rows:
        assert row.sources and all(s.startswith("https://docs.aws.amazon.com/emr/") for s in row.sources)
        assert re.match(r"^[34]\.\d+\.\d+$", row.spark)
        # Spark 3 is built for Scala 2.12 on EMR, Spark 4 only for 2.13; Java 17 from 7.x on
        assert row.scala.startswith("2.12." if row.spark_major == 3 else "2.13.")
        assert row.java == ("8" if row.label.startswith("emr-6.") else "17")
    assert {"emr-7.13.0", "emr-spark-8.0.0"} <= set(supported_labels())
    assert (all_releases()["emr-7.13.0"].spark, all_releases()["emr-spark-8.0.0"].spark) == ("3.5.6", "4.0.2")


@pytest.mark.parametrize("label", supported_labels())
def test_every_supported_release_renders_the_matching_bundle_in_every_format(label: str) -> None:
    release = all_releases()[label]
    artifact = f"spark-{release.spark_minor}-spline-agent-bundle_{release.scala_binary}-2.2.0.jar"
    out = render("--release-label", label, *BASE)
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc[0]["classification"] == "spark-defaults"
    props = doc[0]["properties"]
    # the plugin in the administrators' list Spark prepends to a job's own spark.plugins
    assert props["spark.plugins.defaultList"] == "emrs.observe.spark.LoggerSparkPlugin"
    assert "spark.plugins" not in props
    assert props["spark.emrs.observe.tags"] == "team:data,env:prod"
    assert props["spark.emrs.observe.metrics.enabled"] == "true"  # the plugin's default is off
    if release.spark_major >= 4:  # no Spline agent exists for Spark 4: OpenLineage's listener and our transport
        assert not [k for k in props if "spline" in k or "queryExecutionListeners" in k or "JavaOptions" in k]
        assert "Spline publishes no agent for Spark 4" in out.stderr
        assert props["spark.openlineage.columnLineage.datasetLineageEnabled"] == "true"
        assert all(props[f"spark.openlineage.facets.{f}.disabled"] == "true" for f in HEAVY)
        if release.aws_lineage:  # EMR brings OpenLineage and registers its listener
            assert props["spark.jars"] == "s3://artifacts/jars/emrs-observe-plugin-0.1.0.jar"
            assert "spark.extraListeners" not in props
            assert props["spark.openlineage.transport.transports.emrs.location"] == "s3://lineage-bucket/spline/"
        else:
            assert props["spark.jars"] == (
                "s3://artifacts/jars/emrs-observe-plugin-0.1.0.jar,s3://artifacts/jars/openlineage-spark_2.13-1.53.0.jar"
            )
            assert props["spark.extraListeners"] == OL_LISTENER
            assert props["spark.openlineage.transport.type"] == "emrs"
            assert props["spark.openlineage.transport.location"] == "s3://lineage-bucket/spline/"
    else:
        assert not [k for k in props if "openlineage" in k or k == "spark.extraListeners"]
        assert props["spark.jars"].endswith("/" + artifact)
        assert props["spark.spline.lineageDispatcher.emrs.location"] == "s3://lineage-bucket/spline/"
        java17 = "--add-opens=java.base/sun.net.www.protocol.jar=ALL-UNNAMED"
        assert props.get("spark.driver.defaultJavaOptions") == (java17 if release.java == "17" else None)

    as_properties = render("--release-label", label, *BASE, "--format", "properties")
    assert parse_properties(as_properties.stdout) == props
    terraform = render("--release-label", label, *BASE, "--format", "terraform").stdout
    assert "runtime_configuration {\n" in terraform and 'classification = "spark-defaults"' in terraform
    for key, value in props.items():
        assert re.search(rf"^\s+{re.escape(json.dumps(key))}\s+= {re.escape(json.dumps(value))}$", terraform, re.M)


def test_terraform_output_escapes_template_sequences() -> None:
    out = render("--release-label", "emr-7.2.0", *BASE, "--vault-secret-path", "a/${b}", "--format", "terraform")
    assert '"a/$${b}"' in out.output


def test_terraform_output_escapes_characters_as_hcl_reads_them() -> None:
    # HCL's escapes are \n \r \t \" \\ \uNNNN \UNNNNNNNN; JSON's surrogate pairs are not among them
    path = 'team/\U0001f680-\u00e9"q\\x\ty%{z}'
    out = render("--release-label", "emr-7.2.0", *BASE, "--vault-secret-path", path, "--format", "terraform")
    assert out.exit_code == 0, out.output
    assert '"team/\\U0001F680-\u00e9\\"q\\\\x\\ty%%{z}"' in out.stdout
    assert "\\uD83D" not in out.stdout.upper()


def test_every_supported_release_passes_the_scanner(tmp_path: Path) -> None:
    docs = []
    for index, label in enumerate(supported_labels()):
        runtime = json.loads(render("--release-label", label, *BASE).stdout)
        app_id = f"00f{index:05d}"
        docs.append(
            {
                "application": {
                    "applicationId": app_id,
                    "name": label,
                    "releaseLabel": label,
                    "type": "Spark",
                    "state": "CREATED",
                    "arn": f"arn:aws:emr-serverless:eu-west-1:111111111111:/applications/{app_id}",
                    "runtimeConfiguration": runtime,
                }
            }
        )
    no_jar = without(BASE, "--spline-jar")
    maven = json.loads(render("--release-label", "emr-6.15.0", *no_jar, "--spline-from-maven").stdout)
    docs.append(
        {
            "application": {
                **docs[0]["application"],
                "applicationId": "00fmaven",
                "arn": "arn:aws:emr-serverless:eu-west-1:111111111111:/applications/00fmaven",
                "releaseLabel": "emr-6.15.0",
                "runtimeConfiguration": maven,
            }
        }
    )
    for label in ("emr-6.15.0", "emr-7.13.0"):  # Spark 3 with OpenLineage, as a team may choose
        runtime = json.loads(render("--release-label", label, *BASE, "--lineage-agent", "openlineage").stdout)
        app_id = "00fol" + label[4:].replace(".", "")
        docs.append(
            {
                "application": {
                    **docs[0]["application"],
                    "applicationId": app_id,
                    "arn": f"arn:aws:emr-serverless:eu-west-1:111111111111:/applications/{app_id}",
                    "releaseLabel": label,
                    "runtimeConfiguration": runtime,
                }
            }
        )
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps(docs))
    result = CliRunner().invoke(main, ["compliance", "scan", "--input", str(inventory), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0, [a for a in report["applications"] if a["status"] != "compliant"]
    assert report["summary"]["applications"] == len(supported_labels()) + 3
    # Spark 4's lineage is no longer an exemption: its rules pass, as Spline's do on Spark 3
    assert [a["exempt"] for a in report["applications"] if a["exempt"]] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--release-label", "emr-9.9.0"], "is not in emrs-observe's table of EMR releases; supported: emr-6.8.0"),
        (["--release-label", "emr-6.6.0"], "needs Spark 3.3 or later"),
        (
            ["--release-label", "emr-7.2.0", "--spline-jar", "s3://a/spark-3.4-spline-agent-bundle_2.12-2.2.0.jar"],
            "needs spark-3.5-spline-agent-bundle_2.12-2.2.0.jar",
        ),
        (["--release-label", "emr-7.2.0", "--spline-version", "1.2.0"], "only from Spline 2.0"),
        (["--release-label", "emr-7.2.0", "--spline-from-maven"], "not both"),
        (["--release-label", "emr-7.2.0", "--tags", "team"], "--tags 'team' is not key=value"),
        (["--release-label", "emr-7.2.0", "--plugin-jar", "s3://a/plugin.jar"], "emrs-observe-plugin-<version>.jar"),
        (["--release-label", "emr-7.2.0", "--lineage-location", "/tmp/x"], "not an s3://bucket/prefix/ URI"),
        (["--release-label", "emr-7.2.0", "--vault-secret-path", "x" * 1100], "over 1024 characters"),
        (["--release-label", "emr-7.2.0", "--spline-jar", "s3://a/spark-3.5-spline-agent-bundle_2.12-2.2.3.jar",
          "--spline-version", "2.2.0"], "needs spark-3.5-spline-agent-bundle_2.12-2.2.0.jar"),
        (["--release-label", "emr-spark-8.0.0", "--lineage-agent", "spline"],
         "its lineage is captured with openlineage"),
        (["--release-label", "emr-spark-8.0.0", "--openlineage-jar", "s3://a/openlineage-spark_2.12-1.53.0.jar"],
         "emr-spark-8.0.0 needs openlineage-spark_2.13-1.53.0.jar (Scala 2.13)"),
        (["--release-label", "emr-7.2.0", "--lineage-agent", "openlineage", "--openlineage-jar",
          "s3://a/openlineage-spark_2.13-1.53.0.jar"], "emr-7.2.0 needs openlineage-spark_2.12-1.53.0.jar"),
        (["--release-label", "emr-spark-8.0.0", "--openlineage-jar", "s3://a/openlineage.jar"],
         "must be OpenLineage's Spark jar, openlineage-spark_2.13-1.53.0.jar"),
        (["--release-label", "emr-spark-8.0.0", "--openlineage-version", "latest"], "is not a version such as 1.53.0"),
        (["--release-label", "emr-spark-8.2.0", "--aws-region", "Ireland"], "not a region such as eu-west-1"),
    ],
)
def test_refusals_say_what_is_wrong(args: list[str], message: str) -> None:
    # later options win in click, so BASE first and the bad value after
    out = render(*BASE, *args)
    assert out.exit_code == 2
    assert message in out.output
    assert "Traceback" not in out.output


def without(args: list[str], *options: str) -> list[str]:
    out: list[str] = []
    for i, arg in enumerate(args):
        if arg in options or (i and args[i - 1] in options):
            continue
        out.append(arg)
    return out


def properties(*args: str) -> dict[str, str]:
    out = render(*args)
    assert out.exit_code == 0, out.output
    props: dict[str, str] = json.loads(out.stdout)[0]["properties"]
    return props


def test_a_staged_spline_jar_gives_its_version_without_spline_version() -> None:
    jar = "s3://artifacts/jars/spark-3.5-spline-agent-bundle_2.12-2.2.3.jar"
    props = properties("--release-label", "emr-7.2.0", *without(BASE, "--spline-jar"), "--spline-jar", jar)
    assert props["spark.jars"].split(",")[1] == jar
    folder = properties("--release-label", "emr-7.2.0", *BASE)  # a folder: the default version
    assert folder["spark.jars"].endswith("/spark-3.5-spline-agent-bundle_2.12-2.2.0.jar")


def test_spark_3_can_capture_lineage_with_openlineage_instead_of_spline() -> None:
    out = render("--release-label", "emr-7.2.0", *BASE, "--lineage-agent", "openlineage")
    assert out.exit_code == 0, out.output
    props = json.loads(out.stdout)[0]["properties"]
    assert props["spark.jars"].split(",")[1] == "s3://artifacts/jars/openlineage-spark_2.12-1.53.0.jar"
    assert props["spark.extraListeners"] == OL_LISTENER
    assert (props["spark.openlineage.transport.type"], props["spark.openlineage.transport.location"]) == (
        "emrs", "s3://lineage-bucket/spline/")
    # nothing of Spline, nor the Java option only Spline needs
    assert not [k for k in props if "spline" in k or "queryExecutionListeners" in k or "JavaOptions" in k]
    assert all(props[f"spark.openlineage.facets.{f}.disabled"] == "true" for f in HEAVY + REDUNDANT)
    assert "--lineage-agent openlineage" in out.stderr and "--spline-jar / --spline-from-maven ignored" in out.stderr
    # Spline stays the default there
    assert "spark.extraListeners" not in properties("--release-label", "emr-7.2.0", *BASE)


def test_a_staged_openlineage_jar_is_taken_as_named() -> None:
    jar = "s3://artifacts/ol/openlineage-spark_2.13-1.50.0.jar"
    props = properties("--release-label", "emr-spark-8.0.0", *without(BASE, "--openlineage-jar"),
                       "--openlineage-jar", jar)
    assert props["spark.jars"].split(",")[1] == jar
    out = render("--release-label", "emr-spark-8.0.0", *without(BASE, "--openlineage-jar"))
    assert out.exit_code == 2
    assert "io/openlineage/openlineage-spark_2.13/1.53.0/openlineage-spark_2.13-1.53.0.jar" in out.output


def test_where_emr_sends_lineage_to_glue_a_composite_keeps_that_feed_and_adds_ours() -> None:
    out = render("--release-label", "emr-spark-8.2.0", *BASE)
    assert out.exit_code == 0, out.output
    props = json.loads(out.stdout)[0]["properties"]
    ol = {k: v for k, v in props.items() if k.startswith("spark.openlineage.transport")}
    assert ol == {
        "spark.openlineage.transport.type": "composite",
        "spark.openlineage.transport.continueOnFailure": "true",
        "spark.openlineage.transport.transports.glue.type": "amazon_glue_api",
        "spark.openlineage.transport.transports.glue.region": "eu-west-1",
        "spark.openlineage.transport.transports.emrs.type": "emrs",
        "spark.openlineage.transport.transports.emrs.location": "s3://lineage-bucket/spline/",
    }
    # the facets the client leaves out are Glue's too: only OpenLineage's own defaults there
    assert [k for k in props if ".facets." in k] == [f"spark.openlineage.facets.{f}.disabled" for f in sorted(HEAVY)]
    assert "--openlineage-jar ignored" in out.stderr and "AWS Glue lineage" in out.stderr
    refused = render("--release-label", "emr-spark-8.2.0", *without(BASE, "--aws-region"))
    assert refused.exit_code == 2 and "--aws-region is required" in refused.output


def test_without_a_staged_bundle_it_explains_how_to_stage_one() -> None:
    out = render("--release-label", "emr-7.2.0", *without(BASE, "--spline-jar"))
    assert out.exit_code == 2
    assert "za/co/absa/spline/agent/spark/spark-3.5-spline-agent-bundle_2.12/2.2.0/" in out.output
    assert "--spline-jar" in out.output
