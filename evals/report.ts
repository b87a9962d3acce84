import type { CaseResult, CaseStatus } from "./harness.js";

/** The figures of one run, printed after the per-question lines. */
export interface EvalSummary {
  readonly questions: number;
  /** Questions whose gold answer could be computed: the denominator of execution accuracy. */
  readonly evaluated: number;
  readonly correct: number;
  /** correct / evaluated, 0 to 1. */
  readonly executionAccuracy: number;
  readonly byStatus: Readonly<Record<CaseStatus, number>>;
  /** How many gold answers came from which engine (`duckdb`, or `sqlite` where the translation did not run). */
  readonly goldEngines: Readonly<Record<string, number>>;
  readonly medianSeconds: number | null;
  readonly p90Seconds: number | null;
  /** Everything the caller adds to describe the run: model, seed, limit, data. */
  readonly run: Readonly<Record<string, unknown>>;
}

/** The q-quantile by the nearest-rank method: an observed value, never an interpolation. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? null;
}

export function summarise(results: readonly CaseResult[], run: Record<string, unknown>): EvalSummary {
  const byStatus: Record<CaseStatus, number> = { match: 0, mismatch: 0, blocked: 0, error: 0, "gold-error": 0 };
  const goldEngines: Record<string, number> = {};
  for (const result of results) {
    byStatus[result.status]++;
    if (result.goldEngine) goldEngines[result.goldEngine] = (goldEngines[result.goldEngine] ?? 0) + 1;
  }
  const evaluated = results.length - byStatus["gold-error"];
  const seconds = results.flatMap((r) => (r.seconds === undefined ? [] : [r.seconds]));
  return {
    questions: results.length,
    evaluated,
    correct: byStatus.match,
    executionAccuracy: evaluated === 0 ? 0 : byStatus.match / evaluated,
    byStatus,
    goldEngines,
    medianSeconds: quantile(seconds, 0.5),
    p90Seconds: quantile(seconds, 0.9),
    run,
  };
}

/** One line per question while the run goes on: id, outcome, time, and the reason when it is not a match. */
export function formatCaseLine(result: CaseResult): string {
  const mark = result.status === "match" ? "ok  " : result.status.padEnd(4).slice(0, 8);
  const time = result.seconds === undefined ? "      " : `${result.seconds.toFixed(1).padStart(5)}s`;
  return `${mark} ${time} ${result.id} [${result.source}]${result.reason ? ` — ${result.reason}` : ""}`;
}

function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** The summary as an aligned two-column table. */
export function formatSummary(summary: EvalSummary): string {
  const seconds = (s: number | null): string => (s === null ? "–" : `${s.toFixed(2)} s`);
  const rows: [string, string][] = [
    ...Object.entries(summary.run).map(([k, v]): [string, string] => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    ["questions", String(summary.questions)],
    ["evaluated", String(summary.evaluated)],
    ["execution accuracy", `${percent(summary.executionAccuracy)} (${summary.correct}/${summary.evaluated})`],
    ...Object.entries(summary.byStatus).map(([k, v]): [string, string] => [`  ${k}`, String(v)]),
    ["gold from", Object.entries(summary.goldEngines).map(([k, v]) => `${k} ${v}`).join(", ") || "–"],
    ["median per question", seconds(summary.medianSeconds)],
    ["p90 per question", seconds(summary.p90Seconds)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}
