import path from "node:path";
import { UsageError } from "../../core/errors.js";
import { intOption, parseArgs, stringOption } from "../../magics/options.js";
import { defaultStateDir, serviceStatus, startService } from "../../service/control.js";
import { PASSWORDS_FILE } from "../../service/stack/accounts.js";
import { accountStatus, readStack, startStack, stopStack } from "../../service/stack/stack.js";
import { EXIT, formatOption, type CommandIO } from "../io.js";

const OPTIONS = {
  class: { type: "string", help: "class list (one user name a line, `NAME admin` for teachers): also start JupyterHub with these accounts behind nginx", metavar: "FILE" },
  host: { type: "string", help: "with --class: nginx's address (default 127.0.0.1; 0.0.0.0 for other machines)", metavar: "ADDR" },
  workers: { type: "int", help: "model worker processes, each one mapping of the model (default 2)", metavar: "N" },
  port: { type: "int", help: "the one port users reach: nginx with --class, else the model service on 127.0.0.1 (default: a free one)", metavar: "P" },
  threads: { type: "int", help: "CPU threads per worker (default 1)", metavar: "T" },
  sequences: { type: "int", help: "requests one worker decodes at once (default 2)", metavar: "S" },
  model: { type: "string", help: "registry name or GGUF path (default: the bundled model)", metavar: "NAME|PATH" },
  format: { type: "string", help: "status output: json or table (default table)", metavar: "json|table" },
  help: { type: "flag", help: "show this help" },
} as const;

export const USAGE = `usage: streamlink serve start|stop|status [--class FILE [--host ADDR]] [--workers N] [--port P] [--threads T] [--sequences S] [--format json]
  start   the shared model service on 127.0.0.1: N worker processes behind one fair queue; with --class also
          JupyterHub (one JupyterLab per listed user, passwords in .cache/serve/passwords.txt) behind nginx on ADDR:P
  stop    stops nginx, JupyterHub, every user's server and kernel, the service and every worker
  status  url, queue, workers' states, latency percentiles, tokens/s and per-user counts; with --class, accounts and kernels
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
    const classFile = stringOption(args, "class");
    const options = {
      workers: positive(intOption(args, "workers") ?? 2, "workers"),
      port: intOption(args, "port") ?? 0,
      threads: positive(intOption(args, "threads") ?? 1, "threads"),
      sequences: positive(intOption(args, "sequences") ?? 2, "sequences"),
      ...(model ? { model } : {}),
    };
    if (classFile !== undefined) {
      const { state, newUsers } = await startStack({ ...options, classFile, host: stringOption(args, "host") ?? "127.0.0.1" });
      io.stdout.write(`StreamLink for a class: ${state.url} (JupyterHub behind nginx; the model service on 127.0.0.1)\n` +
        (newUsers.length > 0 ? `New accounts: ${newUsers.join(", ")}; their passwords are in ${path.join(defaultStateDir(), PASSWORDS_FILE)}\n` : ""));
      return EXIT.ok;
    }
    const state = await startService(options);
    io.stdout.write(`Model service ready: ${state.url} (${state.workers} worker(s) of ${state.model})\n` +
      `Use it with: export STREAMLINK_MODEL_URL=${state.url} STREAMLINK_MODEL_TOKEN_FILE=${state.tokenFile}\n`);
    return EXIT.ok;
  }
  if (action === "stop") {
    const { stopped } = await stopStack();
    io.stdout.write(stopped ? "Stopped StreamLink's server and everything it started.\n" : "No model service was running.\n");
    return EXIT.ok;
  }
  const service = await serviceStatus();
  const stack = readStack();
  const accounts = stack ? await accountStatus(stack) : [];
  // With the class stack, `url` is nginx's: the one address users and tools reach.
  const status = stack && service.service === "running"
    ? { ...service, url: stack.url, modelUrl: service.url, accounts, kernels: accounts.reduce((n, a) => n + a.kernels, 0) }
    : service;
  if (formatOption(args) === "json") {
    io.stdout.write(`${JSON.stringify(status)}\n`);
  } else if (status.service === "stopped") {
    io.stdout.write("No model service is running (start one with `streamlink serve start`).\n");
  } else {
    io.stdout.write([
      `${status.url}  model ${status.model}  queue ${status.queue}  running ${status.running}  answered ${status.answered}  ` +
        `p50 ${status.latencyMs.p50} ms  p95 ${status.latencyMs.p95} ms  ${status.tokensPerSecond} tokens/s`,
      ...status.workers.map((w) => `  ${w.id}  ${w.state.padEnd(9)} ${w.running}/${w.slots}  pid ${w.pid ?? "-"}`),
      ...Object.entries(status.users).map(([user, u]) => `  user ${user}: asked ${u.asked}, answered ${u.answered}, queued ${u.queued}, mean ${u.meanMs} ms (${u.meanWaitMs} ms of it waiting)`),
      ...accounts.map((a) => `  account ${a.name}${a.admin ? " (admin)" : ""}: server ${a.server}, ${a.kernels} kernel(s)`),
    ].join("\n") + "\n");
  }
  return EXIT.ok;
}

function positive(value: number, name: string): number {
  if (value < 1) throw new UsageError(`--${name} must be at least 1`, `Give --${name} 1 or more.`);
  return value;
}
