/**
 * DuckDB's error messages as typed problems: the one place that reads DuckDB's wording, so that the repairs and the
 * model's prompt work from data and a reworded message breaks a test here, not a repair silently.
 */
import type { Problem, ProblemPosition } from "../../core/problem.js";

const base = (message: string) => ({ origin: "engine", dialect: "duckdb", message: firstLines(message) }) as const;

/** The problem a DuckDB error message describes; `engine` when it is none of the known shapes. */
export function duckdbProblem(message: string): Problem {
  const at = position(message);
  const where = at ? { position: at } : {};
  let m = /Referenced column "([^"]+)" not found in FROM clause!(?:\s*Candidate bindings: ([^\n]*))?/.exec(message);
  if (m) return { ...base(message), ...where, kind: "unknown-column", column: m[1] ?? "", candidates: quoted(m[2] ?? "") };
  m = /Table "([^"]+)" does not have a column named "([^"]+)"/.exec(message);
  if (m) return { ...base(message), ...where, kind: "unknown-column", qualifier: m[1] ?? "", column: m[2] ?? "" };
  m = /Referenced table "([^"]+)" not found!/.exec(message);
  if (m) return { ...base(message), ...where, kind: "unknown-qualifier", qualifier: m[1] ?? "" };
  m = /Ambiguous reference to column name "([^"]+)" \(use: ([^)]*)\)/.exec(message);
  if (m) return { ...base(message), ...where, kind: "ambiguous-column", column: m[1] ?? "", candidates: quoted(m[2] ?? "") };
  m = /column "([^"]+)" must appear in the GROUP BY clause/.exec(message);
  if (m) return { ...base(message), ...where, kind: "not-grouped", column: lastPart(m[1] ?? "") };
  m = /invalid date field format: "([^"]*)"/.exec(message);
  if (m) return { ...base(message), ...where, kind: "date-format", value: m[1] ?? "" };
  m = /Table with name (\S+) does not exist!/.exec(message);
  if (m) return { ...base(message), ...where, kind: "unknown-table", table: m[1] ?? "" };
  if (/^Parser Error/.test(message)) return { ...base(message), ...where, kind: "syntax" };
  return { ...base(message), ...where, kind: "engine" };
}

/** `LINE 3: …` with a caret under the place, as DuckDB prints it. */
function position(message: string): ProblemPosition | undefined {
  const lines = message.split("\n");
  const at = lines.findIndex((l) => /^LINE \d+: /.test(l));
  const caret = lines[at + 1]?.indexOf("^") ?? -1;
  const prefix = /^LINE (\d+): /.exec(lines[at] ?? "");
  if (at < 0 || caret < 0 || !prefix) return undefined;
  return { line: Number(prefix[1]), column: caret - prefix[0].length + 1 };
}

/** The double-quoted names of a list: `"a" or "b"` → ["a", "b"]. */
function quoted(list: string): string[] {
  return [...list.matchAll(/"([^"]+)"/g)].map((c) => c[1] ?? "");
}

function lastPart(name: string): string {
  return name.split(".").at(-1) ?? name;
}

/** The message without DuckDB's echo of the query. */
function firstLines(message: string): string {
  return message.split(/\n\s*\nLINE \d+:/)[0]?.trim() ?? message;
}
