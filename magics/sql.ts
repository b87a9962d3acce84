import type { ChartSpec } from "../core/output.js";
import { UsageError } from "../core/errors.js";
import { explainSql } from "../explain/index.js";
import type { Magic, MagicContext, MagicInvocation } from "./magic.js";
import { checkVariableName, flagOption, intOption, stringOption, stringsOption, type OptionSpecs } from "./options.js";
import { cellArguments, runChecked, showResult, SIMILARITY_OPTIONS, similarityOption, verdictBundle } from "./run-checked.js";

const CHART_KINDS: readonly ChartSpec["kind"][] = ["bar", "line", "scatter", "hist"];

const OPTIONS: OptionSpecs = {
  engine: { type: "string", help: "connection to run on (see %tables)", metavar: "NAME" },
  out: { type: "string", help: "variable that receives the Arrow table", metavar: "VAR" },
  limit: { type: "int", help: "rows to fetch into the result", metavar: "N" },
  plot: { type: "strings", arity: 3, help: "chart the result: bar|line|scatter|hist X Y", metavar: "KIND X Y" },
  explain: { type: "flag", help: "say in plain words what the query does and show the engine's plan with its estimates; runs nothing" },
  yes: { type: "flag", help: "run even when the engine estimates more rows read than %config confirm_rows" },
  ...SIMILARITY_OPTIONS,
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

/**
 * `%%sql --explain`: what the query does in plain words (from its parse tree), the checkers' verdict, and the engine's
 * plan with its estimates; nothing runs, so a costly query can be judged before it is run.
 */
async function explainOnly(context: MagicContext, sql: string, cellSource: string, engine: string | undefined): Promise<void> {
  const explanation = await explainSql(sql, (await context.session.engine(engine)).dialect);
  context.display({ kind: "explanation", explanation });
  const { plan } = await context.session.plan(sql, { engine }, (verdict) =>
    context.display({ kind: "verdict", bundle: verdictBundle({ magic: "sql", cellSource, explanation }, verdict) }));
  context.display({ kind: "plan", plan });
}

/** `%%sql`: the cell body is SQL; it is checked, then run on the chosen connection. */
export const sqlMagic: Magic = {
  name: "sql",
  kind: "cell",
  body: "sql",
  summary: "Run the SQL below on a connection, after the syntax and security checks",
  options: OPTIONS,
  async run(invocation: MagicInvocation, context: MagicContext): Promise<void> {
    const { args, body } = cellArguments(invocation, "%%sql", OPTIONS, "query");
    const out = stringOption(args, "out");
    if (out !== undefined) checkVariableName(out);
    const chart = chartOption(stringsOption(args, "plot"));
    const engine = stringOption(args, "engine");
    if (flagOption(args, "explain")) {
      await explainOnly(context, body, invocation.cellSource, engine);
      return;
    }
    const similarity = similarityOption(args);
    const run = await runChecked(context, {
      sql: body,
      magic: "sql",
      cellSource: invocation.cellSource,
      engine,
      maxRows: intOption(args, "limit"),
      similarity,
      confirmLargeScan: !flagOption(args, "yes"),
    });
    await showResult(context, run, out, chart, similarity === undefined);
  },
};
