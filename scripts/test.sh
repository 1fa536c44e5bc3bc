#!/usr/bin/env bash
# The project's one test command (README, .ci/run): sets everything up, then runs the linters,
# the JVM unit tests and the Python test suite. Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
echo "== ruff"; .venv/bin/ruff check emrs_observe tests benchmarks
echo "== mypy"; .venv/bin/mypy
if [ -f plugin_jvm/pom.xml ]; then
  echo "== JUnit (mvn test)"; (cd plugin_jvm && mvn -B -ntp test | grep -E "Tests run:|BUILD|ERROR|FAIL" || exit 1)
fi
echo "== pytest"; .venv/bin/python -m pytest "$@"
