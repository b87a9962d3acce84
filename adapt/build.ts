import type { Engine } from "../core/engine.js";
import type { SavedExample } from "../core/llm.js";
import { tableRows } from "../evals/compare.js";
import { bind, fill, slotNames, type Binding, type Template } from "./template.js";

/** A question/SQL pair that ran and returned rows, with the template it came from. */
export interface VerifiedPair extends SavedExample {
  readonly template: string;
  readonly kind: string;
}

export interface BuildOptions {
  /** Slot combinations tried per template. */
  readonly instances: number;
  /** Rows read back per query: a pair is kept when it returns at least one. */
  readonly maxRows: number;
  readonly timeoutMs: number;
}

export interface BuildSummary {
  readonly templates: number;
  /** Templates that gave at least one verified pair. */
  readonly templatesKept: number;
  /** Instantiated SQL queries run (each with all its phrasings). */
  readonly queriesRun: number;
  readonly queriesKept: number;
  readonly pairs: number;
  /** Pairs by template kind, so the coverage of the library can be read at a glance. */
  readonly byKind: Readonly<Record<string, number>>;
  /** Templates whose queries all failed or returned nothing, with the first engine error. */
  readonly rejected: readonly { readonly template: string; readonly error?: string }[];
}

export interface Library {
  readonly summary: BuildSummary;
  readonly pairs: readonly VerifiedPair[];
}

export const DEFAULT_BUILD: BuildOptions = { instances: 12, maxRows: 1_000, timeoutMs: 10_000 };

/**
 * The data engine of paper §3.1: each template is propagated to field instances drawn from the data (its slots'
 * queries) and to its phrasings, and each instantiated query is executed; only pairs whose SQL runs and returns
 * rows are kept, so every example the model later imitates is true of this data.
 */
export async function buildLibrary(engine: Engine, templates: readonly Template[], options: BuildOptions = DEFAULT_BUILD): Promise<Library> {
  const pairs: VerifiedPair[] = [];
  const rejected: { template: string; error?: string }[] = [];
  let queriesRun = 0;
  let queriesKept = 0;
  let templatesKept = 0;
  const run = async (sql: string) => tableRows((await engine.execute(sql, { maxRows: options.maxRows, timeoutMs: options.timeoutMs })).table).rows;
  for (const template of templates) {
    let kept = 0;
    let firstError: string | undefined;
    let combos: Map<string, Binding>[];
    try {
      combos = await instances(template, options.instances, run, engine.dialect);
    } catch (error) {
      rejected.push({ template: template.id, error: (error as Error).message });
      continue;
    }
    for (const bindings of combos) {
      const sql = fill(template.sql, bindings, "sql");
      queriesRun++;
      try {
        const rows = await run(sql);
        if (!returnsRows(rows)) continue;
      } catch (error) {
        firstError ??= (error as Error).message;
        continue;
      }
      queriesKept++;
      kept++;
      for (const phrasing of template.phrasings) pairs.push({ question: fill(phrasing, bindings, "text"), sql, template: template.id, kind: template.kind });
    }
    if (kept > 0) templatesKept++;
    else rejected.push({ template: template.id, error: firstError });
  }
  const byKind: Record<string, number> = {};
  for (const pair of pairs) byKind[pair.kind] = (byKind[pair.kind] ?? 0) + 1;
  return { pairs, summary: { templates: templates.length, templatesKept, queriesRun, queriesKept, pairs: pairs.length, byKind, rejected } };
}

/** Rows, and not a lone row of zeros and NULLs: "how many … in 1923" answered 0 teaches nothing true. */
function returnsRows(rows: readonly (readonly unknown[])[]): boolean {
  if (rows.length === 0) return false;
  if (rows.length > 1) return true;
  return (rows[0] ?? []).some((v) => v !== null && v !== 0 && v !== 0n && v !== undefined);
}

/**
 * Slot combinations: each slot's values are drawn from the data once; combination i takes the i-th value of the
 * first slot and steps through the others at coprime strides, so a few combinations mix values without a full product.
 */
async function instances(template: Template, count: number, run: (sql: string) => Promise<readonly (readonly unknown[])[]>, dialect: Engine["dialect"]): Promise<Map<string, Binding>[]> {
  const names = slotNames(template.sql).filter((n) => template.slots[n] !== undefined);
  if (names.length === 0) return [new Map()];
  const values: Binding[][] = [];
  for (const name of names) {
    const slot = template.slots[name];
    if (!slot) continue;
    const rows = await run(slot.values);
    values.push(rows.map((r) => bind(slot, r[0], dialect)).filter((b): b is Binding => b !== undefined));
  }
  if (values.some((v) => v.length === 0)) return [];
  const combos: Map<string, Binding>[] = [];
  const most = Math.min(count, Math.max(...values.map((v) => v.length)));
  for (let i = 0; i < most; i++) {
    const combo = new Map<string, Binding>();
    names.forEach((name, k) => {
      const pool = values[k] ?? [];
      const value = pool[(i * (2 * k + 1)) % pool.length];
      if (value) combo.set(name, value);
    });
    combos.push(combo);
  }
  return combos;
}
