"""A TPC-H-like query job with the plugin's logs and metrics on, against the same job with neither,
and against logs alone; and what the metrics path itself costs.

Usage: .venv/bin/python -m benchmarks.plugin_metrics_tpch [SCALE] [REPETITIONS]
SCALE: lineitem rows in millions (default 3: 3M lineitem, 750k orders, 75k customers, 100k parts,
5k suppliers). REPETITIONS: drivers per configuration (default 3), alternating neither / logs /
logs+metrics. Each driver runs Spark in local-cluster mode (a driver JVM and two executor JVMs of one
core each, as EMR Serverless runs executors in JVMs of their own), with Spark's default INFO logging,
runs the queries twice unmeasured, then three times measured: TPC-H's Q1 (aggregation over lineitem), Q3
(customer x orders x lineitem), Q5 (six tables) and Q10 (four tables, top 20), over Parquet tables
generated once before any timing. Medians over all measured rounds of a configuration.

Also reported, from the drivers with metrics on: the CPU time of the metrics thread
("emrs-observe-metrics", read from /proc/<pid>/task) per minute of each JVM's life, on the driver and
on each executor; the compressed payload bytes per minute each JVM sent; the series and points per
collection. The logs intake is a JVM of its own (emrs.observe.bench.IntakeServer, as in
plugin_spark_1m.py); the series intake is tests/servers/datadog_series.py, which also checks every
payload with datadog-api-client's model. Hold the benchmark lock while timing:
flock /tmp/emrs_bench.lock .venv/bin/python -m benchmarks.plugin_metrics_tpch
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
JAR = ROOT / "plugin_jvm" / "target" / "emrs-observe-plugin.jar"
MASTER = "local-cluster[2,1,1536]"
WARMUP_ROUNDS = 2
MEASURED_ROUNDS = 3
CLK_TCK = os.sysconf("SC_CLK_TCK")

QUERIES = {
    "q1": """
        SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
               sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
               sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
               avg(l_quantity) AS avg_qty, avg(l_discount) AS avg_disc, count(*) AS count_order
        FROM lineitem WHERE l_shipdate <= date '1998-09-02'
        GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus""",
    "q3": """
        SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
        FROM customer JOIN orders ON c_custkey = o_custkey JOIN lineitem ON l_orderkey = o_orderkey
        WHERE c_mktsegment = 'BUILDING' AND o_orderdate < date '1995-03-15' AND l_shipdate > date '1995-03-15'
        GROUP BY l_orderkey, o_orderdate, o_shippriority ORDER BY revenue DESC, o_orderdate LIMIT 10""",
    "q5": """
        SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue
        FROM customer JOIN orders ON c_custkey = o_custkey JOIN lineitem ON l_orderkey = o_orderkey
             JOIN supplier ON l_suppkey = s_suppkey AND c_nationkey = s_nationkey
             JOIN nation ON s_nationkey = n_nationkey JOIN region ON n_regionkey = r_regionkey
        WHERE r_name = 'ASIA' AND o_orderdate >= date '1994-01-01' AND o_orderdate < date '1995-01-01'
        GROUP BY n_name ORDER BY revenue DESC""",
    "q10": """
        SELECT c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) AS revenue, n_name
        FROM customer JOIN orders ON c_custkey = o_custkey JOIN lineitem ON l_orderkey = o_orderkey
             JOIN nation ON c_nationkey = n_nationkey
        WHERE o_orderdate >= date '1993-10-01' AND o_orderdate < date '1994-01-01' AND l_returnflag = 'R'
        GROUP BY c_custkey, c_name, n_name ORDER BY revenue DESC LIMIT 20""",
}


def generate(spark: Any, data: str, scale: float) -> None:
    """TPC-H's tables and key relationships with values drawn from hashes of the row id."""
    lines = int(scale * 1_000_000)
    orders, customers, parts, suppliers = lines // 4, lines // 40, lines // 30, max(100, lines // 600)

    def h(salt: int, mod: int) -> str:
        return f"pmod(hash(id, {salt}), {mod})"

    spark.range(0, lines, numPartitions=8).selectExpr(
        "id div 4 AS l_orderkey", "id % 4 + 1 AS l_linenumber", f"{h(12, parts)} AS l_partkey",
        f"{h(13, suppliers)} AS l_suppkey", f"cast({h(14, 50)} + 1 AS decimal(12,2)) AS l_quantity",
        f"cast(({h(14, 50)} + 1) * ({h(15, 100000)} / 100.0 + 900) AS decimal(12,2)) AS l_extendedprice",
        f"cast({h(16, 11)} / 100.0 AS decimal(12,2)) AS l_discount",
        f"cast({h(17, 9)} / 100.0 AS decimal(12,2)) AS l_tax",
        f"element_at(array('A', 'N', 'R'), {h(18, 3)} + 1) AS l_returnflag",
        f"if({h(19, 2)} = 0, 'O', 'F') AS l_linestatus",
        f"date_add(date '1992-01-01', {h(20, 2500)}) AS l_shipdate",
    ).write.mode("overwrite").parquet(f"{data}/lineitem")
    spark.range(0, orders, numPartitions=4).selectExpr(
        "id AS o_orderkey", f"{h(1, customers)} AS o_custkey",
        f"date_add(date '1992-01-01', {h(2, 2400)}) AS o_orderdate",
        f"concat({h(3, 5)} + 1, '-PRIORITY') AS o_orderpriority", "0 AS o_shippriority",
    ).write.mode("overwrite").parquet(f"{data}/orders")
    spark.range(0, customers, numPartitions=2).selectExpr(
        "id AS c_custkey", "concat('Customer#', id) AS c_name", f"{h(21, 25)} AS c_nationkey",
        f"element_at(array('AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'), {h(22, 5)} + 1)"
        " AS c_mktsegment",
    ).write.mode("overwrite").parquet(f"{data}/customer")
    spark.range(0, suppliers, numPartitions=1).selectExpr(
        "id AS s_suppkey", f"{h(23, 25)} AS s_nationkey"
    ).write.mode("overwrite").parquet(f"{data}/supplier")
    spark.range(0, 25, numPartitions=1).selectExpr(
        "id AS n_nationkey", "concat('NATION', id) AS n_name", "id % 5 AS n_regionkey"
    ).write.mode("overwrite").parquet(f"{data}/nation")
    spark.createDataFrame(
        [(0, "AFRICA"), (1, "AMERICA"), (2, "ASIA"), (3, "EUROPE"), (4, "MIDDLE EAST")],
        "r_regionkey long, r_name string",
    ).write.mode("overwrite").parquet(f"{data}/region")


def metrics_thread_cpu(pids: list[int]) -> dict[int, dict[str, float]]:
    """Per JVM: CPU seconds of the plugin's metrics thread and of its log threads, and the JVM's age."""
    with open("/proc/stat") as f:
        boot = next(float(line.split()[1]) for line in f if line.startswith("btime"))
    out: dict[int, dict[str, float]] = {}
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        started = boot + int(fields[19]) / CLK_TCK
        cpu = {"metrics": 0.0, "logs": 0.0, "age_s": time.time() - started}
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                name = (task / "comm").read_text().strip()
                stat = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seconds = (int(stat[11]) + int(stat[12])) / CLK_TCK
            if name.startswith("emrs-observe-me"):
                cpu["metrics"] += seconds
            elif name.startswith("emrs-observe-lo"):
                cpu["logs"] += seconds
        out[pid] = cpu
    return out


def executor_pids(app_id: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"org.apache.spark.executor.CoarseGrainedExecutorBackend" in cmd and app_id.encode() in cmd:
                pids.append(int(proc.name))
    return pids


def child(spec_path: str) -> None:
    from pyspark.sql import SparkSession

    spec = json.loads(Path(spec_path).read_text())
    started = time.time()
    builder = SparkSession.builder.master(spec["master"]).appName("emrs-bench-tpch")
    for key, value in spec["conf"].items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("INFO")
    if spec.get("generate"):
        generate(spark, spec["data"], spec["scale"])
        spark.stop()
        return
    for table in ("lineitem", "orders", "customer", "supplier", "nation", "region"):
        spark.read.parquet(f"{spec['data']}/{table}").createOrReplaceTempView(table)

    def round_ms() -> float:
        t = time.monotonic()
        for sql in QUERIES.values():
            spark.sql(sql).collect()
        return (time.monotonic() - t) * 1000

    for _ in range(WARMUP_ROUNDS):
        round_ms()  # not timed: Spark compiles the queries' code and the JIT warms up (the first rounds are slower)
    rounds = [round_ms() for _ in range(MEASURED_ROUNDS)]
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    driver_pid = int(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getPid())
    app_id = spark.sparkContext.applicationId
    cpu = metrics_thread_cpu([driver_pid, *executor_pids(app_id)])
    result = {
        "rounds_ms": rounds,
        "driver_pid": driver_pid,
        "cpu": {str(k): v for k, v in cpu.items()},
        "alive_s": time.time() - started,
    }
    spark.stop()
    Path(spec["out"]).write_text(json.dumps(result))


def run(name: str, conf: dict[str, str], env: dict[str, str], work: Path, **spec: Any) -> dict[str, Any]:
    spec_path, out = work / f"{name}.json", work / f"{name}.out.json"
    spec_path.write_text(json.dumps({"conf": conf, "master": MASTER, "out": str(out), **spec}))
    import pyspark

    child_env = {**os.environ, "SPARK_HOME": str(Path(pyspark.__file__).parent), "PYTHONPATH": str(ROOT), **env}
    child_env.pop("PYSPARK_PYTHON", None)
    with open(work / f"{name}.stderr", "w") as err:
        subprocess.run([sys.executable, "-m", "benchmarks.plugin_metrics_tpch", "child", str(spec_path)],
                       env=child_env, stdout=subprocess.DEVNULL, stderr=err, check=True, cwd=ROOT)
    return json.loads(out.read_text()) if out.exists() else {}


def main() -> None:
    from benchmarks.plugin_spark_1m import _Intake
    from tests.servers.datadog_series import DatadogSeriesIntake

    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    subprocess.run(["bash", str(ROOT / "scripts" / "build_jvm.sh")], check=True)
    subprocess.run(["mvn", "-q", "-B", "-Pjmh", "test-compile"], cwd=ROOT / "plugin_jvm", check=True)
    work = Path(tempfile.mkdtemp(prefix="bench-tpch-"))
    data = str(work / "data")
    base = {"spark.ui.enabled": "false", "spark.driver.memory": "1536m", "spark.executor.memory": "1200m",
            "spark.sql.shuffle.partitions": "8", "spark.ui.showConsoleProgress": "false"}
    run("generate", base, {}, work, generate=True, data=data, scale=scale)
    logs_intake = _Intake()
    series = DatadogSeriesIntake().start()
    plugin = {**base, "spark.jars": str(JAR), "spark.plugins": "emrs.observe.spark.LoggerSparkPlugin",
              "spark.emrs.observe.datadog.url": logs_intake.logs_url}
    with_metrics = {**plugin, "spark.emrs.observe.metrics.enabled": "true",
                    "spark.emrs.observe.datadog.metricsUrl": series.series_url}
    env = {"DD_API_KEY": "0" * 32, "ROOT_LOG_LEVEL": "INFO"}
    configs = [("neither", base, {}), ("logs", plugin, env), ("logs+metrics", with_metrics, env)]
    results: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in configs}
    series_runs: list[dict[str, Any]] = []
    try:
        for i in range(reps):
            for name, conf, cenv in configs:
                before = len(series.accepted())
                start = time.time()
                result = run(f"{name}-{i}", conf, cenv, work, data=data)
                result["events"], result["intake_cpu_s"] = logs_intake.take() if name != "neither" else (0, 0.0)
                results[name].append(result)
                if name == "logs+metrics":
                    series_runs.append({"requests": series.accepted()[before:], "wall_s": time.time() - start,
                                        "result": result})
    finally:
        logs_intake.stop()
        series.stop()
    report(scale, reps, results, series_runs, series)
    print(f"details in {work}")


def report(scale: float, reps: int, results: dict[str, list[dict[str, Any]]], series_runs: list[dict[str, Any]],
           series: Any) -> None:
    def rounds(name: str) -> list[float]:
        return [r for res in results[name] for r in res["rounds_ms"]]

    base = statistics.median(rounds("neither"))
    print(f"TPC-H-like queries Q1, Q3, Q5, Q10 over {scale:g}M lineitem rows, {MASTER} (driver + 2 executor JVMs), "
          f"Spark's INFO logging; {reps} drivers per configuration, {MEASURED_ROUNDS} measured rounds each after "
          f"{WARMUP_ROUNDS} unmeasured; medians of all measured rounds:")
    for name in results:
        med = statistics.median(rounds(name))
        spread = f"{min(rounds(name)):.0f}-{max(rounds(name)):.0f}"
        print(f"  {name:<13} {med:8.0f} ms  ({(med - base) / base * 100:+.1f}% against neither; rounds {spread} ms)")
    events = [r["events"] for r in results["logs+metrics"]]
    print(f"  log events received per driver (logs+metrics): {events}")
    invalid = series.invalid()
    print(f"  metric payloads refused by the local series intake: {len(invalid)}")
    driver_cpu: list[float] = []
    executor_cpu: list[float] = []
    driver_bytes: list[float] = []
    executor_bytes: list[float] = []
    per_collection: list[tuple[str, float]] = []
    for s in series_runs:
        cpu = s["result"]["cpu"]
        driver_pid = str(s["result"]["driver_pid"])
        for pid, c in cpu.items():
            per_min = c["metrics"] / (c["age_s"] / 60)
            (driver_cpu if pid == driver_pid else executor_cpu).append(per_min * 1000)
        by_jvm: dict[str, int] = {}
        stamps: dict[str, set[int]] = {}
        points: dict[str, int] = {}
        for r in s["requests"]:
            body = r.json()["series"]
            tags = (t for x in body for t in x.get("tags", []))
            executor = next((t.split(":", 1)[1] for t in tags if t.startswith("executor_id:")), "driver")
            by_jvm[executor] = by_jvm.get(executor, 0) + len(r.body)
            points[executor] = points.get(executor, 0) + len(body)
            stamps.setdefault(executor, set()).update(p["timestamp"] for x in body for p in x["points"])
        minutes = s["wall_s"] / 60
        for jvm, b in by_jvm.items():
            (driver_bytes if jvm == "driver" else executor_bytes).append(b / minutes)
            per_collection.append((jvm, points[jvm] / max(1, len(stamps[jvm]))))
    print("Metrics path (drivers with metrics on), medians:")
    print(f"  CPU of the metrics thread per minute of JVM life: driver {statistics.median(driver_cpu):.0f} ms/min, "
          f"each executor {statistics.median(executor_cpu):.0f} ms/min")
    print(f"  payload bytes sent per minute (gzip, as received): driver {statistics.median(driver_bytes):,.0f} B/min, "
          f"each executor {statistics.median(executor_bytes):,.0f} B/min")
    drv = [n for jvm, n in per_collection if jvm == "driver"]
    exe = [n for jvm, n in per_collection if jvm != "driver"]
    print(f"  points per collection: driver {statistics.median(drv):.0f}, each executor {statistics.median(exe):.0f}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "child":
        child(sys.argv[2])
    else:
        main()
