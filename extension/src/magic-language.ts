/**
 * Which editor language a cell's body gets, read from its first line: SQL (in the flavour of its engine) for
 * `%%sql` and `%%remember`, plain text for an `%%ask` question, the notebook's own language otherwise. Kept
 * free of CodeMirror so that it is tested as plain data.
 */
import type { Dialect } from "../../core/engine.js";

/** The MIME types our SQL languages are registered under, one per engine dialect. */
export const SQL_MIME: Readonly<Record<Dialect, string>> = {
  duckdb: "text/x-streamlink-duckdb",
  spark: "text/x-streamlink-spark",
};

export const QUESTION_MIME = "text/plain";

/** Cell magics whose body is SQL, and the one whose body is a question. */
const SQL_MAGICS = new Set(["sql", "remember"]);
const QUESTION_MAGICS = new Set(["ask"]);

/** Connection names that are an engine's default name (`%connect spark …` without `--as`). */
const DIALECT_OF_NAME: Readonly<Record<string, Dialect>> = { duckdb: "duckdb", spark: "spark" };

/**
 * The MIME type for a cell's editor, or undefined when the cell is not a magic cell we know. `checked` is the
 * dialect the cell's last verdict was checked in: it knows the engine behind a connection named otherwise.
 */
export function magicCellMime(source: string, checked?: Dialect): string | undefined {
  const head = source.trimStart().split("\n", 1)[0] ?? "";
  if (!head.startsWith("%%")) return undefined;
  const [name = "", ...words] = head.slice(2).split(/\s+/);
  if (QUESTION_MAGICS.has(name)) return QUESTION_MIME;
  if (!SQL_MAGICS.has(name)) return undefined;
  const engine = words[words.indexOf("--engine") + 1];
  const named = words.includes("--engine") && engine !== undefined ? DIALECT_OF_NAME[engine] : undefined;
  return SQL_MIME[named ?? checked ?? "duckdb"];
}
