#!/usr/bin/env bash
# Builds the shaded plugin jar (plugin_jvm/target/emrs-observe-plugin.jar) when a source changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/plugin_jvm"
jar=target/emrs-observe-plugin.jar
if [ -f "$jar" ] && [ -z "$(find pom.xml src -newer "$jar" -print -quit 2>/dev/null)" ]; then
  exit 0
fi
echo "setup: building plugin_jvm (mvn package)"
mvn -q -B package -DskipTests
