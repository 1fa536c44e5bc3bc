"""The dispatcher's writer inside a real Spark driver: lineage objects go to a moto S3 server
through s3a:// (and s3:// mapped to s3a:// outside EMR), at the key layout of docs/architecture.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import JARS, ROOT, s3a_conf
from tests.plugin.conftest import run_job

pytestmark = pytest.mark.spark

BARE = ROOT / "examples" / "spline-forms" / "bare"
EVENT_MS = 1767225600123  # 2026-01-01T00:00:00.123Z


def _plan(plan_id: str) -> dict[str, Any]:
    return {
        "id": plan_id,
        "name": "emrs-plugin-test",
        "operations": {
            "write": {"id": "op-0", "outputSource": "s3a://warehouse/out", "append": False, "childIds": ["op-1"]},
            "reads": [{"id": "op-2", "inputSources": ["s3a://warehouse/in"], "output": ["attr-0"]}],
            "other": [{"id": "op-1", "childIds": ["op-2"], "output": ["attr-0"], "name": "Project"}],
        },
        "attributes": [{"id": "attr-0", "name": "id", "dataType": "long"}],
        "systemInfo": {"name": "spark", "version": "3.5.1"},
        "agentInfo": {"name": "spline", "version": "2.2.0"},
    }


def _event(plan_id: str, ts: int) -> dict[str, Any]:
    return {"planId": plan_id, "timestamp": ts, "durationNs": 1000, "labels": {}}


def test_lineage_objects_land_in_s3_at_the_documented_keys(
    plugin_jar: Path, moto_server: str, tmp_path: Path
) -> None:
    s3 = boto3.client(
        "s3", endpoint_url=moto_server, aws_access_key_id="testing", aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket="lineage")
    jars = [str(plugin_jar), str(JARS / "hadoop-aws-3.3.4.jar"), str(JARS / "aws-java-sdk-bundle-1.12.262.jar")]
    conf = {
        "spark.jars": ",".join(jars),
        "spark.driver.extraClassPath": ":".join(jars),
        "spark.ui.port": "0",
        "spark.sql.shuffle.partitions": "2",
        "spark.emrs.observe.tags": "team:data",
        **s3a_conf(moto_server),
    }
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    items = [
        {"plan": json.dumps(_plan(first)), "event": json.dumps(_event(first, EVENT_MS))},
        {"plan": json.dumps(_plan(second)), "event": json.dumps(_event(second, EVENT_MS + 3_600_000))},
        # A mismatched pair is refused with a message, not written half-right.
        {"plan": json.dumps(_plan(first)), "event": json.dumps(_event(second, EVENT_MS))},
        # A full Spline v1.2 plan and event, for the Python side to read back below.
        {"plan": (BARE / "plan-v1.2.json").read_text(), "event": (BARE / "event-v1.2.json").read_text()},
    ]
    run = run_job(
        tmp_path, conf, {"EMR_SERVERLESS_APPLICATION_ID": "00fapp", "EMR_RELEASE_LABEL": "emr-7.1.0"},
        lines=1, lineage={"location": "s3://lineage/spline/", "items": items},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    app_id = run.report["app_id"]
    keys = run.report["lineage_keys"]
    assert keys[0] == f"s3a://lineage/spline/dt=2026-01-01/hour=00/{app_id}/{EVENT_MS}-{first}.json"
    assert keys[1] == f"s3a://lineage/spline/dt=2026-01-01/hour=01/{app_id}/{EVENT_MS + 3_600_000}-{second}.json"
    assert keys[2] is None
    assert keys[3].startswith(f"s3a://lineage/spline/dt=2025-11-21/hour=10/{app_id}/1763719262000-")
    assert run.report["lineage_counters"] == {"written": 3, "retried": 0, "failed": 0, "rejected": 1}
    assert any(
        f"execution event's planId '{second}' does not match the plan id '{first}'" in w for w in run.warnings()
    )

    listed = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="lineage", Prefix="spline/")["Contents"])
    assert listed == sorted(k.removeprefix("s3a://lineage/") for k in keys if k)
    obj = json.loads(s3.get_object(Bucket="lineage", Key=keys[0].removeprefix("s3a://lineage/"))["Body"].read())
    assert obj["format"] == "emrs-observe.lineage" and obj["version"] == 1
    assert obj["executionPlan"] == _plan(first)
    assert obj["executionEvent"] == _event(first, EVENT_MS)
    assert obj["job"] == {
        "sparkAppId": app_id, "sparkAppName": "emrs-plugin-test", "emrApplicationId": "00fapp",
        "emrJobRunId": None, "releaseLabel": "emr-7.1.0", "tags": {"team": "data"},
    }

    # The contract with the Python side: `emrs-observe lineage run` reads the objects as written.
    sink = tmp_path / "datahub.json"
    env = {
        **os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": moto_server,
    }
    cli = subprocess.run(
        [str(Path(sys.executable).parent / "emrs-observe"), "lineage", "run", "--source", "s3://lineage/spline/",
         "--sink", f"file:{sink}", "--format", "json"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert '"emrs-observe-object": 3' in cli.stdout, cli.stdout
    assert "country_revenue" in sink.read_text()


def test_a_write_that_keeps_failing_is_counted_and_the_job_goes_on(
    plugin_jar: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the lineage directory should be")
    plan_id = str(uuid.uuid4())
    items = [{"plan": json.dumps(_plan(plan_id)), "event": json.dumps(_event(plan_id, EVENT_MS))}]
    conf = {"spark.jars": str(plugin_jar), "spark.driver.extraClassPath": str(plugin_jar), "spark.ui.port": "0"}
    run = run_job(tmp_path / "job", conf, lines=1, lineage={"location": blocker.as_uri() + "/", "items": items})
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.report["rows"] == 7
    assert run.report["lineage_keys"] == [None]
    assert run.report["lineage_counters"] == {"written": 0, "retried": 2, "failed": 1, "rejected": 0}
    [warning] = [w for w in run.warnings() if "lineage object" in w]
    assert "not written after 3 attempts" in warning and "lineage of this execution is missing" in warning

