import { UsageError } from "../../core/errors.js";
import { clusterStatus, startCluster, stopCluster } from "../../engines/spark/cluster/cluster.js";
import { intOption, parseArgs, stringOption } from "../../magics/options.js";
import { EXIT, type CommandIO } from "../io.js";

const OPTIONS = {
  workers: { type: "int", help: "worker JVMs, one core and 1 GiB each (default 2)", metavar: "N" },
  data: { type: "string", help: "folder of Parquet files to register as tables (start)", metavar: "PATH" },
  port: { type: "int", help: "Thrift server port on 127.0.0.1 (default 10000)", metavar: "P" },
  help: { type: "flag", help: "show this help" },
} as const;

export const USAGE = `usage: streamlink spark start|stop|status [--workers N] [--data PATH] [--port P]
  start   a local standalone cluster on 127.0.0.1: a master, N workers and the Spark Thrift server;
          --data registers each Parquet file (and folder of Parquet files) as a table named after it
          (read-only to the cluster); it answers queries only, to clients that hold the secret it
          writes to .cache/spark/run/thrift-secret (StreamLink's engine and CLI read it)
  stop    stops every process of the cluster (only processes that start recorded, checked in /proc)
  status  prints the cluster's state as JSON
Logs and pid state: .cache/spark/run/. Needs the jars of \`bash scripts/setup-spark.sh\`.
Then: %connect spark thrift://127.0.0.1:P, or streamlink sql --engine spark --url thrift://127.0.0.1:P "SQL".`;

/** `streamlink spark start|stop|status`. */
export async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs("streamlink spark", argv, OPTIONS);
  if (args.options.get("help")) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const [action, ...extra] = args.positionals;
  if (extra.length > 0 || (action !== "start" && action !== "stop" && action !== "status")) {
    throw new UsageError(`Unknown spark action '${[action, ...extra].filter(Boolean).join(" ")}'`, "Use `streamlink spark start`, `stop` or `status` (--help for options).");
  }
  if (action === "start") {
    const dataDir = stringOption(args, "data");
    const state = await startCluster({
      workers: intOption(args, "workers") ?? 2,
      thriftPort: intOption(args, "port") ?? 10_000,
      ...(dataDir ? { dataDir } : {}),
      onStep: (message) => io.stderr.write(`spark: ${message}\n`),
    });
    io.stdout.write(
      `Spark cluster ready in ${state.startSeconds.toFixed(1)} s: ${state.thriftUrl} ` +
      `(${state.processes.filter((p) => p.role === "worker").length} worker(s); master UI ${state.masterUiUrl}; driver UI ${state.driverUiUrl})\n` +
      `Tables: ${state.tables.join(", ") || "none (pass --data PATH)"}\n` +
      `Connect with: %connect spark ${state.thriftUrl}\n`,
    );
    return EXIT.ok;
  }
  if (action === "stop") {
    const { stopped } = await stopCluster();
    io.stdout.write(stopped.length > 0 ? `Stopped ${stopped.length} Spark process(es): ${stopped.join(" ")}\n` : "No Spark process was running.\n");
    return EXIT.ok;
  }
  io.stdout.write(`${JSON.stringify(await clusterStatus(), null, 2)}\n`);
  return EXIT.ok;
}
