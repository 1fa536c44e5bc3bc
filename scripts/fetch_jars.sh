#!/usr/bin/env bash
# Fetches, through Maven from Maven Central, the jars Spark needs on top of pyspark for the
# tests: hadoop-aws and the AWS SDK bundle for s3a:// (versions matching pyspark 3.5's Hadoop 3.3.4),
# and OpenLineage's Spark integration for Scala 2.13 (Spark 4) and 2.12 (Spark 3), the listener our
# transport plugs into. Those hold OpenLineage's client (io.openlineage.client, not relocated), so
# openlineage-java itself is not needed at run time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.cache/jars"
mkdir -p "$dest"
artifacts=(
  "org.apache.hadoop:hadoop-aws:3.3.4"
  "com.amazonaws:aws-java-sdk-bundle:1.12.262"
  "io.openlineage:openlineage-spark_2.13:1.53.0"
  "io.openlineage:openlineage-spark_2.12:1.53.0"
)
for gav in "${artifacts[@]}"; do
  IFS=: read -r group artifact version <<<"$gav"
  jar="$dest/$artifact-$version.jar"
  if [ ! -s "$jar" ]; then
    echo "setup: fetching $gav"
    mvn -q -B dependency:copy -Dartifact="$gav" -DoutputDirectory="$dest" -Dmdep.overWriteIfNewer=true >/dev/null \
      || { echo "setup: could not fetch $gav from Maven Central" >&2; exit 1; }
  fi
done
