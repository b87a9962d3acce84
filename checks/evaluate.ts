/**
 * Measures the checker on labelled SQL-injection data (`Query,Label`, 1 = malicious) with the paper's
 * four formulas: precision TP/(TP+FP), recall TP/(TP+FN), escape FN/(TP+FN), misintercept FP/(TN+FP).
 * A query counts as predicted malicious when the verdict is `block` with category `security`.
 */
import type { Dialect } from "../core/engine.js";
import { UsageError } from "../core/errors.js";
import type { QueryChecker, Verdict } from "../core/verdict.js";
import { parseDelimited } from "../datasets/csv.js";

export interface LabelledQuery {
  readonly query: string;
  readonly malicious: boolean;
}

export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

export interface SqliEvaluation {
  readonly confusion: Confusion;
  /**
   * The same, counting as not malicious the verdicts blocked only by the read-only policy (writes, DDL,
   * several statements, server-info functions) with no injection finding: the Kaggle labels call a
   * plain `INSERT` normal, while every StreamLink connection refuses it.
   */
  readonly injectionOnly: Confusion;
  readonly precision: number;
  readonly recall: number;
  readonly escape: number;
  readonly misintercept: number;
  readonly total: number;
  readonly seconds: number;
  readonly checksPerSecond: number;
  /** Verdict counts by category, for the summary line. */
  readonly categories: Readonly<Record<string, number>>;
  readonly falsePositives: readonly LabelledQuery[];
  readonly falseNegatives: readonly LabelledQuery[];
}

/** Reads RFC 4180 CSV with a `Query,Label` header (quoted fields, `""` escapes, LF or CRLF). */
export function readLabelledCsv(text: string): LabelledQuery[] {
  const rows = parseDelimited(text, { delimiter: "," }, "the CSV");
  const header = rows.shift()?.map((h) => h.trim().toLowerCase());
  const q = header?.indexOf("query") ?? -1;
  const l = header?.indexOf("label") ?? -1;
  if (q < 0 || l < 0) {
    throw new UsageError("The CSV has no Query and Label columns", 'The first line must be a header naming "Query" and "Label" (1 = malicious).');
  }
  const out: LabelledQuery[] = [];
  rows.forEach((row, i) => {
    if (row.length === 1 && row[0] === "") return;
    const label = row[l]?.trim();
    if (label !== "0" && label !== "1") {
      throw new UsageError(`Row ${i + 2} has label '${label ?? ""}'`, "Labels must be 0 (normal) or 1 (malicious).");
    }
    out.push({ query: row[q] ?? "", malicious: label === "1" });
  });
  return out;
}

/** Rules that refuse a statement for what it does, not for looking like an attack. */
const READ_ONLY_POLICY = new Set([
  "security.write", "security.ddl", "security.multiple-statements", "security.server-info", "security.config",
  "security.not-read-only", "security.extension",
]);

function policyOnly(verdict: Verdict): boolean {
  const blocking = verdict.findings.filter((f) => f.severity === "error");
  return blocking.length > 0 && blocking.every((f) => READ_ONLY_POLICY.has(f.rule));
}

/** Precision, recall, escape and misintercept of a confusion matrix (the paper's formulas 3–6). */
export function rates(c: Confusion): { precision: number; recall: number; escape: number; misintercept: number } {
  return {
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    escape: ratio(c.fn, c.tp + c.fn),
    misintercept: ratio(c.fp, c.tn + c.fp),
  };
}

/** The paper's criterion: blocked for security reasons. */
export function predictedMalicious(verdict: Verdict): boolean {
  return verdict.verdict === "block" && verdict.category === "security";
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Checks every query once, in order, and scores the verdicts. */
export async function evaluateSqli(checker: QueryChecker, data: readonly LabelledQuery[], dialect: Dialect): Promise<SqliEvaluation> {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  const strict = { tp: 0, fp: 0, tn: 0, fn: 0 };
  const categories: Record<string, number> = {};
  const falsePositives: LabelledQuery[] = [];
  const falseNegatives: LabelledQuery[] = [];
  const started = performance.now();
  for (const item of data) {
    const verdict = await checker.check(item.query, { dialect });
    const key = `${verdict.verdict}/${verdict.category}`;
    categories[key] = (categories[key] ?? 0) + 1;
    const flagged = predictedMalicious(verdict);
    const injection = flagged && !policyOnly(verdict);
    if (injection) strict[item.malicious ? "tp" : "fp"]++;
    else strict[item.malicious ? "fn" : "tn"]++;
    if (flagged && item.malicious) tp++;
    else if (flagged) {
      fp++;
      falsePositives.push(item);
    } else if (item.malicious) {
      fn++;
      falseNegatives.push(item);
    } else tn++;
  }
  const seconds = (performance.now() - started) / 1000;
  const confusion = { tp, fp, tn, fn };
  return {
    confusion,
    injectionOnly: strict,
    ...rates(confusion),
    total: data.length,
    seconds,
    checksPerSecond: ratio(data.length, seconds),
    categories,
    falsePositives,
    falseNegatives,
  };
}
