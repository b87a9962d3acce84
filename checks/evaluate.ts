/**
 * Measures the checker on labelled SQL-injection data (`Query,Label`, 1 = malicious) with the paper's
 * four formulas: precision TP/(TP+FP), recall TP/(TP+FN), escape FN/(TP+FN), misintercept FP/(TN+FP).
 * A query counts as predicted malicious when it is blocked as `injection`; a second matrix also counts the
 * read-only policy's refusals (`policy`).
 */
import { UsageError } from "../core/errors.js";
import type { CheckContext, QueryChecker } from "../core/verdict.js";
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
  /** Blocked as `injection` or `policy` counts as predicted malicious: every refusal. */
  readonly confusion: Confusion;
  /**
   * Only `injection` counts as predicted malicious: a well-formed write or several statements refused by the
   * read-only policy is not called an attack, as the data's labels (a plain `INSERT` is normal) do not.
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
  /** Misjudged rows under the `injection`-only reading, with the verdict's category and rule. */
  readonly falsePositives: readonly Misjudged[];
  readonly falseNegatives: readonly Misjudged[];
}

export interface Misjudged extends LabelledQuery {
  readonly category: string;
  readonly rule?: string;
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

/** Precision, recall, escape and misintercept of a confusion matrix (the paper's formulas 3–6). */
export function rates(c: Confusion): { precision: number; recall: number; escape: number; misintercept: number } {
  return {
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    escape: ratio(c.fn, c.tp + c.fn),
    misintercept: ratio(c.fp, c.tn + c.fp),
  };
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

const tally = (c: { tp: number; fp: number; tn: number; fn: number }, flagged: boolean, malicious: boolean): void => {
  if (flagged) c[malicious ? "tp" : "fp"]++;
  else c[malicious ? "fn" : "tn"]++;
};

/** Checks every query once, as one batch, and scores the verdicts both ways. */
export async function evaluateSqli(checker: QueryChecker, data: readonly LabelledQuery[], context: CheckContext): Promise<SqliEvaluation> {
  const every = { tp: 0, fp: 0, tn: 0, fn: 0 };
  const injection = { tp: 0, fp: 0, tn: 0, fn: 0 };
  const categories: Record<string, number> = {};
  const falsePositives: Misjudged[] = [];
  const falseNegatives: Misjudged[] = [];
  const started = performance.now();
  const verdicts = await checker.checkMany(data.map((d) => d.query), context);
  for (const [i, item] of data.entries()) {
    const verdict = verdicts[i];
    if (!verdict) continue;
    const key = `${verdict.verdict}/${verdict.category}`;
    categories[key] = (categories[key] ?? 0) + 1;
    const attack = verdict.category === "injection";
    tally(every, attack || verdict.category === "policy", item.malicious);
    tally(injection, attack, item.malicious);
    if (attack !== item.malicious) {
      (attack ? falsePositives : falseNegatives).push({ ...item, category: verdict.category, rule: verdict.rule });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    confusion: every,
    injectionOnly: injection,
    ...rates(injection),
    total: data.length,
    seconds,
    checksPerSecond: ratio(data.length, seconds),
    categories,
    falsePositives,
    falseNegatives,
  };
}
