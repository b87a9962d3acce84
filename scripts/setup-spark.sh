#!/usr/bin/env bash
# Puts the Apache Spark runtime that `npx streamlink spark start` runs into .cache/spark/jars.
# Idempotent: a second run with the same pom is a no-op (a stamp records the pom's hash).
#
# Everything comes from Maven Central through mvn (engines/spark/cluster/pom.xml), except the one Spark
# module Apache does not publish there for Scala 2.13: spark-hive-thriftserver_2.13. That jar is taken
# from the same Spark release's package on PyPI (pyspark, an Apache release artifact), checked against a
# pinned SHA-256, and kept in ~/.cache/streamlink so that a fresh clone does not download it again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/engines/spark/cluster/pom.xml"
GUARD_SRC="$ROOT/engines/spark/cluster/guard"
JARS="$ROOT/.cache/spark/jars"
STAMP="$JARS/.streamlink-stamp"

SPARK_VERSION="4.0.1"
THRIFT_JAR="spark-hive-thriftserver_2.13-$SPARK_VERSION.jar"
THRIFT_SHA256="4d0b3e633b6dd3407abcf2865ca273e7c7c19ae1eaa55e8cd273bf5a2127f71c"
USER_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/streamlink"

guard_sum="$(find "$GUARD_SRC" -name '*.java' -print0 | sort -z | xargs -0 cat | sha256sum | cut -d' ' -f1)"
want_stamp="$(sha256sum "$POM" | cut -d' ' -f1) $THRIFT_SHA256 $guard_sum"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want_stamp" && -f "$JARS/$THRIFT_JAR" ]]; then
  echo "setup-spark: Spark $SPARK_VERSION jars already in $JARS"
  exit 0
fi

for tool in java javac jar mvn; do
  command -v "$tool" >/dev/null || { echo "setup-spark: '$tool' not found; install a Java 17 JDK and Maven 3.8+ first" >&2; exit 1; }
done

echo "setup-spark: resolving Spark $SPARK_VERSION from Maven Central into $JARS"
staging="$(mktemp -d "$ROOT/.cache/spark-jars.XXXXXX" 2>/dev/null || { mkdir -p "$ROOT/.cache"; mktemp -d "$ROOT/.cache/spark-jars.XXXXXX"; })"
trap 'rm -rf "$staging"' EXIT
mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$staging"

cached="$USER_CACHE/$THRIFT_JAR"
if [[ ! -f "$cached" ]] || ! echo "$THRIFT_SHA256  $cached" | sha256sum -c --status; then
  echo "setup-spark: $THRIFT_JAR is not on Maven Central; taking it from pyspark==$SPARK_VERSION on PyPI"
  pypi="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --dest "$pypi" "pyspark==$SPARK_VERSION"
  tar -xzf "$pypi/pyspark-$SPARK_VERSION.tar.gz" -C "$pypi" "pyspark-$SPARK_VERSION/deps/jars/$THRIFT_JAR"
  mkdir -p "$USER_CACHE"
  mv "$pypi/pyspark-$SPARK_VERSION/deps/jars/$THRIFT_JAR" "$cached"
  rm -rf "$pypi"
  echo "$THRIFT_SHA256  $cached" | sha256sum -c --status \
    || { echo "setup-spark: $THRIFT_JAR does not match its pinned SHA-256; refusing it" >&2; rm -f "$cached"; exit 1; }
fi
cp "$cached" "$staging/$THRIFT_JAR"

# The Thrift server's guard (spark.sql.extensions): compiled here against the jars just resolved.
classes="$(mktemp -d)"
javac --release 17 -nowarn -cp "$staging/*" -d "$classes" $(find "$GUARD_SRC" -name '*.java')
jar cf "$staging/streamlink-spark-guard.jar" -C "$classes" .
rm -rf "$classes"

rm -rf "$JARS"
mkdir -p "$(dirname "$JARS")"
mv "$staging" "$JARS"
trap - EXIT
echo "$want_stamp" > "$STAMP"
echo "setup-spark: $(ls "$JARS" | grep -c '\.jar$') jars in $JARS"
