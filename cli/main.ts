import type { CommandIO, CommandModule } from "./io.js";
import { EXIT, reportError } from "./io.js";
import { UsageError } from "../core/errors.js";

/** Each sub-command loads only what it needs (no model or Spark for `sql`). */
const COMMANDS: Readonly<Record<string, { summary: string; load: () => Promise<CommandModule> }>> = {
  sql: { summary: "run one checked query: sql --db PATH [--format json|table] [--similar-to TEXT --on COLS --top N] \"SQL\"", load: () => import("./commands/sql.js") },
  ask: { summary: "ask in plain language: ask --db PATH [--model NAME|PATH] [--format json] \"QUESTION\" | --questions FILE.jsonl", load: () => import("./commands/ask.js") },
  eval: { summary: "execution accuracy of the model: eval spider … | eval questions --db PATH --file FILE.jsonl", load: () => import("./commands/eval.js") },
  check: { summary: "check JSON lines {id, sql} from stdin: check [--dialect duckdb|spark] [--db PATH]", load: () => import("./commands/check.js") },
  spark: { summary: "local Spark cluster: spark start|stop|status [--workers N] [--data PATH] [--port P]", load: () => import("./commands/spark.js") },
  adapt: { summary: "domain adaptation: adapt build --db PATH --out FILE [--templates FILE] (verified question/SQL pairs from templates) | adapt train --pairs FILE --model NAME [--budget-min N] [--rank R] [--steps N] --out DIR (a LoRA adapter)", load: () => import("./commands/adapt.js") },
  report: { summary: "a shareable HTML report of a notebook: report NOTEBOOK.ipynb [--execute] [--out FILE.html]", load: () => import("./commands/report.js") },
  serve: { summary: "shared model service (with --class: JupyterHub behind nginx): serve start|stop|status [--class FILE] [--workers N] [--port P] [--format json]", load: () => import("./commands/serve.js") },
  data: { summary: "patent data: data import patentsview DIR|google-patents FILE… --out DIR | data generate --rows N --out DIR [--seed S] | data embed --db PATH --table T --on COLS --out DIR", load: () => import("./commands/data.js") },
};

export function helpText(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return ["usage: streamlink <command> [options]", "", "commands:", ...lines, "", "Run `streamlink <command> --help` for a command's options."].join("\n");
}

/** Runs `streamlink ARGV…` and returns the exit code. */
export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(`${helpText()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) return reportError(new UsageError(`Unknown command '${name}'`, `Valid commands: ${Object.keys(COMMANDS).join(", ")}.`), io);
  try {
    return await (await command.load()).run(rest, io);
  } catch (error) {
    return reportError(error, io);
  }
}
