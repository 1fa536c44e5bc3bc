#!/usr/bin/env bash
# Resolves the Spline agent bundle that the dispatcher compiles against and the lineage tests run:
# from Maven Central first; where Central does not serve it, from ../shared/jars (a build of
# Spline's official source, see its README), installed into the local Maven repository under the
# same coordinates so that the pom's `provided` dependency resolves either way. The jar is also
# copied to .cache/jars for the Spark tests and the demo. Never committed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(sed -n 's:.*<spline.version>\(.*\)</spline.version>.*:\1:p' "$root/plugin_jvm/pom.xml")"
group=za.co.absa.spline.agent.spark
artifact=spark-3.5-spline-agent-bundle_2.12
name="$artifact-$version.jar"
dest="$root/.cache/jars"
local_repo="${MAVEN_LOCAL_REPO:-$HOME/.m2/repository}"
installed="$local_repo/${group//.//}/$artifact/$version/$name"
mkdir -p "$dest"

if [ ! -s "$installed" ]; then
  if mvn -q -B dependency:get -Dartifact="$group:$artifact:$version" -Dtransitive=false >/dev/null 2>&1; then
    echo "setup: Spline bundle $version from Maven Central"
  else
    fallback=""
    for dir in "$root/../shared/jars" "${EMRS_OBSERVE_SPLINE_JARS:-}"; do
      if [ -n "$dir" ] && [ -s "$dir/$name" ]; then fallback="$dir/$name"; break; fi
    done
    if [ -z "$fallback" ]; then
      echo "setup: $group:$artifact:$version is not on Maven Central from here and $name is not in ../shared/jars" >&2
      exit 1
    fi
    echo "setup: Spline bundle $version not served by Maven Central here; installing $fallback"
    mvn -q -B install:install-file -Dfile="$fallback" -DgroupId="$group" -DartifactId="$artifact" \
      -Dversion="$version" -Dpackaging=jar -DgeneratePom=true >/dev/null
  fi
fi
if [ ! -s "$dest/$name" ] || ! cmp -s "$installed" "$dest/$name"; then
  cp "$installed" "$dest/$name"
fi
