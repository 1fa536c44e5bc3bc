#!/usr/bin/env bash
# Quickstart 1: set up, then run the lineage processor on the embedded default — local folders
# instead of S3, a DataHub metadata file instead of a DataHub server, no account needed — and show
# the column lineage it found.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
out=out/demo
rm -rf "$out"
mkdir -p "$out"
cli=.venv/bin/emrs-observe

echo
echo "== lineage run: examples/lineage → file:$out/datahub-mcps.json"
$cli lineage run --source examples/lineage --sink "file:$out/datahub-mcps.json" --state "$out/checkpoint.json" \
  --format text
for object in examples/lineage/dt=*/hour=*/*/*.json; do
  echo
  echo "== lineage show $object"
  COLUMNS=140 $cli lineage show "$object"
done
echo
echo "== lineage run again: the checkpoint knows both objects, nothing is sent twice"
$cli lineage run --source examples/lineage --sink "file:$out/datahub-mcps.json" --state "$out/checkpoint.json" \
  --format text
echo
echo "DataHub metadata file: $out/datahub-mcps.json (load it with: datahub ingest -c <file source recipe>)"
