#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: the Python venv with every package the tests and
# the demo need, the plugin jar built by Maven, and the third-party jars the Spark tests load.
# Re-running is cheap: each step is skipped when its inputs did not change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mkdir -p .cache

python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($python_bin --version)"
  "$python_bin" -m venv .venv
fi
stamp=.cache/pip.stamp
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev,airflow]'
  touch "$stamp"
fi

bash scripts/fetch_jars.sh

if [ -f plugin_jvm/pom.xml ]; then
  bash scripts/build_jvm.sh
fi
echo "setup: ready"
