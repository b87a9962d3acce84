import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { EngineUnavailableError } from "../../../core/errors.js";
import { packageRoot } from "../../../core/paths.js";

/**
 * Where the Spark runtime lives in a checkout: jars from scripts/setup-spark.sh in `.cache/spark/jars`, and one
 * folder per running cluster (logs, pid files, the Derby metastore, worker scratch) in `.cache/spark/run`.
 */
export interface SparkPaths {
  readonly repo: string;
  /** SPARK_HOME for the daemons: workers build each executor's class path from `<home>/jars/*`. */
  readonly home: string;
  readonly jars: string;
  readonly run: string;
  readonly stateFile: string;
}


export function sparkPaths(): SparkPaths {
  const repo = packageRoot();
  const home = path.join(repo, ".cache", "spark");
  const run = path.join(home, "run");
  return { repo, home, jars: path.join(home, "jars"), run, stateFile: path.join(run, "cluster.json") };
}

/** The Thrift server's guard extension, compiled by setup-spark.sh from engines/spark/cluster/guard/. */
export const GUARD_JAR = "streamlink-spark-guard.jar";

/** Fails with the command to run when setup-spark.sh has not put the jars in place yet. */
export function requireJars(paths: SparkPaths): void {
  const jars = existsSync(paths.jars) ? readdirSync(paths.jars) : [];
  const ok = jars.some((f) => f.startsWith("spark-hive-thriftserver_")) && jars.includes(GUARD_JAR);
  if (!ok) {
    throw new EngineUnavailableError(
      `The Spark jars are not installed (${paths.jars})`,
      "Run `bash scripts/setup-spark.sh` once (it resolves Spark from Maven Central), then start the cluster again.",
      { jars: paths.jars },
    );
  }
}

/** What Spark's own launcher adds for Java 17 (JavaModuleOptions): Spark reflects into these JDK internals. */
export const JAVA_MODULE_OPTIONS: readonly string[] = [
  "-XX:+IgnoreUnrecognizedVMOptions",
  "--add-modules=jdk.incubator.vector",
  ...[
    "java.base/java.lang", "java.base/java.lang.invoke", "java.base/java.lang.reflect", "java.base/java.io",
    "java.base/java.net", "java.base/java.nio", "java.base/java.util", "java.base/java.util.concurrent",
    "java.base/java.util.concurrent.atomic", "java.base/jdk.internal.ref", "java.base/sun.nio.ch",
    "java.base/sun.nio.cs", "java.base/sun.security.action", "java.base/sun.util.calendar",
    "java.security.jgss/sun.security.krb5",
  ].map((pkg) => `--add-opens=${pkg}=ALL-UNNAMED`),
  "-Djdk.reflect.useDirectMethodHandle=false",
  "-Dio.netty.tryReflectionSetAccessible=true",
];

/** The `java` of JAVA_HOME when set, else the one on PATH. */
export function javaExecutable(): string {
  const home = process.env["JAVA_HOME"];
  return home ? path.join(home, "bin", "java") : "java";
}

/** `java` arguments that run `mainClass` from the Spark jars with a heap of `heap` (e.g. `256m`). */
export function javaArgs(paths: SparkPaths, heap: string, mainClass: string, args: readonly string[], jvmOptions: readonly string[] = []): string[] {
  return [
    ...JAVA_MODULE_OPTIONS,
    `-Xmx${heap}`,
    "-Duser.timezone=UTC",
    ...jvmOptions,
    "-cp",
    path.join(paths.jars, "*"),
    mainClass,
    ...args,
  ];
}

/** Environment of every Spark JVM: loopback only, and SPARK_HOME for the workers' executor class path. */
export function sparkEnv(paths: SparkPaths): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SPARK_HOME: paths.home,
    SPARK_SCALA_VERSION: "2.13",
    SPARK_LOCAL_IP: "127.0.0.1",
    SPARK_LOCAL_HOSTNAME: "127.0.0.1",
    SPARK_CONF_DIR: path.join(paths.run, "conf"),
  };
}
