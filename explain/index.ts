/**
 * "What this query does", in plain words: a deterministic rendering of the parse tree (never the model).
 * The tree comes from the checker's node-sql-parser adapter (checks/), so the explainer reads the same
 * grammar the checker judged.
 */
import { parseShape } from "../checks/index.js";
import type { Dialect } from "../core/engine.js";
import type { QueryExplanation } from "../core/explain.js";
import { describeShape } from "./describe.js";

export { NOT_DESCRIBED } from "./describe.js";
export { emptyResultNote, type EmptyResultNote, type RowProbe } from "./empty.js";

/** The sentence for `sql`; a query the grammar cannot read, or not one SELECT, says it is not described. */
export async function explainSql(sql: string, dialect: Dialect): Promise<QueryExplanation> {
  const parsed = await parseShape(sql, dialect);
  if (!parsed.ok) return { sentence: "(This query is not described: the explainer reads single SELECT queries in the forms it knows.)", complete: false };
  return describeShape(parsed.shape);
}
