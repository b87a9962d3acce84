import { UsageError } from "../core/errors.js";
import type { ChartSpec } from "../core/output.js";
import type { VerdictBundle } from "../core/verdict.js";
import type { CheckedRun } from "../session/session.js";
import type { MagicContext, MagicInvocation } from "./magic.js";
import { parseArgs, type OptionSpecs, type ParsedArgs } from "./options.js";

/** The type the kernel declares for result variables, so `top.numRows` type-checks in the next cell. */
export const ARROW_TABLE_TYPE = 'import("apache-arrow").Table';

export interface CheckedRunRequest {
  readonly sql: string;
  readonly magic: VerdictBundle["magic"];
  readonly cellSource: string;
  readonly engine?: string;
  readonly maxRows?: number;
}

/** Check and run through the session, showing the verdict (with its bundle) before any result or error. */
export function runChecked(context: MagicContext, request: CheckedRunRequest): Promise<CheckedRun> {
  return context.session.run(
    request.sql,
    {
      engine: request.engine,
      maxRows: request.maxRows,
      onProgress: (progress) => context.display({ kind: "progress", progress }),
    },
    (verdict) =>
      context.display({
        kind: "verdict",
        bundle: {
          verdict,
          magic: request.magic,
          cellSource: request.cellSource,
          ranAt: new Date().toISOString(),
        },
      }),
  );
}

/**
 * The first line of a cell magic holds options only and the body must not be empty; returns the options and
 * the trimmed body. `what` names the body in messages ("query", "question").
 */
export function cellArguments(invocation: MagicInvocation, command: string, options: OptionSpecs, what: string): { args: ParsedArgs; body: string } {
  const args = parseArgs(command, invocation.tokens, options);
  if (args.positionals.length > 0) {
    throw new UsageError(`Unexpected '${args.positionals.join(" ")}' after ${command}`, `Write the ${what} on the lines below ${command}; options go on the first line.`);
  }
  const body = invocation.body.trim();
  if (body === "") throw new UsageError(`${command} has no ${what}`, `Write the ${what} on the lines below ${command}.`);
  return { args, body };
}

/** A run's table becomes `out` (when given) and `_` in the TypeScript scope, then is shown. */
export async function showResult(context: MagicContext, run: CheckedRun, out: string | undefined, chart?: ChartSpec): Promise<void> {
  const table = run.result.table;
  if (out !== undefined) await context.assign(out, table, ARROW_TABLE_TYPE);
  await context.assign("_", table, ARROW_TABLE_TYPE);
  context.display({
    kind: "result",
    table,
    truncated: run.result.truncated,
    maxRows: run.maxRows,
    elapsedMs: run.result.elapsedMs,
    engine: run.engine.name,
    variable: out,
    chart,
  });
}
