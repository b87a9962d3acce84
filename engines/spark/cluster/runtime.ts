import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
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
  /** The Thrift server's password (0600): only processes that can read this file can open a session. */
  readonly secretFile: string;
  /** The same secret as Spark's own RPC authentication (spark.authenticate), for `--properties-file` (0600). */
  readonly authPropertiesFile: string;
}

export function sparkPaths(): SparkPaths {
  const repo = packageRoot();
  const home = path.join(repo, ".cache", "spark");
  const run = path.join(home, "run");
  return { repo, home, jars: path.join(home, "jars"), run, stateFile: path.join(run, "cluster.json"), secretFile: path.join(run, "thrift-secret"),
    authPropertiesFile: path.join(run, "auth.properties") };
}

/**
 * A new random secret for a cluster about to start, readable by its owner only; never overwrites one. It is the
 * Thrift server's password and, through the properties file, the key of Spark's RPC authentication between
 * master, workers, driver and executors, so that no other local program can submit work to the master or talk to
 * the driver. It is never on a command line (workers hand it to executors in their environment).
 */
export async function createSecret(paths: SparkPaths): Promise<void> {
  const secret = randomBytes(32).toString("hex");
  await writeFile(paths.secretFile, `${secret}\n`, { mode: 0o600, flag: "wx" });
  await writeFile(paths.authPropertiesFile, `spark.authenticate=true\nspark.authenticate.secret=${secret}\n`, { mode: 0o600, flag: "wx" });
}

/** The running cluster's secret, or undefined when this checkout has started none (or cannot read it). */
export function readSecret(paths: SparkPaths): string | undefined {
  try {
    return readFileSync(paths.secretFile, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The Thrift server's guard extension, compiled by setup-spark.sh from engines/spark/cluster/guard/. */
export const GUARD_JAR = "streamlink-spark-guard.jar";
/** The guard's setting for the one folder whose files may be registered as tables (GuardExtension.DATA_DIR_CONF). */
export const GUARD_DATA_DIR_CONF = "spark.streamlink.guard.dataDir";

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

/**
 * Run inside the new mount namespace: bind each of the first `$1` folders read-only over itself, then start the
 * command with no capabilities at all (root included: no CAP_DAC_OVERRIDE, no CAP_SYS_ADMIN to remount) and
 * no_new_privs. `exec` all the way down keeps the PID that `spawn` returned.
 */
const CONFINE_SCRIPT = `set -e
n=$1; shift
while [ "$n" -gt 0 ]; do mount --bind "$1" "$1"; mount -o remount,bind,ro "$1"; shift; n=$((n - 1)); done
exec setpriv --no-new-privs --bounding-set=-all --inh-caps=-all -- "$@"`;

/**
 * `command args` wrapped so that the folders of `readOnly` are read-only to it and to every process it starts
 * (executors included), whatever SQL reaches it: a private mount namespace (through a user namespace when we are
 * not root), then no capabilities.
 */
export function confined(command: string, args: readonly string[], readOnly: readonly string[]): { command: string; args: string[] } {
  const userNamespace = process.getuid?.() === 0 ? [] : ["--user", "--map-root-user"];
  return {
    command: "unshare",
    args: [...userNamespace, "--mount", "--propagation", "private", "--", "sh", "-c", CONFINE_SCRIPT, "sh", String(readOnly.length), ...readOnly, command, ...args],
  };
}

/** Fails with what to do when this machine cannot confine the cluster (no unshare/setpriv, or namespaces are off). */
export function requireConfinement(readOnly: readonly string[]): void {
  const probe = confined("true", [], readOnly);
  const result = spawnSync(probe.command, probe.args, { encoding: "utf8", timeout: 10_000 });
  if (result.status !== 0) {
    const reason = (result.stderr || result.error?.message || `exit ${String(result.status)}`).trim();
    throw new EngineUnavailableError(
      `Cannot start Spark with its data read-only: ${reason}`,
      "The cluster runs in its own mount namespace (util-linux `unshare`, `setpriv`). Run as root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu kernel.apparmor_restrict_unprivileged_userns=0).",
      { reason },
    );
  }
}
