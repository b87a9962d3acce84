/**
 * The one place where typed problems become the text a model reads, from the templates of
 * `models/prompts/problems.md` (so the wording is part of the prompt version, like the rest of the prompt).
 */
import type { Problem } from "../core/problem.js";
import type { PromptSet } from "./prompts.js";
import type { ColumnHome } from "./repairs.js";

/** Longest problem text fed back to the model. */
const MAX_PROBLEM_CHARS = 400;

/** What went wrong with a try, as the model will read it: the checker's problems, else the engine's, then where the missing columns are. */
export function renderProblems(prompts: PromptSet, problems: readonly Problem[], homes: readonly ColumnHome[] = []): string {
  const fromChecker = problems.filter((p) => p.origin === "checker");
  const fromEngine = problems.filter((p) => p.origin === "engine");
  const own = problems.filter((p) => p.origin === "pipeline");
  const parts: string[] = [];
  if (fromChecker.length > 0) parts.push(prompts.section("problems", "checker", { problems: fromChecker.map((p) => one(prompts, p)).join("; ") }));
  if (fromEngine.length > 0) parts.push(prompts.section("problems", "engine", { problems: fromEngine.map((p) => one(prompts, p)).join("; ") }));
  parts.push(...own.map((p) => one(prompts, p)));
  const text = cap(parts.join("; "));
  if (homes.length === 0) return text;
  const rendered = homes.map((home) => prompts.section("problems", "column-home", {
    column: home.column,
    places: home.places.map((place) => (place.join === undefined
      ? prompts.section("problems", "column-place", { table: place.table, column: place.column })
      : prompts.section("problems", "column-place-joined", { table: place.table, column: place.column, condition: place.join }))).join(" or "),
  }));
  return `${text}${prompts.section("problems", "column-homes", { homes: rendered.join("; ") })}`;
}

function one(prompts: PromptSet, problem: Problem): string {
  const didYouMean = problem.suggestion === undefined ? "" : prompts.section("problems", "did-you-mean", { suggestion: problem.suggestion });
  switch (problem.kind) {
    case "unknown-table":
      return prompts.section("problems", "unknown-table", { table: problem.table ?? "", didYouMean });
    case "unknown-qualifier":
      return prompts.section("problems", "unknown-qualifier", { qualifier: problem.qualifier ?? "" });
    case "unknown-column":
      return prompts.section("problems", "unknown-column", {
        column: problem.column ?? "",
        where: problem.qualifier === undefined ? prompts.section("problems", "where-any", {}) : prompts.section("problems", "where-table", { qualifier: problem.qualifier }),
        didYouMean,
      });
    case "ambiguous-column":
      return prompts.section("problems", "ambiguous-column", { column: problem.column ?? "", candidates: (problem.candidates ?? []).map((c) => `"${c}"`).join(" or ") });
    case "not-grouped":
      return prompts.section("problems", "not-grouped", { column: problem.column ?? "" });
    case "date-format":
      return prompts.section("problems", "date-format", { value: problem.value ?? "" });
    case "too-expensive":
      return prompts.section("problems", "too-expensive", { seconds: String(Math.round((problem.limitMs ?? 0) / 1000)) });
    case "self-join": {
      const join = problem.join;
      if (!join) return problem.message;
      const path = join.path;
      const how = path === undefined ? prompts.section("problems", "join-unknown", {})
        : path.tables.length > 2 ? prompts.section("problems", "join-through", { tables: path.tables.slice(1, -1).join(", "), conditions: path.conditions.join(" AND ") })
          : prompts.section("problems", "join-on", { conditions: path.conditions.join(" AND ") });
      return prompts.section("problems", "self-join", { condition: join.condition, partner: join.partner, joined: join.joined, how });
    }
    case "syntax":
    case "blocked":
      return prompts.section("problems", problem.kind, { message: problem.message });
    case "engine":
      return prompts.section("problems", "engine-other", { message: problem.message });
  }
}

function cap(text: string): string {
  return text.length > MAX_PROBLEM_CHARS ? `${text.slice(0, MAX_PROBLEM_CHARS - 1)}…` : text;
}
