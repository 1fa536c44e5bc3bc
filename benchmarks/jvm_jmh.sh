#!/usr/bin/env bash
# JMH benchmarks of the plugin's log path (never part of the tests). Prints JMH's own tables.
#   log call cost on the logging thread (p50/p99, ns): ours vs log4j2's async file appender
#   end-to-end throughput to a local intake, JVM pinned to one core: ours vs log4j2 HttpAppender
#   vs log4j2 async file appender (the ceiling)
#   the sender's gzip per event on a 1000-event batch, with the constant fields on every event (as
#   sent) and without them (what request-level fields would save)
# Usage: benchmarks/jvm_jmh.sh [quick]   ("quick": shorter iterations)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/plugin_jvm"
mvn -q -B -Pjmh test-compile dependency:build-classpath -Dmdep.outputFile=target/jmh.classpath \
  -Dmdep.includeScope=test >/dev/null
cp="target/test-classes:target/classes:$(cat target/jmh.classpath)"
iters=(-wi 2 -w 2s -i 3 -r 3s)
if [ "${1:-}" = "quick" ]; then iters=(-wi 1 -w 1s -i 2 -r 2s); fi
echo "== log call cost on the logging thread"
java -cp "$cp" org.openjdk.jmh.Main 'LogCallBenchmark' "${iters[@]}" -f 1 -rf text -rff target/jmh-logcall.txt
echo "== delivery throughput, one core"
if command -v taskset >/dev/null; then pin=(taskset -c 0); else pin=(); fi
"${pin[@]}" java -XX:ActiveProcessorCount=1 -cp "$cp" org.openjdk.jmh.Main 'ShipperThroughputBenchmark' \
  "${iters[@]}" -f 1 -jvmArgsAppend "-XX:ActiveProcessorCount=1" -rf text -rff target/jmh-throughput.txt
echo "== gzip per event on the sender, with and without the constant fields on every event"
java -cp "$cp" org.openjdk.jmh.Main 'GzipBatchBenchmark' "${iters[@]}" -f 1 -rf text -rff target/jmh-gzip.txt
