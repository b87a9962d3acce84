/**
 * The problems of a try, as data: the checker's findings (with the names they are about) and the engine's
 * errors (mapped by the engine's own error mapper) become `Problem`s, the one shape the repairs and the prompt read.
 */
import { QueryCancelledError, QueryError } from "../core/errors.js";
import type { Dialect } from "../core/engine.js";
import type { Problem, ProblemKind } from "../core/problem.js";
import type { Finding, Verdict } from "../core/verdict.js";

/** The blocking findings of a verdict, one problem per name and place (a column used four times is one problem). */
export function verdictProblems(verdict: Verdict): Problem[] {
  if (verdict.verdict !== "block") return [];
  const errors = verdict.findings.filter((f) => f.severity === "error");
  const problems = new Map<string, Problem>();
  for (const finding of errors.length > 0 ? errors : verdict.findings) {
    const problem = findingProblem(finding, verdict.dialect);
    const key = JSON.stringify([problem.kind, problem.table, problem.qualifier, problem.column, problem.kind === "blocked" || problem.kind === "syntax" ? problem.message : ""]);
    if (!problems.has(key)) problems.set(key, problem);
  }
  if (problems.size === 0) return [{ kind: "blocked", origin: "checker", dialect: verdict.dialect, message: "not allowed" }];
  return [...problems.values()];
}

function findingProblem(finding: Finding, dialect: Dialect): Problem {
  const subject = finding.subject ?? {};
  const kind: ProblemKind = finding.rule === "catalog.unknown-column" ? "unknown-column"
    : finding.rule === "catalog.unknown-table" ? (subject.table === undefined && subject.qualifier !== undefined ? "unknown-qualifier" : "unknown-table")
      : finding.rule.startsWith("syntax.") ? "syntax" : "blocked";
  return {
    kind,
    origin: "checker",
    dialect,
    rule: finding.rule,
    ...subject,
    ...(finding.line !== undefined ? { position: { line: finding.line, column: finding.column ?? 1 } } : {}),
    message: `${finding.message}${finding.hint ? ` (${finding.hint})` : ""}`,
  };
}

/** What an error the engine raised while running a candidate means; a time-out is a query too expensive to run. */
export function errorProblem(error: Error, dialect: Dialect, limitMs: number | undefined): Problem {
  if (error instanceof QueryCancelledError && error.code === "timeout") {
    return { kind: "too-expensive", origin: "engine", dialect, ...(limitMs !== undefined ? { limitMs } : {}), message: error.message };
  }
  if (error instanceof QueryError && error.problem) return error.problem;
  return { kind: "engine", origin: "engine", dialect, message: error.message.split("\n").slice(0, 3).join(" ") };
}
