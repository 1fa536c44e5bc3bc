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

# A second interpreter with PySpark 4.0 only (Spark 4.0, Scala 2.13, as emr-spark-8.0.0): the
# plugin's end-to-end tests run the same jar under both. Its own stamp: a pin change reinstalls.
# `sql` brings pandas and pyarrow: the lineage corpus runs pandas UDFs and mapInPandas on Spark 4 too.
spark4_pin="pyspark[sql]==4.0.*"
stamp4=.cache/pip-spark4.stamp
if [ ! -x .venv-spark4/bin/python ]; then
  echo "setup: creating .venv-spark4 with $($python_bin --version)"
  "$python_bin" -m venv .venv-spark4
  rm -f "$stamp4"
fi
if [ ! -f "$stamp4" ] || [ "$(cat "$stamp4")" != "$spark4_pin" ]; then
  echo "setup: installing $spark4_pin into .venv-spark4"
  .venv-spark4/bin/pip install -q "$spark4_pin"
  echo "$spark4_pin" >"$stamp4"
fi

bash scripts/fetch_jars.sh
bash scripts/fetch_spline.sh

if [ -f plugin_jvm/pom.xml ]; then
  bash scripts/build_jvm.sh
fi
echo "setup: ready"
