#!/usr/bin/env bash
# Quickstart 1: set up, run the example Spark job with the real Spline agent, then the lineage
# processor on what it wrote — local folders instead of S3, a DataHub metadata file instead of a
# DataHub server, no account needed — and show the column lineage it found.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
out=out/demo
rm -rf "$out"
mkdir -p "$out"
cli=.venv/bin/emrs-observe

echo
echo "== the example job (examples/spark_job.py) on local Spark with the real Spline agent and our dispatcher"
.venv/bin/python examples/run_with_spline.py --out "$out" 2> "$out/spark.log" \
  || { tail -n 40 "$out/spark.log" >&2; exit 1; }

echo
echo "== lineage run: $out/lineage → file:$out/datahub-mcps.json"
$cli lineage run --source "$out/lineage" --sink "file:$out/datahub-mcps.json" --state "$out/checkpoint.json" \
  --format text
for object in "$out"/lineage/dt=*/hour=*/*/*.json; do
  echo
  echo "== lineage show $object"
  COLUMNS=160 $cli lineage show "$object"
done
echo
echo "== lineage run again: the checkpoint knows every object, nothing is sent twice"
$cli lineage run --source "$out/lineage" --sink "file:$out/datahub-mcps.json" --state "$out/checkpoint.json" \
  --format text
echo
echo "DataHub metadata file: $out/datahub-mcps.json (load it with: datahub ingest -c <file source recipe>)"
