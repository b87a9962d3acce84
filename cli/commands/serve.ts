import { UsageError } from "../../core/errors.js";
import { intOption, parseArgs, stringOption } from "../../magics/options.js";
import { serviceStatus, startService, stopService } from "../../service/control.js";
import { EXIT, formatOption, type CommandIO } from "../io.js";

const OPTIONS = {
  workers: { type: "int", help: "model worker processes, each one mapping of the model (default 2)", metavar: "N" },
  port: { type: "int", help: "port on 127.0.0.1 (default: a free one)", metavar: "P" },
  threads: { type: "int", help: "CPU threads per worker (default 1)", metavar: "T" },
  sequences: { type: "int", help: "requests one worker decodes at once (default 2)", metavar: "S" },
  model: { type: "string", help: "registry name or GGUF path (default: the bundled model)", metavar: "NAME|PATH" },
  format: { type: "string", help: "status output: json or table (default table)", metavar: "json|table" },
  help: { type: "flag", help: "show this help" },
} as const;

export const USAGE = `usage: streamlink serve start|stop|status [--workers N] [--port P] [--threads T] [--sequences S] [--format json]
  start   the shared model service on 127.0.0.1: N worker processes behind one fair queue
  stop    stops the service and every worker
  status  url, queue, workers' states, latency percentiles, tokens/s and per-user counts
Kernels and \`streamlink ask\`/\`eval\` use the service when STREAMLINK_MODEL_URL and STREAMLINK_MODEL_TOKEN_FILE are set
(\`start\` prints both); without them they load the model in their own process.
Log, state and the token (0600): .cache/serve/ (or STREAMLINK_SERVE_DIR).`;

/** `streamlink serve start|stop|status`. */
export async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs("streamlink serve", argv, OPTIONS);
  if (args.options.get("help")) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const [action, ...extra] = args.positionals;
  if (extra.length > 0 || (action !== "start" && action !== "stop" && action !== "status")) {
    throw new UsageError(`Unknown serve action '${[action, ...extra].filter(Boolean).join(" ")}'`, "Use `streamlink serve start`, `stop` or `status` (--help for options).");
  }
  if (action === "start") {
    const model = stringOption(args, "model");
    const state = await startService({
      workers: positive(intOption(args, "workers") ?? 2, "workers"),
      port: intOption(args, "port") ?? 0,
      threads: positive(intOption(args, "threads") ?? 1, "threads"),
      sequences: positive(intOption(args, "sequences") ?? 2, "sequences"),
      ...(model ? { model } : {}),
    });
    io.stdout.write(`Model service ready: ${state.url} (${state.workers} worker(s) of ${state.model})\n` +
      `Use it with: export STREAMLINK_MODEL_URL=${state.url} STREAMLINK_MODEL_TOKEN_FILE=${state.tokenFile}\n`);
    return EXIT.ok;
  }
  if (action === "stop") {
    const { stopped } = await stopService();
    io.stdout.write(stopped === undefined ? "No model service was running.\n" : `Stopped the model service (pid ${stopped}) and its workers.\n`);
    return EXIT.ok;
  }
  const status = await serviceStatus();
  if (formatOption(args) === "json") {
    io.stdout.write(`${JSON.stringify(status)}\n`);
  } else if (status.service === "stopped") {
    io.stdout.write("No model service is running (start one with `streamlink serve start`).\n");
  } else {
    io.stdout.write([
      `${status.url}  model ${status.model}  queue ${status.queue}  running ${status.running}  answered ${status.answered}  ` +
        `p50 ${status.latencyMs.p50} ms  p95 ${status.latencyMs.p95} ms  ${status.tokensPerSecond} tokens/s`,
      ...status.workers.map((w) => `  ${w.id}  ${w.state.padEnd(9)} ${w.running}/${w.slots}  pid ${w.pid ?? "-"}`),
      ...Object.entries(status.users).map(([user, u]) => `  user ${user}: asked ${u.asked}, answered ${u.answered}, queued ${u.queued}, mean ${u.meanMs} ms`),
    ].join("\n") + "\n");
  }
  return EXIT.ok;
}

function positive(value: number, name: string): number {
  if (value < 1) throw new UsageError(`--${name} must be at least 1`, `Give --${name} 1 or more.`);
  return value;
}
