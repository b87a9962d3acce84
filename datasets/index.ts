/**
 * Patent data tools: importers from real sources into the canonical schema, and a synthetic generator for scale.
 * Heavy parts (DuckDB) load only when an import or generation runs.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../core/errors.js";
import { packageRoot } from "../core/paths.js";

export { CANONICAL_COLUMNS, CANONICAL_TABLES, type CanonicalTable } from "./canonical.js";
export type { GenerateOptions, GenerateReport } from "./generator/generate.js";
export type { ImportOptions, ImportReport } from "./import.js";


/**
 * The real sample the generator learns from when `--sample` is not given: the canonical patents bundled with the
 * notebooks, else the shared data folder beside the checkout.
 */
export function defaultSampleDir(): string {
  const root = packageRoot();
  const candidates = [join(root, "notebooks", "data", "patents"), resolve(root, "..", "shared", "data", "patents", "canonical")];
  const found = candidates.find((c) => existsSync(join(c, "patents.parquet")));
  if (found === undefined) {
    throw new UsageError("No real patent sample found to learn from.", `Pass --sample DIR (a folder made by \`streamlink data import\`); looked in ${candidates.join(", ")}.`);
  }
  return found;
}

/** Parses a row count such as `1000000`, `1_000_000`, `10M`, `2.5k`, `1e8`. */
export function parseRowCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmMbB]?)$/.exec(text.replaceAll("_", "").trim());
  const scale = { "": 1, k: 1e3, m: 1e6, b: 1e9 } as const;
  const value = m ? Number(m[1]) * scale[(m[2] ?? "").toLowerCase() as keyof typeof scale] : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`Cannot read '${text}' as a number of rows.`, "Give a positive whole number, e.g. 1000000, 10M or 1e8.");
  }
  return value;
}
