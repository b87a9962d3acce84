import { readFile } from "node:fs/promises";
import { duckdbConnector } from "../engines/duckdb/engine.js";
import { QueryError, UsageError } from "../core/errors.js";
import type { EvalCase, EvalSource } from "./harness.js";
import { tableRows } from "./compare.js";

const GOLD_MAX_ROWS = 100_000;

/**
 * Reads a question file: one JSON object per line with at least `id`, `question` and `sql` (gold SQL in the
 * engine's dialect), as `../shared/data/patents/questions-dev.jsonl`. Blank lines are skipped.
 */
export async function loadQuestionFile(file: string, source: string): Promise<EvalCase[]> {
  const text = await readFile(file, "utf8").catch((error: unknown) => {
    throw new UsageError(`Cannot read ${file}: ${(error as Error).message}`, "Pass --file with a JSON-lines file of {id, question, sql}.", { file });
  });
  const cases: EvalCase[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new UsageError(`${file}:${index + 1} is not JSON`, "Each line must be one JSON object {id, question, sql}.", { file, line: index + 1 });
    }
    const { id, question, sql } = (typeof record === "object" && record !== null ? record : {}) as Record<string, unknown>;
    if (typeof question !== "string" || typeof sql !== "string" || (typeof id !== "string" && typeof id !== "number")) {
      throw new UsageError(`${file}:${index + 1} lacks id, question or sql`, "Each line needs a string question, gold sql and an id.", { file, line: index + 1 });
    }
    cases.push({ id: String(id), source, question, goldSql: sql });
  });
  if (cases.length === 0) throw new UsageError(`${file} holds no questions`, "Add lines {\"id\",\"question\",\"sql\"}.", { file });
  return cases;
}

/** A DuckDB data folder or file whose gold SQL is already DuckDB SQL: both queries run on the same engine. */
export async function openDuckdbSource(target: string, name: string): Promise<EvalSource> {
  const engine = await duckdbConnector.connect({ kind: "duckdb", target, name });
  return {
    engine,
    async gold(sql) {
      const result = await engine.execute(sql, { maxRows: GOLD_MAX_ROWS });
      if (result.truncated) throw new QueryError(`The gold query returns more than ${GOLD_MAX_ROWS} rows`, "Check the gold SQL.", { sql });
      return { ...tableRows(result.table), engine: "duckdb", sql, rules: [] };
    },
    close: () => engine.close(),
  };
}
