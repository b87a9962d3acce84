import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { UsageError } from "../../core/errors.js";
import type { EvalCase } from "../harness.js";

interface SpiderExample {
  readonly db_id: string;
  readonly question: string;
  readonly query: string;
}

function isSpiderExample(value: unknown): value is SpiderExample {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.db_id === "string" && typeof record.question === "string" && typeof record.query === "string";
}

/** Spider's dev set split into what can run here and what cannot (a database file is missing). */
export interface SpiderDev {
  /** Runnable questions; `id` is `dev-<index>` with the 0-based index in dev.json. */
  readonly cases: readonly EvalCase[];
  /** Databases named by dev.json without a SQLite file, with how many questions each holds. */
  readonly missing: ReadonlyMap<string, number>;
  readonly total: number;
}

/** Where a Spider database's SQLite file lies inside the data folder. */
export function sqliteFile(dataDir: string, db: string): string {
  return path.join(dataDir, "database", db, `${db}.sqlite`);
}

/** Reads `dev.json` under `dataDir` (Spider's layout) and keeps the questions whose database is present. */
export async function loadSpiderDev(dataDir: string): Promise<SpiderDev> {
  const file = path.join(dataDir, "dev.json");
  const text = await readFile(file, "utf8").catch((error: unknown) => {
    throw new UsageError(`Cannot read ${file}: ${(error as Error).message}`, "Pass --data pointing at Spider's folder (the one with dev.json and database/).", { file });
  });
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every(isSpiderExample)) {
    throw new UsageError(`${file} is not Spider's dev.json`, "Expected an array of {db_id, question, query} objects.", { file });
  }
  const present = new Map<string, boolean>();
  for (const db of new Set(parsed.map((e) => e.db_id))) {
    present.set(db, await access(sqliteFile(dataDir, db)).then(() => true, () => false));
  }
  const cases: EvalCase[] = [];
  const missing = new Map<string, number>();
  parsed.forEach((example, index) => {
    if (present.get(example.db_id)) {
      cases.push({ id: `dev-${index}`, source: example.db_id, question: example.question, goldSql: example.query });
    } else {
      missing.set(example.db_id, (missing.get(example.db_id) ?? 0) + 1);
    }
  });
  return { cases, missing, total: parsed.length };
}
