"""The whole lineage chain with the real Spline agent: a Spark job enabled only by spark-defaults,
what the agent and a dispatcher wrote, `emrs-observe lineage run`, and what DataHub receives.

- our `emrs` dispatcher, configured exactly as `defaults render` prints it (jars in `spark.jars`
  only), writing lineage objects to a moto S3 → `lineage run` → a DataHub recorder;
- the same dispatcher with S3 down: the Spark job succeeds, one warning, nothing else;
- Spline's own `hdfs` (`_LINEAGE` next to the data) and `console` dispatchers → `lineage run`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from datahub.emitter.mce_builder import make_dataset_urn

from emrs_observe.defaults import contract
from emrs_observe.defaults.render import RenderRequest, render_properties
from emrs_observe.defaults.spline import bundle_from_jar
from emrs_observe.lineage.naming import DatasetNamer
from tests.conftest import JARS, ROOT, free_port, s3a_conf
from tests.servers.datahub_gms import DataHubRecorder

pytestmark = pytest.mark.spark

JOB = Path(__file__).resolve().parent / "agent_job.py"
PLUGIN_JAR = ROOT / "plugin_jvm" / "target" / "emrs-observe-plugin.jar"
S3A_JARS = [JARS / "hadoop-aws-3.3.4.jar", JARS / "aws-java-sdk-bundle-1.12.262.jar"]
_SCRUB = ("AWS_", "VAULT_", "DD_", "EMR_", "SPARK_")


@pytest.fixture(scope="module")
def jars() -> tuple[Path, Path]:
    """The plugin jar the project's build makes, and the Spline bundle the set-up resolved."""
    subprocess.run(["bash", str(ROOT / "scripts" / "build_jvm.sh")], check=True)
    bundles = sorted(JARS.glob("spark-3.5-spline-agent-bundle_2.12-*.jar"))
    assert PLUGIN_JAR.is_file() and bundles, "run scripts/setup.sh: the plugin jar or the Spline bundle is missing"
    return PLUGIN_JAR, bundles[-1]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        lines = [line for line in self.stdout.splitlines() if line.startswith('{"rows"')]
        return json.loads(lines[-1]) if lines else {}


def run_job(tmp: Path, conf: dict[str, str], lake: str) -> Run:
    tmp.mkdir(parents=True, exist_ok=True)
    spec = tmp / "spec.json"
    spec.write_text(json.dumps({"conf": conf, "lake": lake}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
    env.update({"PYSPARK_PYTHON": sys.executable, "PYTHONPATH": str(ROOT)})
    proc = subprocess.run([sys.executable, str(JOB), str(spec)], cwd=tmp, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def rendered_defaults(bundle: Path, closed_port: int) -> dict[str, str]:
    """What an administrator puts in the application's spark-defaults, from `defaults render`."""
    found = bundle_from_jar(bundle.name)
    assert found is not None and found.version
    return render_properties(RenderRequest(
        release_label="emr-7.2.0", plugin_jar="s3://acme-artifacts/emrs-observe-plugin-0.1.0.jar",
        spline_jar="s3://acme-artifacts/spline/", spline_version=found.version,
        lineage_location="s3://agent-lineage/spline/", vault_addr=f"http://127.0.0.1:{closed_port}",
        vault_role="emr-jobs", tags=(("team", "data"),),
    ))


def localise(props: dict[str, str], plugin: Path, bundle: Path, s3_endpoint: str) -> dict[str, str]:
    """The rendered defaults on this machine: the same keys and values, except that the staged
    jars are the local builds, s3a's jars are added (EMR has EMRFS), and S3 is moto."""
    conf = dict(props)
    local = []
    for jar in props[contract.SPARK_JARS].split(","):
        name = jar.rsplit("/", 1)[-1]
        if contract.PLUGIN_JAR_NAME.match(name):
            local.append(str(plugin))
        else:
            assert name == bundle.name, f"spark.jars names {jar}, which this test cannot stage"
            local.append(str(bundle))
    conf[contract.SPARK_JARS] = ",".join([*local, *map(str, S3A_JARS)])
    conf.update({
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "2",
        **s3a_conf(s3_endpoint),
        "spark.hadoop.fs.s3a.connection.establish.timeout": "2000",
        "spark.hadoop.fs.s3a.connection.timeout": "2000",
    })
    return conf


def lineage_run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).parent / "emrs-observe"
    return subprocess.run([str(cli), "lineage", "run", *args, "--format", "json"], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=ROOT, timeout=300, check=False)


@pytest.fixture
def s3(aws_env: str) -> Iterator[Any]:
    client = boto3.client("s3", endpoint_url=aws_env, region_name="us-east-1")
    # The moto server is shared by the whole session: buckets of this module's own.
    for bucket in ("agent-lake", "agent-lineage"):
        client.create_bucket(Bucket=bucket)
    yield client


def field(dataset_urn: str, column: str) -> str:
    return f"urn:li:schemaField:({dataset_urn},{column})"


def test_rendered_defaults_write_lineage_objects_to_s3_that_reach_datahub(
    jars: tuple[Path, Path], s3: Any, aws_env: str, tmp_path: Path, datahub: DataHubRecorder
) -> None:
    plugin, bundle = jars
    props = rendered_defaults(bundle, free_port())
    assert "spark.driver.extraClassPath" not in props and "spark.executor.extraClassPath" not in props
    run = run_job(tmp_path, localise(props, plugin, bundle, aws_env), "s3a://agent-lake")
    assert run.returncode == 0, run.stderr[-4000:]
    assert run.report["rows"] == 2
    app_id = run.report["app_id"]
    # The Vault named in the defaults is down: the plugin warns and the job goes on.
    assert "emrs-observe WARNING" in run.stderr

    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="agent-lineage", Prefix="spline/")["Contents"])
    layout = re.compile(rf"^spline/dt=\d{{4}}-\d\d-\d\d/hour=\d\d/{re.escape(app_id)}/\d{{13}}-[0-9a-f-]{{36}}\.json$")
    assert len(keys) == 3 and all(layout.match(k) for k in keys), keys  # two seed writes and the job's write
    doc = json.loads(s3.get_object(Bucket="agent-lineage", Key=keys[-1])["Body"].read())
    found = bundle_from_jar(bundle.name)
    assert found is not None
    assert doc["executionPlan"]["agentInfo"] == {"name": "spline", "version": found.version}
    assert doc["job"]["sparkAppName"] == "revenue-daily" and doc["job"]["tags"] == {"team": "data"}

    done = lineage_run("--source", "s3://agent-lineage/spline/", "--sink", f"datahub:{datahub.url}")
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    assert summary["executions"] == 3 and summary["by_form"] == {"emrs-observe-object": 3}
    assert not datahub.parse_errors

    namer = DatasetNamer()
    revenue, orders, customers = (make_dataset_urn(d.platform, d.name, "PROD") for d in (
        namer.for_uri(f"s3a://agent-lake/{path}") for path in ("out/revenue", "in/orders", "in/customers")))
    columns = datahub.column_lineage(revenue)
    assert columns["revenue"] == ([field(orders, "amount")], "AGGREGATION")
    assert columns["country"] == ([field(customers, "country")], "IDENTITY")
    assert field(customers, "country") in columns["tag"][0]
    upstreams = datahub.aspect(revenue, "upstreamLineage")["upstreams"]
    assert set(upstreams) == {orders, customers}


def test_unreachable_s3_never_fails_the_job_and_warns_once(jars: tuple[Path, Path], tmp_path: Path) -> None:
    plugin, bundle = jars
    props = rendered_defaults(bundle, free_port())
    conf = localise(props, plugin, bundle, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    run = run_job(tmp_path / "job", conf, str(tmp_path / "lake"))
    assert run.returncode == 0, run.stderr[-4000:]
    assert run.report["rows"] == 2
    failures = [line for line in run.stderr.splitlines()
                if line.startswith("emrs-observe WARNING: lineage object") and "not written" in line]
    assert len(failures) == 1, run.stderr[-4000:]  # three executions failed; the rest is only counted
    assert "The Spark job continues" in failures[0]


def test_splines_own_hdfs_and_console_dispatchers_are_read_too(jars: tuple[Path, Path], tmp_path: Path) -> None:
    _plugin, bundle = jars
    lake = tmp_path / "lake"
    conf = {
        "spark.jars": str(bundle),
        "spark.sql.queryExecutionListeners": contract.SPLINE_LISTENER_CLASS,
        "spark.spline.lineageDispatcher": "composite",
        "spark.spline.lineageDispatcher.composite.dispatchers": "hdfs,console",
        "spark.spline.lineageDispatcher.console.stream": "OUT",
        "spark.driver.extraJavaOptions": "--add-opens=java.base/sun.net.www.protocol.jar=ALL-UNNAMED",
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "2",
    }
    run = run_job(tmp_path / "job", conf, str(lake))
    assert run.returncode == 0, run.stderr[-4000:]
    lineage_files = sorted(lake.rglob("_LINEAGE"))
    assert len(lineage_files) == 3, lineage_files  # one per output folder
    stdout_log = tmp_path / "driver" / "stdout"
    stdout_log.parent.mkdir()
    stdout_log.write_text(run.stdout)

    for source, form in ((lake, "spline-hdfs"), (stdout_log.parent, "spline-console")):
        sink = tmp_path / f"{form}.json"
        done = lineage_run("--source", str(source), "--sink", f"file:{sink}")
        assert done.returncode == 0, done.stdout + done.stderr
        summary = json.loads(done.stdout)
        assert summary["by_form"] == {form: 1 if form == "spline-console" else 3}, summary
        assert summary["executions"] == 3
        text = sink.read_text()
        assert "out/revenue" in text and "AGGREGATION" in text
