import type { ChartSpec } from "../core/output.js";
import { UsageError } from "../core/errors.js";
import { explainSql } from "../explain/index.js";
import type { Magic, MagicContext, MagicInvocation } from "./magic.js";
import { checkVariableName, flagOption, intOption, stringOption, stringsOption, type OptionSpecs } from "./options.js";
import { cellArguments, runChecked, showResult, SIMILARITY_OPTIONS, similarityOption } from "./run-checked.js";

const CHART_KINDS: readonly ChartSpec["kind"][] = ["bar", "line", "scatter", "hist"];

const OPTIONS: OptionSpecs = {
  engine: { type: "string", help: "connection to run on (see %tables)", metavar: "NAME" },
  out: { type: "string", help: "variable that receives the Arrow table", metavar: "VAR" },
  limit: { type: "int", help: "rows to fetch into the result", metavar: "N" },
  plot: { type: "strings", arity: 3, help: "chart the result: bar|line|scatter|hist X Y", metavar: "KIND X Y" },
  explain: { type: "flag", help: "say in plain words what the query does (from its parse tree)" },
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
    const explanation = flagOption(args, "explain") ? await explainSql(body, (await context.session.engine(engine)).dialect) : undefined;
    if (explanation) context.display({ kind: "explanation", explanation });
    const similarity = similarityOption(args);
    const run = await runChecked(context, {
      sql: body,
      magic: "sql",
      cellSource: invocation.cellSource,
      engine,
      maxRows: intOption(args, "limit"),
      explanation,
      similarity,
    });
    await showResult(context, run, out, chart);
  },
};
