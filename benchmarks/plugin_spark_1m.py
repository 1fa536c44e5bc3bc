"""Spark logging 1M lines: wall time with the plugin against without it, and heap growth while
the Datadog intake is down (should stay within datadog.bufferMaxBytes).

Usage: .venv/bin/python benchmarks/plugin_spark_1m.py [LINES] [REPETITIONS] [job|loop]
(the third argument runs only that part; by default both, then the intake-down heap run)
Two shapes of load, each configuration in its own Spark driver (plugins are per JVM), REPETITIONS
drivers per configuration (default 3), alternating without the plugin, with it (logs alone) and with
its metrics on as well (metrics.enabled=true, default interval, a local series API receiver):
- a Spark job (emrs.observe.bench.LoggingJob) whose tasks log one line per 20 rows while they
  derive a value from each row, shuffle and write Parquet: the plugin as a chatty job meets it.
  Each driver runs it JOB_WARMUPS + 1 times unmeasured (Spark compiles new code for every query,
  and the JIT's work otherwise dominates the spread), then JOB_ROUNDS times measured. Besides wall
  time it reports the CPU time of the JVM's threads by group (task threads, the plugin's threads,
  JIT compiler, GC, the rest) read from /proc, which tells what the plugin costs where;
- the worst case: one driver thread that does nothing but log (emrs.observe.bench.LogLoad), where
  the plugin's cost per line is compared with the console appender's alone (200k warm-up lines
  first, not timed; with the plugin they are shipped too).
Lines are logged from the JVM so that py4j is not what is measured. Both configurations log
through the same log4j2 configuration (Spark's default, console appender to stderr, which goes to a
file here). The intake (emrs.observe.bench.IntakeServer) runs in its own JVM on the same cores and
reports its CPU time. Medians are reported; every run with the plugin must have delivered every
line it logged. On this 2-core VM, drivers of the same configuration differ by up to 30 % from
each other (JIT and memory layout), more than runs within a driver do: compare medians over
several drivers, never single runs.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyspark

ROOT = Path(__file__).resolve().parent.parent
# The Spark job logs one line per this many rows it processes.
JOB_ROWS_PER_LINE = 20
# Runs of the job in each driver that warm up the JIT (after a small one), then measured runs.
JOB_WARMUPS = 3
JOB_ROUNDS = 3

JAR = ROOT / "plugin_jvm" / "target" / "emrs-observe-plugin.jar"
BENCH_CLASSES = ROOT / "plugin_jvm" / "target" / "test-classes"


class _Intake:
    """The intake (emrs.observe.bench.IntakeServer) in a JVM of its own: it keeps the gzip bodies and
    counts their events only between runs, and reports the CPU it spent serving each run, which is
    the same cores' time the job and the plugin compete for (in production it is Datadog's)."""

    def __init__(self) -> None:
        jars = Path(pyspark.__file__).parent / "jars"
        classpath = ":".join([str(BENCH_CLASSES), *(str(j) for j in sorted(jars.glob("jackson-core-2*.jar")))])
        self.proc = subprocess.Popen(["java", "-Xmx512m", "-cp", classpath, "emrs.observe.bench.IntakeServer"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stdin is not None
        first = self.proc.stdout.readline().split()
        if first[:1] != ["PORT"]:
            raise RuntimeError(f"the benchmark intake did not start: {first}")
        self.logs_url = f"http://127.0.0.1:{first[1]}/api/v2/logs"
        # Requests received per take(): events per request is what each request's fixed cost is spread over.
        self.requests: list[int] = []

    def take(self) -> tuple[int, float]:
        """The events received since the last call, and the CPU seconds spent receiving them."""
        assert self.proc.stdout is not None and self.proc.stdin is not None
        self.proc.stdin.write("take\n")
        self.proc.stdin.flush()
        events, cpu_ms, requests = self.proc.stdout.readline().split()
        self.requests.append(int(requests))
        return int(events), int(cpu_ms) / 1000

    def discard(self) -> None:
        """Forgets what was received since the last take (the runs with metrics, reported apart)."""
        self.take()
        self.requests.pop()

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=30)


def child(spec_path: str) -> None:
    from pyspark.sql import SparkSession

    spec = json.loads(Path(spec_path).read_text())
    builder = SparkSession.builder.master("local[2]").appName("emrs-bench-1m")
    for key, value in spec["conf"].items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("INFO")
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    if spec.get("job"):
        job = jvm.emrs.observe.bench.LoggingJob

        def once(rows: int, out: str) -> dict[str, object]:
            elapsed, logged, cpu = str(job.run(spark._jsparkSession, rows, spec["every"], spec["partitions"],
                                               out)).split(",")
            by_group = {k: int(v) for k, v in (kv.split("=") for kv in cpu.split(";"))}
            return {"elapsed_ms": int(elapsed), "lines": int(logged), "cpu_ms": by_group}

        # Not timed: a small run, then full ones, so that the JIT has compiled the job (and the
        # plugin) before the measured runs; compiling otherwise takes a third of a run's CPU and
        # varies from run to run more than the plugin costs.
        once(spec["rows"] // 10, spec["out"] + ".warm")
        for i in range(JOB_WARMUPS):
            once(spec["rows"], spec["out"] + f".warm{i}")
        runs = [once(spec["rows"], spec["out"] + f".{i}") for i in range(spec["rounds"])]
        spark.stop()
        Path(spec["out"]).write_text(json.dumps({"runs": runs}))
        return
    elapsed_ms, heap_before, heap_after, gc_ms, shipper_cpu_ms, logging_cpu_ms = (
        int(x) for x in jvm.emrs.observe.bench.LogLoad.run(spec["warmup"], spec["lines"]).split(",")
    )
    stop_start = time.monotonic()
    spark.stop()
    result = {
        "elapsed_ms": elapsed_ms,
        "heap_growth_bytes": heap_after - heap_before,
        "gc_ms": gc_ms,
        "shipper_cpu_ms": shipper_cpu_ms,
        "logging_cpu_ms": logging_cpu_ms,
        "stop_s": round(time.monotonic() - stop_start, 2),
    }
    Path(spec["out"]).write_text(json.dumps(result))


def run(name: str, conf: dict[str, str], lines: int, env: dict[str, str], workdir: Path,
        warmup: int = 0, job: dict[str, int] | None = None) -> dict[str, Any]:
    spec = workdir / f"{name}.json"
    out = workdir / f"{name}.out.json"
    spec.write_text(json.dumps({"conf": conf, "lines": lines, "warmup": warmup, "out": str(out), **(job or {}),
                                "job": job is not None}))
    started = time.monotonic()
    with open(workdir / f"{name}.stderr", "w") as err:
        subprocess.run(
            [sys.executable, __file__, "child", str(spec)], env={**os.environ, **env}, stdout=subprocess.DEVNULL,
            stderr=err, check=True, cwd=workdir,
        )
    result: dict[str, Any] = json.loads(out.read_text())
    result["process_s"] = round(time.monotonic() - started, 2)
    return result


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    only = sys.argv[3] if len(sys.argv) > 3 else ""
    warmup = 200_000
    subprocess.run(["bash", str(ROOT / "scripts" / "build_jvm.sh")], check=True)
    subprocess.run(["mvn", "-q", "-B", "-Pjmh", "test-compile"], cwd=ROOT / "plugin_jvm", check=True)
    cp = f"{JAR}:{BENCH_CLASSES}"
    base = {"spark.driver.extraClassPath": cp, "spark.ui.enabled": "false", "spark.driver.memory": "1g"}
    sys.path.insert(0, str(ROOT))  # run as a script: the repository's tests package is the series receiver
    from tests.servers.datadog_series import DatadogSeriesIntake

    intake = _Intake()
    series = DatadogSeriesIntake().start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        down_port = s.getsockname()[1]
    plugin = {**base, "spark.plugins": "emrs.observe.spark.LoggerSparkPlugin"}
    metrics = {"spark.emrs.observe.metrics.enabled": "true", "spark.emrs.observe.datadog.metricsUrl": series.series_url}
    work = Path(tempfile.mkdtemp(prefix="bench-1m-"))
    env = {"DD_API_KEY": "bench-key", "ROOT_LOG_LEVEL": "INFO"}
    withouts: list[dict[str, float]] = []
    withs: list[dict[str, float]] = []
    received: list[int] = []
    job = {"rows": lines * JOB_ROWS_PER_LINE, "every": JOB_ROWS_PER_LINE, "partitions": 40, "rounds": JOB_ROUNDS}
    job_withouts: list[dict[str, Any]] = []
    job_withs: list[dict[str, Any]] = []
    job_received: list[int] = []
    job_intake_cpu: list[float] = []
    job_metrics: list[dict[str, Any]] = []
    loop_metrics: list[dict[str, float]] = []
    try:
        for i in range(reps if only in ("", "job") else 0):
            job_withouts.extend(run(f"job-without{i}", base, lines, {}, work, job=job)["runs"])
            driver = run(f"job-with{i}", {**plugin, "spark.emrs.observe.datadog.url": intake.logs_url},
                         lines, env, work, job=job)
            job_withs.extend(driver["runs"])
            events, cpu_s = intake.take()
            job_received.append(events)
            job_intake_cpu.append(cpu_s)
            job_metrics.extend(run(f"job-metrics{i}", {**plugin, **metrics, "spark.emrs.observe.datadog.url":
                                                       intake.logs_url}, lines, env, work, job=job)["runs"])
            intake.discard()
        for i in range(reps if only in ("", "loop") else 0):
            withouts.append(run(f"without{i}", base, lines, {}, work, warmup))
            withs.append(run(
                f"with{i}", {**plugin, "spark.emrs.observe.datadog.url": intake.logs_url,
                             "spark.emrs.observe.datadog.bufferMaxBytes": "64m"}, lines, env, work, warmup,
            ))
            events, cpu_s = intake.take()
            received.append(events)
            withs[-1]["intake_cpu_s"] = cpu_s
            loop_metrics.append(run(
                f"metrics{i}", {**plugin, **metrics, "spark.emrs.observe.datadog.url": intake.logs_url,
                                "spark.emrs.observe.datadog.bufferMaxBytes": "64m"}, lines, env, work, warmup,
            ))
            intake.discard()
        # No warm-up here: the heap is measured from before the first line to after the last.
        down = None if only else run(
            "down", {**plugin, "spark.emrs.observe.datadog.url": f"http://127.0.0.1:{down_port}/api/v2/logs",
                     "spark.emrs.observe.datadog.bufferMaxBytes": "16m",
                     "spark.emrs.observe.datadog.shutdownTimeoutMs": "1000"}, lines, env, work,
        )
    finally:
        intake.stop()
        series.stop()

    if job_withs:
        _report_job(job, reps, job_withouts, job_withs, job_received, job_metrics)
        print(f"  requests received by the intake per driver: {intake.requests[:len(job_received)]}")
        print(f"  CPU of the local intake (its own JVM, same cores) per driver ({JOB_ROUNDS + JOB_WARMUPS + 1} "
              f"runs), median: {statistics.median(job_intake_cpu)} s")
        print()
    if withs:
        _report_loop(lines, warmup, reps, withouts, withs, received, loop_metrics)
        print(f"requests received by the intake per run with the plugin: {intake.requests[-len(received):]}")
    print(f"metric payloads received: {len(series.accepted())}, refused by the receiver: {len(series.invalid())}")
    if down is not None:
        print(f"intake down, bufferMaxBytes=16m: heap growth after GC {down['heap_growth_bytes'] / 2**20:.1f} MiB "
              f"(the buffer's bound plus the batches in flight; process wall time {down['process_s']} s)")
    print(f"details in {work}")


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def _report_job(job: dict[str, int], reps: int, withouts: list[dict[str, Any]], withs: list[dict[str, Any]],
                received: list[int], with_metrics: list[dict[str, Any]]) -> None:
    without, with_ = _median(withouts, "elapsed_ms"), _median(withs, "elapsed_ms")
    rounds = job["rounds"]
    print(f"Spark job (local[2], {job['rows']:,} rows in {job['partitions']} tasks, a line logged every "
          f"{job['every']} rows = {int(withs[0]['lines']):,} lines from the task threads, shuffle, Parquet "
          f"write); {reps} drivers each, {rounds} measured runs per driver after {JOB_WARMUPS + 1} warm-up runs; "
          f"medians; "
          f"default plugin settings:")
    print(f"  without plugin: {without:.0f} ms; runs: {[int(r['elapsed_ms']) for r in withouts]}")
    print(f"  with plugin:    {with_:.0f} ms  -> {(with_ - without) / without * 100:+.1f}%; "
          f"runs: {[int(r['elapsed_ms']) for r in withs]}")
    if with_metrics:
        metrics_ms = _median(with_metrics, "elapsed_ms")
        print(f"  with plugin and metrics: {metrics_ms:.0f} ms  -> {(metrics_ms - without) / without * 100:+.1f}%, "
              f"{(metrics_ms - with_) / with_ * 100:+.1f}% against logs alone; "
              f"runs: {[int(r['elapsed_ms']) for r in with_metrics]}; the metrics thread's CPU per run, median: "
              f"{statistics.median(r['cpu_ms']['metrics'] for r in with_metrics):.0f} ms")

    def cpu(runs: list[dict[str, Any]], group: str) -> float:
        return float(statistics.median(r["cpu_ms"][group] for r in runs))

    groups = ("tasks", "plugin", "metrics", "jit", "gc", "other")
    total_without = sum(cpu(withouts, g) for g in groups)
    total_with = sum(cpu(withs, g) for g in groups)
    print("  CPU time per run by thread group, medians (ms), without -> with: " + ", ".join(
        f"{g} {cpu(withouts, g):.0f} -> {cpu(withs, g):.0f}" for g in groups)
        + f"; sum {total_without:.0f} -> {total_with:.0f} ({(total_with - total_without) / total_without * 100:+.1f}%)")
    lines = withs[0]["lines"]
    per_line = (cpu(withs, "tasks") - cpu(withouts, "tasks") + cpu(withs, "plugin")) * 1e6 / lines
    print(f"  the plugin's CPU per line logged: {per_line:.0f} ns (task threads' extra + the plugin's threads, "
          f"Spark's own lines included in the plugin's share)")
    print(f"  events received by the intake per driver with the plugin (lines + Spark's own, "
          f"{rounds + JOB_WARMUPS + 1} runs): {received}")


def _report_loop(lines: int, warmup: int, reps: int, withouts: list[dict[str, float]],
                 withs: list[dict[str, float]], received: list[int], with_metrics: list[dict[str, float]]) -> None:
    without_ms, with_ms = _median(withouts, "elapsed_ms"), _median(withs, "elapsed_ms")
    extra = (with_ms - without_ms) / max(1.0, without_ms) * 100
    print("Worst case: a driver thread that does nothing but log:")
    print(f"lines logged on the driver thread: {lines} (after {warmup} warm-up lines), {reps} runs each, medians")
    print(f"without plugin: {without_ms:.0f} ms (console appender only); runs: "
          f"{[int(r['elapsed_ms']) for r in withouts]}")
    print(f"with plugin:    {with_ms:.0f} ms  -> {extra:+.1f}%; runs: {[int(r['elapsed_ms']) for r in withs]}")
    if with_metrics:
        metrics_ms = _median(with_metrics, "elapsed_ms")
        print(f"with plugin and metrics: {metrics_ms:.0f} ms  -> {(metrics_ms - without_ms) / without_ms * 100:+.1f}%, "
              f"{(metrics_ms - with_ms) / with_ms * 100:+.1f}% against logs alone; "
              f"runs: {[int(r['elapsed_ms']) for r in with_metrics]}")
    print(f"logging thread CPU median: without {_median(withouts, 'logging_cpu_ms'):.0f} ms, with "
          f"{_median(withs, 'logging_cpu_ms'):.0f} ms; plugin threads' CPU median "
          f"{_median(withs, 'shipper_cpu_ms'):.0f} ms")
    print(f"GC time median without {_median(withouts, 'gc_ms'):.0f} ms, with {_median(withs, 'gc_ms'):.0f} ms")
    print(f"CPU time of the local intake (its own JVM, same cores) per run with the plugin, median: "
          f"{_median(withs, 'intake_cpu_s')} s")
    print(f"events received by the intake per run with the plugin (>= {lines + warmup} expected, plus Spark's "
          f"own lines): {received}")
    print(f"heap growth after GC, median: without {_median(withouts, 'heap_growth_bytes') / 2**20:.1f} MiB, "
          f"with {_median(withs, 'heap_growth_bytes') / 2**20:.1f} MiB")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "child":
        child(sys.argv[2])
    else:
        main()
