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
]


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
    if release.spark_major >= 4:  # no Spline agent exists for Spark 4: the plugin only, and why
        assert props["spark.jars"] == "s3://artifacts/jars/emrs-observe-plugin-0.1.0.jar"
        assert not [k for k in props if "spline" in k or "queryExecutionListeners" in k or "JavaOptions" in k]
        assert "Spline publishes no agent for Spark 4" in out.stderr
    else:
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
    maven = json.loads(render("--release-label", "emr-6.15.0", *BASE[:-2], "--spline-from-maven").stdout)
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
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps(docs))
    result = CliRunner().invoke(main, ["compliance", "scan", "--input", str(inventory), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0, [a for a in report["applications"] if a["status"] != "compliant"]
    assert report["summary"]["applications"] == len(supported_labels()) + 1
    exempt = {a["release_label"]: sorted(e["rule"] for e in a["exempt"]) for a in report["applications"] if a["exempt"]}
    # Spark 4: the missing lineage is a known, documented exemption, neither a pass nor an alarm
    assert exempt == {"emr-spark-8.0.0": ["lineage-dispatcher", "spline-java17-opens", "spline-listener"]}


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
    ],
)
def test_refusals_say_what_is_wrong(args: list[str], message: str) -> None:
    # later options win in click, so BASE first and the bad value after
    out = render(*BASE, *args)
    assert out.exit_code == 2
    assert message in out.output
    assert "Traceback" not in out.output


def test_without_a_staged_bundle_it_explains_how_to_stage_one() -> None:
    out = render("--release-label", "emr-7.2.0", *BASE[:-2])
    assert out.exit_code == 2
    assert "za/co/absa/spline/agent/spark/spark-3.5-spline-agent-bundle_2.12/2.2.0/" in out.output
    assert "--spline-jar" in out.output
