"""Fixtures for the JVM plugin tests: the built jar, a real OpenBao, and a runner for Spark jobs.

Each Spark job runs in its own Python process (tests/plugin/spark_job.py): Spark plugins live
once per JVM, so every plugin configuration needs a fresh driver. Jobs run on PySpark 3.5 (this
venv) or PySpark 4.0 (`.venv-spark4`, made by scripts/setup.sh), started either as `python job.py`
(Python launches the JVM) or as `spark-submit job.py` (the JVM launches Python, as EMR does).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers.datadog_intake import DatadogIntake
from tests.servers.openbao import OpenBao

ROOT = Path(__file__).resolve().parents[2]
JOB = Path(__file__).resolve().parent / "spark_job.py"
JAR = ROOT / "plugin_jvm" / "target" / "emrs-observe-plugin.jar"
PLUGIN = "emrs.observe.spark.LoggerSparkPlugin"
# Variables of the outer environment that would change what the plugin does.
_SCRUB = ("AWS_", "VAULT_", "DD_", "ROOT_LOG_LEVEL", "LOG_LEVEL", "EMR_", "SPARK_", "PYSPARK_")
SPARK4_VENV = ROOT / ".venv-spark4"


@dataclass(frozen=True)
class SparkDist:
    """A PySpark installation: the interpreter that runs the job and its workers, and pyspark's
    directory (SPARK_HOME: jars, bin/spark-submit)."""

    name: str
    python: Path
    pyspark_dir: Path

    @property
    def major(self) -> int:
        return int(self.name.split(".")[0])


def spark35() -> SparkDist:
    import pyspark

    return SparkDist("3.5", Path(sys.executable), Path(pyspark.__file__).resolve().parent)


def spark40() -> SparkDist:
    found = sorted(SPARK4_VENV.glob("lib/python3*/site-packages/pyspark/__init__.py"))
    if not (SPARK4_VENV / "bin" / "python").exists() or not found:
        pytest.fail(f"PySpark 4.0 is not installed in {SPARK4_VENV}: run `bash scripts/setup.sh`")
    return SparkDist("4.0", SPARK4_VENV / "bin" / "python", found[0].parent)


SPARK_DISTS = {"3.5": spark35, "4.0": spark40}


@pytest.fixture(scope="session")
def plugin_jar() -> Path:
    """The shaded plugin jar, built by the project's own script when sources changed."""
    subprocess.run(["bash", str(ROOT / "scripts" / "build_jvm.sh")], check=True)
    assert JAR.is_file(), f"{JAR} was not built"
    return JAR


@pytest.fixture(scope="session")
def api_key() -> str:
    return "ddkey" + secrets.token_hex(16)


@pytest.fixture(scope="session")
def openbao(api_key: str) -> Iterator[OpenBao]:
    bao = OpenBao().start()
    try:
        bao.setup_datadog_key(api_key)
        yield bao
    finally:
        bao.stop()


@pytest.fixture
def intake() -> Iterator[DatadogIntake]:
    server = DatadogIntake().start()
    try:
        yield server
    finally:
        server.stop()


def events_with(events: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """The shipped events whose message contains `text`."""
    return [e for e in events if text in str(e.get("message", ""))]


def closed_port() -> int:
    """A port nothing listens on: connections are refused, as with a server that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def plugin_conf(jar: Path, intake_url: str) -> dict[str, str]:
    # The jar only in spark.jars, as a user adds it on EMR Serverless: Spark, not the JVM's
    # class path, loads the plugin, and log4j has cached its plugin list before our jar arrives.
    return {
        "spark.jars": str(jar),
        "spark.plugins": PLUGIN,
        "spark.emrs.observe.datadog.url": intake_url,
        "spark.emrs.observe.datadog.flushIntervalMs": "200",
        "spark.sql.shuffle.partitions": "2",
        "spark.ui.port": "0",
        "spark.ui.showConsoleProgress": "false",
        "spark.executor.memory": "512m",
    }


def vault_conf(bao: OpenBao, method: str, role: str | None = None) -> dict[str, str]:
    conf = {
        "spark.emrs.observe.vault.addr": bao.addr,
        "spark.emrs.observe.vault.authMethod": method,
        "spark.emrs.observe.vault.kvMount": "secret",
        "spark.emrs.observe.vault.secretPath": "datadog/emrs",
        "spark.emrs.observe.vault.secretField": "api_key",
    }
    if role is not None:
        conf["spark.emrs.observe.vault.authRole"] = role
    return conf


@dataclass
class JobRun:
    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any]
    workdir: Path

    def warnings(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("emrs-observe WARNING")]

    def executor_logs(self) -> str:
        """stdout/stderr of the executors a local-cluster master started."""
        work = self.workdir / "spark_home" / "work"
        parts = [p.read_text(errors="replace") for p in work.rglob("std*") if p.is_file()]
        return "\n".join(parts)


def _spark_home(workdir: Path, dist: SparkDist) -> Path:
    """pyspark's own SPARK_HOME, mirrored by symlinks: a local-cluster worker writes executor
    logs to SPARK_HOME/work, which must land in the test's directory, not in the venv."""
    source = dist.pyspark_dir
    home = workdir / "spark_home"
    home.mkdir(exist_ok=True)
    for child in source.iterdir():
        link = home / child.name
        if child.name != "work" and not link.exists():
            link.symlink_to(child)
    return home


def run_job(
    workdir: Path,
    conf: dict[str, str],
    env: dict[str, str] | None = None,
    *,
    lines: int = 10,
    master: str = "local[2]",
    wait_metric: tuple[str, int] | None = None,
    lineage: dict[str, Any] | None = None,
    sleep_s: float = 0,
    timeout_s: float = 180,
    spark: SparkDist | None = None,
    submit: bool = False,
    python_output: bool = False,
    reconfigure: str | None = None,
    script: Path = JOB,
    extra: dict[str, Any] | None = None,
) -> JobRun:
    """Runs tests/plugin/spark_job.py on `spark` (default PySpark 3.5). `submit`: through
    spark-submit with the conf as --conf, so the JVM is the parent of the Python driver.
    `python_output`: the job also prints, logs with Python's logging, and dies of an exception.
    `reconfigure`: URI of a log4j2 configuration the job loads itself mid-way. `script`: another job
    that reads the same spec and writes a report (tests/plugin/metrics_job.py); `extra`: its own
    spec fields."""
    dist = spark or spark35()
    workdir.mkdir(parents=True, exist_ok=True)
    spec = {
        "python_output": python_output,
        "reconfigure": reconfigure,
        "conf": {} if submit else conf,
        "lines": lines,
        "master": master,
        "wait_metric": list(wait_metric) if wait_metric else None,
        "lineage": lineage,
        "sleep_s": sleep_s,
        **(extra or {}),
    }
    (workdir / "spec.json").write_text(json.dumps(spec))
    report_path = workdir / "report.json"
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
    child_env.update(
        {
            "PYSPARK_PYTHON": str(dist.python),
            "SPARK_HOME": str(_spark_home(workdir, dist)),
            "PYTHONPATH": str(ROOT),
        }
    )
    child_env.update(env or {})
    args = [str(script), str(workdir / "spec.json"), str(report_path)]
    if submit:
        home = Path(child_env["SPARK_HOME"])
        confs = [a for k, v in conf.items() for a in ("--conf", f"{k}={v}")]
        command = [str(home / "bin" / "spark-submit"), "--master", master, *confs, *args]
    else:
        command = [str(dist.python), *args]
    proc = subprocess.run(
        command,
        cwd=workdir,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    return JobRun(proc.returncode, proc.stdout, proc.stderr, report, workdir)
