import type { Provenance } from "../core/llm.js";
import type { VerdictBundle } from "../core/verdict.js";
import type { CheckedRun } from "../session/session.js";
import type { MagicContext } from "./magic.js";

/** The type the kernel declares for result variables, so `top.numRows` type-checks in the next cell. */
export const ARROW_TABLE_TYPE = 'import("apache-arrow").Table';

export interface CheckedRunRequest {
  readonly sql: string;
  readonly magic: VerdictBundle["magic"];
  readonly cellSource: string;
  readonly engine?: string;
  readonly maxRows?: number;
  readonly question?: string;
  readonly provenance?: Provenance;
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
          question: request.question,
          provenance: request.provenance,
          ranAt: new Date().toISOString(),
        },
      }),
  );
}
