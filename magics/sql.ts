import type { ChartSpec } from "../core/output.js";
import { UsageError } from "../core/errors.js";
import type { Magic, MagicContext, MagicInvocation } from "./magic.js";
import { checkVariableName, intOption, parseArgs, stringOption, stringsOption, type OptionSpecs } from "./options.js";
import { ARROW_TABLE_TYPE, runChecked } from "./run-checked.js";

const CHART_KINDS: readonly ChartSpec["kind"][] = ["bar", "line", "scatter", "hist"];

const OPTIONS: OptionSpecs = {
  engine: { type: "string", help: "connection to run on (see %tables)", metavar: "NAME" },
  out: { type: "string", help: "variable that receives the Arrow table", metavar: "VAR" },
  limit: { type: "int", help: "rows to fetch into the result", metavar: "N" },
  plot: { type: "strings", arity: 3, help: "chart the result: bar|line|scatter|hist X Y", metavar: "KIND X Y" },
};

/** Reads `--plot KIND X Y`; a histogram takes `-` for Y. */
export function chartOption(values: readonly string[] | undefined): ChartSpec | undefined {
  if (!values) return undefined;
  const [kind = "", x = "", y = ""] = values;
  if (!(CHART_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`Unknown chart kind '${kind}'`, `Valid kinds: ${CHART_KINDS.join(", ")}, e.g. --plot bar cpc n`);
  }
  return { kind: kind as ChartSpec["kind"], x, y: y === "-" ? undefined : y };
}

/** `%%sql`: the cell body is SQL; it is checked, then run on the chosen connection. */
export const sqlMagic: Magic = {
  name: "sql",
  kind: "cell",
  summary: "Run the SQL below on a connection, after the syntax and security checks",
  options: OPTIONS,
  async run(invocation: MagicInvocation, context: MagicContext): Promise<void> {
    const args = parseArgs("%%sql", invocation.tokens, OPTIONS);
    if (args.positionals.length > 0) {
      throw new UsageError(`Unexpected '${args.positionals.join(" ")}' after %%sql`, "Put the SQL on the lines below %%sql; options go on the first line.");
    }
    const sql = invocation.body.trim();
    if (sql === "") throw new UsageError("%%sql has no query", "Write the SQL on the lines below %%sql.");
    const out = stringOption(args, "out");
    const run = await runChecked(context, {
      sql,
      magic: "sql",
      cellSource: invocation.cellSource,
      engine: stringOption(args, "engine"),
      maxRows: intOption(args, "limit"),
    });
    const table = run.result.table;
    if (out !== undefined) await context.assign(checkVariableName(out), table, ARROW_TABLE_TYPE);
    await context.assign("_", table, ARROW_TABLE_TYPE);
    context.display({
      kind: "result",
      table,
      truncated: run.result.truncated,
      maxRows: run.maxRows,
      elapsedMs: run.result.elapsedMs,
      engine: run.engine.name,
      variable: out,
      chart: chartOption(stringsOption(args, "plot")),
    });
  },
};
