/**
 * Spark's error messages (its error classes, `[UNRESOLVED_COLUMN.WITH_SUGGESTION] …`) as typed problems: the one
 * place that reads Spark's wording, so that the repairs DuckDB's errors get work on Spark too.
 */
import type { Problem, ProblemPosition } from "../../core/problem.js";

const base = (message: string) => ({ origin: "engine", dialect: "spark", message: message.split("\n")[0]?.trim() ?? message }) as const;

/** The problem a (cleaned) Spark error message describes; `engine` when it is none of the known shapes. */
export function sparkProblem(message: string): Problem {
  const at = position(message);
  const where = at ? { position: at } : {};
  let m = /\[UNRESOLVED_COLUMN\.\w+\][^`]*with name ((?:`[^`]+`\.)?`[^`]+`) cannot be resolved\.(?:\s*Did you mean one of the following\? \[([^\]]*)\])?/.exec(message);
  if (m) {
    const parts = names(m[1] ?? "");
    // Spark lists the columns nearest by spelling, each in full (`t`.`name`); the query needs table.column.
    const candidates = (m[2] ?? "").split(",").map((c) => names(c).slice(-2).join(".")).filter((c) => c !== "");
    return {
      ...base(message), ...where, kind: "unknown-column", column: parts.at(-1) ?? "",
      ...(parts.length > 1 ? { qualifier: parts.at(-2) ?? "" } : {}), candidates,
    };
  }
  m = /\[AMBIGUOUS_REFERENCE\] Reference `([^`]+)` is ambiguous, could be: \[([^\]]*)\]/.exec(message);
  if (m) {
    // Spark names each candidate in full (`spark_catalog`.`default`.`t2`.`id`); the query needs table.column.
    const candidates = (m[2] ?? "").split(",").map((c) => names(c).slice(-2).join(".")).filter((c) => c !== "");
    return { ...base(message), ...where, kind: "ambiguous-column", column: m[1] ?? "", candidates };
  }
  m = /\[MISSING_AGGREGATION\] The non-aggregating expression "([^"]+)"/.exec(message);
  if (m) return { ...base(message), ...where, kind: "not-grouped", column: (m[1] ?? "").split(".").at(-1) ?? "" };
  m = /\[CAST_INVALID_INPUT\] The value '([^']*)' of the type "STRING" cannot be cast to "(?:DATE|TIMESTAMP)/.exec(message);
  if (m) return { ...base(message), ...where, kind: "date-format", value: m[1] ?? "" };
  m = /\[TABLE_OR_VIEW_NOT_FOUND\] The table or view `([^`]+)`/.exec(message);
  if (m) return { ...base(message), ...where, kind: "unknown-table", table: names(`\`${m[1] ?? ""}\``).at(-1) ?? "" };
  if (/PARSE_SYNTAX_ERROR|ParseException/.test(message)) return { ...base(message), ...where, kind: "syntax" };
  return { ...base(message), ...where, kind: "engine" };
}

/** The names of a backquoted, dotted list: "`t`.`id`, `x`" → ["t", "id", "x"]. */
function names(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? "");
}

/** Spark's "line 1 pos 7" or "(line 1, pos 7)"; pos counts from 0. */
function position(message: string): ProblemPosition | undefined {
  const m = /line (\d+),? pos (\d+)/.exec(message);
  return m ? { line: Number(m[1]), column: Number(m[2]) + 1 } : undefined;
}
