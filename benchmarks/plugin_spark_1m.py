"""Spark logging 1M lines: wall time with the plugin against without it, and heap growth while
the Datadog intake is down (should stay within datadog.bufferMaxBytes).

Usage: .venv/bin/python benchmarks/plugin_spark_1m.py [LINES] [REPETITIONS]
Two shapes of load, each configuration in its own Spark driver (plugins are per JVM):
- a Spark job (emrs.observe.bench.LoggingJob) whose tasks log one line per 20 rows while they
  derive a value from each row, shuffle and write Parquet: the plugin as a chatty job meets it;
- the worst case: one driver thread that does nothing but log (emrs.observe.bench.LogLoad), where
  the plugin's cost per line is compared with the console appender's alone.
Lines are logged from the JVM so that py4j is not what is measured. Both configurations log
through the same log4j2 configuration (Spark's default, console appender to stderr, which goes to a
file here) and log the same 200k warm-up lines first (not timed; with the plugin they are shipped
too). The runs without and with the plugin alternate, REPETITIONS times (default 5), and the
medians are reported; every run with the plugin must have delivered every line it logged.
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

ROOT = Path(__file__).resolve().parent.parent
# The Spark job logs one line per this many rows it processes.
JOB_ROWS_PER_LINE = 20

JAR = ROOT / "plugin_jvm" / "target" / "emrs-observe-plugin.jar"
BENCH_CLASSES = ROOT / "plugin_jvm" / "target" / "test-classes"


class _CountingIntake:
    """A minimal intake for throughput: keeps the gzip bodies, answers 202 in one TCP segment.
    (The tests' RecordingServer writes headers and body separately without TCP_NODELAY, so every
    request waits out a delayed ACK: fine for tests, but it would cap a benchmark at ~25 req/s.)"""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        bodies: list[bytes] = []
        self.bodies = bodies

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                bodies.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                self.wfile.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        import threading

        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.logs_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v2/logs"

    def events(self) -> int:
        import gzip

        return sum(len(json.loads(gzip.decompress(b))) for b in self.bodies)

    def take_events(self) -> int:
        """The events received since the last call."""
        n = self.events()
        self.bodies.clear()
        return n

    def stop(self) -> None:
        self.server.shutdown()


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
        # A smaller run first, not timed, so that both configurations are measured warm.
        job.run(spark._jsparkSession, spec["rows"] // 10, spec["every"], 8, spec["out"] + ".warm")
        elapsed, logged = (int(x) for x in job.run(
            spark._jsparkSession, spec["rows"], spec["every"], spec["partitions"], spec["out"] + ".parquet"
        ).split(","))
        spark.stop()
        Path(spec["out"]).write_text(json.dumps({"elapsed_ms": elapsed, "lines": logged}))
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
        warmup: int = 0, job: dict[str, int] | None = None) -> dict[str, float]:
    spec = workdir / f"{name}.json"
    out = workdir / f"{name}.out.json"
    spec.write_text(json.dumps({"conf": conf, "lines": lines, "warmup": warmup, "out": str(out), **(job or {}),
                                "job": job is not None}))
    started = time.monotonic()
    # This process serves the intake: its CPU time is the intake's share of the same cores.
    cpu_started = time.process_time()
    with open(workdir / f"{name}.stderr", "w") as err:
        subprocess.run(
            [sys.executable, __file__, "child", str(spec)], env={**os.environ, **env}, stdout=subprocess.DEVNULL,
            stderr=err, check=True, cwd=workdir,
        )
    result = json.loads(out.read_text())
    result["process_s"] = round(time.monotonic() - started, 2)
    result["intake_cpu_s"] = round(time.process_time() - cpu_started, 2)
    return result


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    warmup = 200_000
    subprocess.run(["bash", str(ROOT / "scripts" / "build_jvm.sh")], check=True)
    subprocess.run(["mvn", "-q", "-B", "-Pjmh", "test-compile"], cwd=ROOT / "plugin_jvm", check=True)
    cp = f"{JAR}:{BENCH_CLASSES}"
    base = {"spark.driver.extraClassPath": cp, "spark.ui.enabled": "false", "spark.driver.memory": "1g"}
    intake = _CountingIntake()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        down_port = s.getsockname()[1]
    plugin = {**base, "spark.plugins": "emrs.observe.spark.LoggerSparkPlugin"}
    work = Path(tempfile.mkdtemp(prefix="bench-1m-"))
    env = {"DD_API_KEY": "bench-key", "ROOT_LOG_LEVEL": "INFO"}
    withouts: list[dict[str, float]] = []
    withs: list[dict[str, float]] = []
    received: list[int] = []
    job = {"rows": lines * JOB_ROWS_PER_LINE, "every": JOB_ROWS_PER_LINE, "partitions": 40}
    job_withouts: list[dict[str, float]] = []
    job_withs: list[dict[str, float]] = []
    job_received: list[int] = []
    try:
        for i in range(reps):
            job_withouts.append(run(f"job-without{i}", base, lines, {}, work, job=job))
            job_withs.append(run(f"job-with{i}", {**plugin, "spark.emrs.observe.datadog.url": intake.logs_url},
                                 lines, env, work, job=job))
            job_received.append(intake.take_events())
        for i in range(reps):
            withouts.append(run(f"without{i}", base, lines, {}, work, warmup))
            withs.append(run(
                f"with{i}", {**plugin, "spark.emrs.observe.datadog.url": intake.logs_url,
                             "spark.emrs.observe.datadog.bufferMaxBytes": "64m"}, lines, env, work, warmup,
            ))
            received.append(intake.take_events())
        # No warm-up here: the heap is measured from before the first line to after the last.
        down = run(
            "down", {**plugin, "spark.emrs.observe.datadog.url": f"http://127.0.0.1:{down_port}/api/v2/logs",
                     "spark.emrs.observe.datadog.bufferMaxBytes": "16m",
                     "spark.emrs.observe.datadog.shutdownTimeoutMs": "1000"}, lines, env, work,
        )
    finally:
        intake.stop()

    def median(runs: list[dict[str, float]], key: str) -> float:
        return float(statistics.median(r[key] for r in runs))

    job_without, job_with = median(job_withouts, "elapsed_ms"), median(job_withs, "elapsed_ms")
    print(f"Spark job (local[2], {job['rows']:,} rows in {job['partitions']} tasks, a line logged every "
          f"{job['every']} rows = {int(job_withs[0]['lines']):,} lines from the task threads, shuffle, Parquet "
          f"write), {reps} runs each, medians, default plugin settings:")
    print(f"  without plugin: {job_without:.0f} ms; runs: {[int(r['elapsed_ms']) for r in job_withouts]}")
    print(f"  with plugin:    {job_with:.0f} ms  -> {(job_with - job_without) / job_without * 100:+.1f}%; "
          f"runs: {[int(r['elapsed_ms']) for r in job_withs]}")
    print(f"  events received by the intake per run with the plugin (lines + Spark's own): {job_received}")
    print()
    without_ms, with_ms = median(withouts, "elapsed_ms"), median(withs, "elapsed_ms")
    extra = (with_ms - without_ms) / max(1.0, without_ms) * 100
    print("Worst case: a driver thread that does nothing but log:")
    print(f"lines logged on the driver thread: {lines} (after {warmup} warm-up lines), {reps} runs each, medians")
    print(f"without plugin: {without_ms:.0f} ms (console appender only); runs: "
          f"{[int(r['elapsed_ms']) for r in withouts]}")
    print(f"with plugin:    {with_ms:.0f} ms  -> {extra:+.1f}%; runs: {[int(r['elapsed_ms']) for r in withs]}")
    print(f"while the timed lines were logged: GC time median without {median(withouts, 'gc_ms'):.0f} ms, "
          f"with {median(withs, 'gc_ms'):.0f} ms; shipper thread CPU median {median(withs, 'shipper_cpu_ms'):.0f} ms")
    print(f"CPU time of the local intake (this Python process, same cores) per run with the plugin, median: "
          f"{median(withs, 'intake_cpu_s')} s")
    print(f"events received by the intake per run with the plugin (>= {lines + warmup} expected, plus Spark's "
          f"own lines): {received}")
    print(f"intake down, bufferMaxBytes=16m: heap growth after GC {down['heap_growth_bytes'] / 2**20:.1f} MiB "
          f"(baseline runs: median {median(withouts, 'heap_growth_bytes') / 2**20:.1f} MiB)")
    print(f"process wall time, medians: without {median(withouts, 'process_s')} s, "
          f"with {median(withs, 'process_s')} s, down {down['process_s']} s")
    print(f"details in {work}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "child":
        child(sys.argv[2])
    else:
        main()
