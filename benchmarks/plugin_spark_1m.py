"""A Spark driver logging 1M lines: wall time with the plugin against without it, and heap
growth while the Datadog intake is down (should stay within datadog.bufferMaxBytes).

Usage: .venv/bin/python benchmarks/plugin_spark_1m.py [LINES]
Each configuration runs in its own Spark driver (plugins are per JVM). Lines are logged from the
JVM (emrs.observe.bench.LogLoad) so that py4j is not what is measured. Prints the figures.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

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
    elapsed_ms, heap_before, heap_after = (int(x) for x in jvm.emrs.observe.bench.LogLoad.run(spec["lines"]).split(","))
    stop_start = time.monotonic()
    spark.stop()
    result = {
        "elapsed_ms": elapsed_ms,
        "heap_growth_bytes": heap_after - heap_before,
        "stop_s": round(time.monotonic() - stop_start, 2),
    }
    Path(spec["out"]).write_text(json.dumps(result))


def run(name: str, conf: dict[str, str], lines: int, env: dict[str, str], workdir: Path) -> dict[str, float]:
    spec = workdir / f"{name}.json"
    out = workdir / f"{name}.out.json"
    spec.write_text(json.dumps({"conf": conf, "lines": lines, "out": str(out)}))
    started = time.monotonic()
    with open(workdir / f"{name}.stderr", "w") as err:
        subprocess.run(
            [sys.executable, __file__, "child", str(spec)], env={**os.environ, **env}, stdout=subprocess.DEVNULL,
            stderr=err, check=True, cwd=workdir,
        )
    result = json.loads(out.read_text())
    result["process_s"] = round(time.monotonic() - started, 2)
    return result


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
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
    try:
        without = run("without", base, lines, {}, work)
        with_plugin = run(
            "with", {**plugin, "spark.emrs.observe.datadog.url": intake.logs_url,
                     "spark.emrs.observe.datadog.bufferMaxBytes": "64m"}, lines, env, work,
        )
        received = intake.events()
        down = run(
            "down", {**plugin, "spark.emrs.observe.datadog.url": f"http://127.0.0.1:{down_port}/api/v2/logs",
                     "spark.emrs.observe.datadog.bufferMaxBytes": "16m",
                     "spark.emrs.observe.datadog.shutdownTimeoutMs": "1000"}, lines, env, work,
        )
    finally:
        intake.stop()
    extra = (with_plugin["elapsed_ms"] - without["elapsed_ms"]) / max(1, without["elapsed_ms"]) * 100
    print(f"lines logged on the driver thread: {lines}")
    print(f"without plugin: {without['elapsed_ms']} ms (console appender only)")
    print(f"with plugin:    {with_plugin['elapsed_ms']} ms  -> {extra:+.1f}%")
    print(f"events received by the intake: {received} (the rest is in the shutdown summary in with.stderr)")
    print(f"intake down, bufferMaxBytes=16m: heap growth after GC {down['heap_growth_bytes'] / 2**20:.1f} MiB "
          f"(baseline run: {without['heap_growth_bytes'] / 2**20:.1f} MiB)")
    print(f"process wall time: without {without['process_s']} s, with {with_plugin['process_s']} s, "
          f"down {down['process_s']} s")
    print(f"details in {work}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "child":
        child(sys.argv[2])
    else:
        main()
