"""Lineage capture through OpenLineage, end to end up to the objects in S3: a Spark job enabled only
by the spark-defaults `defaults render` prints, the real OpenLineage listener (1.53.0), our `emrs`
transport from the plugin jar, and a moto S3.

- PySpark 4.0, `emr-spark-8.0.0` defaults: both jars in `spark.jars` only;
- PySpark 3.5, `emr-7.2.0` defaults with `--lineage-agent openlineage`;
- PySpark 4.0 laid out as `emr-spark-8.2.0` runs it: OpenLineage on the JVM's class path with its
  listener registered (as EMR does), our jar in `spark.jars`, the rendered composite transport
  keeping AWS Glue's feed (a stand-in for AWS's closed transport, tests/lineage/glue_standin/), S3
  down: the job succeeds with one warning, and a second `emrs` transport to a `file://` location
  writes its objects.

One Spark run per configuration (a module fixture), shared by the assertions. Each capture keeps
where its objects are (`Capture.location`), for the steps that read them back.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from datahub.emitter.mce_builder import make_dataset_urn
from datahub.emitter.mcp import MetadataChangeProposalWrapper
from datahub.ingestion.source.file import read_metadata_file
from datahub.metadata.schema_classes import DataFlowInfoClass, DataJobInputOutputClass

from emrs_observe.defaults import contract
from emrs_observe.defaults.render import RenderRequest, render_properties
from emrs_observe.lineage.naming import DatasetNamer
from tests.conftest import JARS, ROOT, free_port, s3a_conf
from tests.plugin.conftest import spark35, spark40

pytestmark = pytest.mark.spark

JOB = Path(__file__).resolve().parent / "agent_job.py"
GLUE_STANDIN = Path(__file__).resolve().parent / "glue_standin" / "GlueStandInTransportBuilder.java"
PLUGIN_JAR = ROOT / "plugin_jvm" / "target" / "emrs-observe-plugin.jar"
S3A_JARS = [JARS / "hadoop-aws-3.3.4.jar", JARS / "aws-java-sdk-bundle-1.12.262.jar"]
OPENLINEAGE_VERSION = contract.DEFAULT_OPENLINEAGE_VERSION
BUCKET, PREFIX = "ol-lineage", "openlineage"
_SCRUB = ("AWS_", "VAULT_", "DD_", "EMR_", "SPARK_", "PYSPARK_", "OPENLINEAGE")
JOB_ENV = {"EMR_SERVERLESS_APPLICATION_ID": "00fapp8", "EMR_SERVERLESS_JOB_RUN_ID": "00frun8"}
# What the rendered defaults leave out of every event (docs/plugin.md).
LEFT_OUT = (*contract.OPENLINEAGE_HEAVY_FACETS, *contract.OPENLINEAGE_REDUNDANT_FACETS)
# Hadoop 3.4 (PySpark 4.0) writes these s3a defaults with time units, which the hadoop-aws 3.3.4
# that the tests fetch (for PySpark 3.5's Hadoop) reads as plain numbers. Only s3a:// in the tests
# needs this: on EMR, EMRFS serves s3://.
HADOOP_34_S3A = {
    "spark.hadoop.fs.s3a.threads.keepalivetime": "60",
    "spark.hadoop.fs.s3a.connection.establish.timeout": "2000",
    "spark.hadoop.fs.s3a.connection.timeout": "2000",
    "spark.hadoop.fs.s3a.multipart.purge.age": "86400",
}


@dataclass
class Capture:
    """One Spark run and the lineage objects it left: `location` is what `lineage run --source` reads."""

    returncode: int
    stdout: str
    stderr: str
    props: dict[str, str]  # the rendered spark-defaults, before they were localised
    location: str = ""
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> object

    @property
    def report(self) -> dict[str, Any]:
        lines = [line for line in self.stdout.splitlines() if line.startswith('{"rows"')]
        return json.loads(lines[-1]) if lines else {}

    def warnings(self, about: str = "") -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("emrs-observe WARNING") and about in line]


def render(release: str, vault_port: int, **extra: Any) -> dict[str, str]:
    """What an administrator puts in the application's spark-defaults, from `defaults render`."""
    return render_properties(RenderRequest(
        release_label=release, plugin_jar="s3://acme-artifacts/emrs-observe-plugin-0.1.0.jar",
        openlineage_jar="s3://acme-artifacts/openlineage/", lineage_location=f"s3://{BUCKET}/{PREFIX}/",
        vault_addr=f"http://127.0.0.1:{vault_port}", vault_role="emr-jobs", tags=(("team", "data"),), **extra,
    ))


def localise(props: dict[str, str], s3_endpoint: str) -> dict[str, str]:
    """The rendered defaults on this machine: the same keys and values, except that the staged jars
    are the local ones, s3a's jars are added (EMR has EMRFS) and S3 is moto."""
    conf = dict(props)
    local = []
    for jar in props[contract.SPARK_JARS].split(","):
        name = jar.rsplit("/", 1)[-1]
        path = PLUGIN_JAR if contract.PLUGIN_JAR_NAME.match(name) else JARS / name
        assert path.is_file(), f"spark.jars names {jar}, which this test cannot stage: run scripts/setup.sh"
        local.append(str(path))
    conf[contract.SPARK_JARS] = ",".join([*local, *map(str, S3A_JARS)])
    conf.update({
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "2",
        **s3a_conf(s3_endpoint),
        **HADOOP_34_S3A,
    })
    return conf


def run_job(python: Path, tmp: Path, conf: dict[str, str], lake: str, env: dict[str, str]) -> Capture:
    tmp.mkdir(parents=True, exist_ok=True)
    spec = tmp / "spec.json"
    spec.write_text(json.dumps({"conf": conf, "lake": lake}))
    job_env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
    job_env.update({"PYSPARK_PYTHON": str(python), "PYTHONPATH": str(ROOT), **env})
    proc = subprocess.run([str(python), str(JOB), str(spec)], cwd=tmp, env=job_env, capture_output=True, text=True,
                          timeout=300, check=False)
    return Capture(proc.returncode, proc.stdout, proc.stderr, {})


@pytest.fixture(scope="module")
def s3(moto_server: str) -> Any:
    client = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    for bucket in (BUCKET, "ol-lake-4", "ol-lake-3"):
        client.create_bucket(Bucket=bucket)
    return client


def collect(s3: Any, prefix: str) -> dict[str, dict[str, Any]]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {o["Key"]: json.loads(s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()) for o in listed}


def capture_to_s3(python: Path, release: str, tmp: Path, s3: Any, moto_server: str, lake: str,
                  **extra: Any) -> Capture:
    props = render(release, free_port(), **extra)
    run = run_job(python, tmp, localise(props, moto_server), lake, {**JOB_ENV, "EMR_RELEASE_LABEL": release})
    run.props = props
    app_id = run.report.get("app_id", "-")
    run.location = f"s3://{BUCKET}/{PREFIX}/"
    run.objects = collect(s3, f"{PREFIX}/") if app_id == "-" else {
        k: v for k, v in collect(s3, f"{PREFIX}/").items() if f"/{app_id}/" in k
    }
    return run


@pytest.fixture(scope="module")
def plugin_jar() -> Path:
    subprocess.run(["bash", str(ROOT / "scripts" / "build_jvm.sh")], check=True)
    assert PLUGIN_JAR.is_file(), f"{PLUGIN_JAR} was not built"
    return PLUGIN_JAR


@pytest.fixture(scope="module")
def spark4_capture(plugin_jar: Path, s3: Any, moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Capture:
    return capture_to_s3(spark40().python, "emr-spark-8.0.0", tmp_path_factory.mktemp("spark4"), s3, moto_server,
                         "s3a://ol-lake-4")


@pytest.fixture(scope="module")
def spark3_capture(plugin_jar: Path, s3: Any, moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Capture:
    return capture_to_s3(spark35().python, "emr-7.2.0", tmp_path_factory.mktemp("spark3"), s3, moto_server,
                         "s3a://ol-lake-3", lineage_agent="openlineage")


LAYOUT = re.compile(r"^(?P<prefix>.+)/dt=(?P<dt>\d{4}-\d\d-\d\d)/hour=(?P<hour>\d\d)/(?P<app>[^/]+)/"
                    r"(?P<ms>\d{13})-(?P<run>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$")


def check_objects(run: Capture, release: str, scala: str) -> None:
    """Everything the contract of docs/architecture.md promises about one run's objects."""
    import datetime as dt

    assert run.returncode == 0, run.stderr[-4000:]
    assert run.report["rows"] == 2
    app_id = run.report["app_id"]
    # the rendered defaults, as the application has them: jars in spark.jars only
    assert not [k for k in run.props if "extraClassPath" in k]
    assert run.props[contract.SPARK_JARS].endswith(f"/openlineage-spark_{scala}-{OPENLINEAGE_VERSION}.jar")
    assert run.warnings("lineage") == [], run.warnings()
    assert run.warnings("Vault")  # the Vault the defaults name is down: the plugin says so, the job goes on

    # one object per execution that wrote data: the two seed writes and the revenue write
    assert len(run.objects) == 3, sorted(run.objects)
    outputs = set()
    for key, doc in run.objects.items():
        where = LAYOUT.match(key)
        assert where and where["prefix"] == PREFIX and where["app"] == app_id, key
        assert doc["format"] == "emrs-observe.openlineage" and doc["version"] == 1
        assert doc["job"] == {
            "sparkAppId": app_id, "sparkAppName": "revenue-daily", "emrApplicationId": "00fapp8",
            "emrJobRunId": "00frun8", "releaseLabel": release, "tags": {"team": "data"},
        }
        events = doc["events"]
        assert {e["run"]["runId"] for e in events} == {where["run"]}
        assert events[0]["eventType"] == "START" and events[-1]["eventType"] == "COMPLETE"
        times = [dt.datetime.fromisoformat(e["eventTime"].replace("Z", "+00:00")) for e in events]
        assert times == sorted(times)
        last = times[-1].astimezone(dt.timezone.utc)
        assert int(where["ms"]) == int(last.timestamp() * 1000)  # the key holds the last event's time
        assert (where["dt"], where["hour"]) == (last.strftime("%Y-%m-%d"), last.strftime("%H"))
        for event in events:
            assert f"/{OPENLINEAGE_VERSION}/integration/spark" in event["producer"]
            assert event["job"]["facets"]["jobType"]["jobType"] == "SQL_JOB"
            assert not set(event["run"].get("facets", {})) & set(LEFT_OUT), sorted(event["run"]["facets"])
        outputs |= {o["name"].rsplit("/", 2)[-2] + "/" + o["name"].rsplit("/", 1)[-1]
                    for e in events for o in e.get("outputs", [])}
    assert outputs == {"in/orders", "in/customers", "out/revenue"}

    # the revenue write: its column lineage and both inputs, as OpenLineage sent them
    [revenue] = [d for d in run.objects.values()
                 if any(o["name"].endswith("out/revenue") for e in d["events"] for o in e.get("outputs", []))]
    lineage = [o["facets"]["columnLineage"] for e in revenue["events"] for o in e.get("outputs", [])
               if "columnLineage" in o.get("facets", {})]
    assert lineage, "no columnLineage facet on any event of the revenue write"
    fields = lineage[-1]["fields"]
    assert set(fields) == {"country", "revenue", "tag"}
    [amount] = fields["revenue"]["inputFields"]
    assert amount["name"].endswith("in/orders") and amount["field"] == "amount"
    assert amount["transformations"][0]["subtype"] == "AGGREGATION"
    assert lineage[-1]["dataset"], "spark.openlineage.columnLineage.datasetLineageEnabled: indirect edges per dataset"
    inputs = {i["name"].rsplit("/", 1)[-1] for e in revenue["events"] for i in e.get("inputs", [])}
    assert inputs == {"orders", "customers"}


def test_spark_4_with_the_rendered_defaults_writes_one_openlineage_object_per_write(spark4_capture: Capture) -> None:
    check_objects(spark4_capture, "emr-spark-8.0.0", "2.13")
    assert spark4_capture.props[contract.SPARK_EXTRA_LISTENERS] == contract.OPENLINEAGE_LISTENER_CLASS


def test_spark_3_with_lineage_agent_openlineage_writes_the_same_objects(spark3_capture: Capture) -> None:
    check_objects(spark3_capture, "emr-7.2.0", "2.12")
    assert not [k for k in spark3_capture.props if "spline" in k]


# --- emr-spark-8.2.0's layout, S3 down, and a file:// location --------------------------------


@pytest.fixture(scope="module")
def glue_standin_jar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stand-in for AWS's Glue transport, compiled against OpenLineage's own jar."""
    out = tmp_path_factory.mktemp("glue")
    openlineage = JARS / f"openlineage-spark_2.13-{OPENLINEAGE_VERSION}.jar"
    subprocess.run(["javac", "--release", "17", "-nowarn", "-cp", str(openlineage), "-d", str(out / "classes"),
                    str(GLUE_STANDIN)], check=True, capture_output=True)
    services = out / "classes" / "META-INF" / "services"
    services.mkdir(parents=True)
    (services / "io.openlineage.client.transports.TransportBuilder").write_text(
        "emrs.observe.tests.GlueStandInTransportBuilder\n")
    jar = out / "glue-standin.jar"
    subprocess.run(["jar", "cf", str(jar), "-C", str(out / "classes"), "."], check=True)
    return jar


@pytest.fixture(scope="module")
def emr_82_capture(plugin_jar: Path, glue_standin_jar: Path, tmp_path_factory: pytest.TempPathFactory) -> Capture:
    tmp = tmp_path_factory.mktemp("emr82")
    props = render("emr-spark-8.2.0", free_port(), aws_region="eu-west-1")
    conf = localise(props, f"http://127.0.0.1:{free_port()}")  # nothing listens there: S3 is down
    # What EMR adds on emr-spark-8.2.0: its OpenLineage build on the JVM's class path (here the
    # public 1.53.0 jar, and the stand-in for its Glue transport) and the listener registered.
    classpath = f"{JARS / f'openlineage-spark_2.13-{OPENLINEAGE_VERSION}.jar'}:{glue_standin_jar}"
    conf["spark.driver.extraClassPath"] = classpath
    conf[contract.SPARK_EXTRA_LISTENERS] = contract.OPENLINEAGE_LISTENER_CLASS
    # A second transport of ours to a local folder, as a local run would write its lineage.
    local = tmp / "local-lineage"
    conf[contract.openlineage_child("local", "type")] = contract.OPENLINEAGE_TRANSPORT_TYPE
    conf[contract.openlineage_child("local", "location")] = local.as_uri() + "/"
    glue_events = tmp / "glue-events.jsonl"
    run = run_job(spark40().python, tmp / "job", conf, str(tmp / "lake"),
                  {**JOB_ENV, "EMR_RELEASE_LABEL": "emr-spark-8.2.0", "EMRS_TEST_GLUE_EVENTS": str(glue_events)})
    run.props = props
    run.location = local.as_uri() + "/"
    run.objects = {str(p.relative_to(local)): json.loads(p.read_text()) for p in sorted(local.rglob("*.json"))}
    run.stdout += "".join(f"\nGLUE {line}" for line in (glue_events.read_text().splitlines()
                                                         if glue_events.exists() else []))
    return run


def test_emr_82_layout_with_s3_down_the_job_succeeds_with_one_warning(emr_82_capture: Capture) -> None:
    run = emr_82_capture
    assert run.returncode == 0, run.stderr[-4000:]
    assert run.report["rows"] == 2
    # the rendered 8.2 defaults carry no OpenLineage jar or listener: EMR brings both
    assert run.props[contract.SPARK_JARS] == "s3://acme-artifacts/emrs-observe-plugin-0.1.0.jar"
    failures = run.warnings("not written")
    assert len(failures) == 1, run.stderr[-4000:]  # three executions failed; the rest is only counted
    assert failures[0].startswith("emrs-observe WARNING: lineage object s3a://ol-lineage/openlineage/dt=")
    assert "The Spark job continues" in failures[0]


def test_emr_82_layout_keeps_glues_feed_beside_ours(emr_82_capture: Capture) -> None:
    glue = [line.split("\t", 1) for line in emr_82_capture.stdout.splitlines() if line.startswith("GLUE ")]
    assert glue, "the composite transport sent nothing to the Glue transport"
    assert {region for region, _ in glue} == {"GLUE eu-west-1"}
    written = {json.loads(event)["run"]["runId"] for _, event in glue if json.loads(event).get("outputs")}
    ours = {doc["events"][0]["run"]["runId"] for doc in emr_82_capture.objects.values()}
    assert ours and ours <= written  # Glue got every execution we wrote, while our S3 was down


def test_a_file_location_gets_the_same_objects(emr_82_capture: Capture) -> None:
    run = emr_82_capture
    app_id = run.report["app_id"]
    assert len(run.objects) == 3, sorted(run.objects)
    assert all(LAYOUT.match(f"{PREFIX}/{key}") for key in run.objects), sorted(run.objects)
    assert all(f"/{app_id}/" in f"/{key}" for key in run.objects)
    assert {doc["job"]["releaseLabel"] for doc in run.objects.values()} == {"emr-spark-8.2.0"}
    local = Path(run.location.removeprefix("file://"))
    assert not [p for p in local.rglob("*") if p.is_file() and not p.name.endswith(".json")]  # nothing half-written


def lineage_run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).parent / "emrs-observe"
    return subprocess.run([str(cli), "lineage", "run", *args, "--format", "json"], capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=ROOT, timeout=300, check=False)


def test_what_both_captures_wrote_reaches_a_datahub_file_through_lineage_run(
    spark4_capture: Capture, spark3_capture: Capture, moto_server: str, tmp_path: Path
) -> None:
    # Both runs wrote under the same prefix, as every application of a platform does.
    assert spark4_capture.location == spark3_capture.location == f"s3://{BUCKET}/{PREFIX}/"
    sink = tmp_path / "mcps.json"
    aws = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": moto_server}
    done = lineage_run("--source", spark4_capture.location, "--sink", f"file:{sink}", "--state",
                       str(tmp_path / "state.json"), env=aws)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    assert summary["by_form"] == {"emrs-observe-openlineage": 6} and summary["executions"] == 6, summary

    records = list(read_metadata_file(sink))
    assert len(records) == summary["proposals"]
    aspects = [r.aspect for r in records if isinstance(r, MetadataChangeProposalWrapper)]
    namer = DatasetNamer()
    for lake, release in (("ol-lake-4", "emr-spark-8.0.0"), ("ol-lake-3", "emr-7.2.0")):
        revenue, orders, customers = (make_dataset_urn(d.platform, d.name, "PROD") for d in (
            namer.for_uri(f"s3a://{lake}/{path}") for path in ("out/revenue", "in/orders", "in/customers")))
        [job_io] = [a for a in aspects if isinstance(a, DataJobInputOutputClass)
                    and [e.destinationUrn for e in a.outputDatasetEdges or []] == [revenue]]
        assert {e.destinationUrn for e in job_io.inputDatasetEdges or []} == {orders, customers}
        columns = {
            tuple(g.downstreams or ()): (sorted(g.upstreams or ()), g.transformOperation)
            for g in job_io.fineGrainedLineages or ()
        }
        field = "urn:li:schemaField:({},{})".format
        assert columns[(field(revenue, "revenue"),)] == ([field(orders, "amount")], "AGGREGATION")
        assert columns[(field(revenue, "country"),)] == ([field(customers, "country")], "IDENTITY")
        # the same DataFlow as a Spline capture of the job: named by the application, with its job metadata
        flows = [a.customProperties for a in aspects if isinstance(a, DataFlowInfoClass)
                 and a.name == "revenue-daily" and a.customProperties.get("releaseLabel") == release]
        assert len(flows) == 3  # sent with each of the run's three writes
        assert all({"emrApplicationId": "00fapp8", "sparkAppName": "revenue-daily"}.items() <= f.items()
                   for f in flows), flows

    again = lineage_run("--source", spark4_capture.location, "--sink", f"file:{sink}", "--state",
                        str(tmp_path / "state.json"), env=aws)
    assert again.returncode == 0 and json.loads(again.stdout)["executions"] == 0, again.stdout + again.stderr
