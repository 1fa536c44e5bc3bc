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
    out = {}
    for line in text.splitlines():
        if not line or line.startswith(("#", "!")):
            continue
        key, _, value = re.split(r"(?<!\\)(=)", line, maxsplit=1)
        unescape = lambda s: re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m[1], m[1]), s)  # noqa: E731
        out[unescape(key)] = unescape(value)
    return out


def test_the_release_table_says_where_each_row_came_from() -> None:
    rows = all_releases().values()
    assert len(rows) >= 15
    for row in rows:
        assert row.sources and all(s.startswith("https://docs.aws.amazon.com/emr/") for s in row.sources)
        assert re.match(r"^3\.\d+\.\d+$", row.spark) and row.scala.startswith("2.12.")


@pytest.mark.parametrize("label", supported_labels())
def test_every_supported_release_renders_the_matching_bundle_in_every_format(label: str) -> None:
    release = all_releases()[label]
    artifact = f"spark-{release.spark_minor}-spline-agent-bundle_{release.scala_binary}-2.2.3.jar"
    out = render("--release-label", label, *BASE)
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc[0]["classification"] == "spark-defaults"
    props = doc[0]["properties"]
    assert props["spark.jars"].endswith("/" + artifact)
    assert props["spark.emrs.observe.tags"] == "team:data,env:prod"
    assert props["spark.spline.lineageDispatcher.emrs.location"] == "s3://lineage-bucket/spline/"

    as_properties = render("--release-label", label, *BASE, "--format", "properties")
    assert parse_properties(as_properties.output) == props
    terraform = render("--release-label", label, *BASE, "--format", "terraform").output
    assert terraform.startswith("runtime_configuration {\n") and 'classification = "spark-defaults"' in terraform
    for key, value in props.items():
        assert re.search(rf"^\s+{re.escape(json.dumps(key))}\s+= {re.escape(json.dumps(value))}$", terraform, re.M)


def test_terraform_output_escapes_template_sequences() -> None:
    out = render("--release-label", "emr-7.2.0", *BASE, "--vault-secret-path", "a/${b}", "--format", "terraform")
    assert '"a/$${b}"' in out.output


def test_every_supported_release_passes_the_scanner(tmp_path: Path) -> None:
    docs = []
    for index, label in enumerate(supported_labels()):
        runtime = json.loads(render("--release-label", label, *BASE).output)
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
    maven = json.loads(render("--release-label", "emr-6.15.0", *BASE[:-2], "--spline-from-maven").output)
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--release-label", "emr-9.9.0"], "is not in emrs-observe's table of EMR releases; supported: emr-6.8.0"),
        (["--release-label", "emr-6.6.0"], "needs Spark 3.3 or later"),
        (
            ["--release-label", "emr-7.2.0", "--spline-jar", "s3://a/spark-3.4-spline-agent-bundle_2.12-2.2.3.jar"],
            "needs spark-3.5-spline-agent-bundle_2.12-2.2.3.jar",
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
    assert "za/co/absa/spline/agent/spark/spark-3.5-spline-agent-bundle_2.12/2.2.3/" in out.output
    assert "--spline-jar" in out.output
