/**
 * Readers for JSON nobody typed (node-sql-parser's AST, DuckDB's `json_serialize_sql`): each returns the
 * value when it has the asked-for shape, else undefined (or an empty list), so tree readers never cast.
 */
export type Loose = Record<string, unknown>;

export const obj = (x: unknown): Loose | undefined =>
  typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Loose) : undefined;
export const arr = (x: unknown): readonly unknown[] => (Array.isArray(x) ? x : []);
export const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);
export const num = (x: unknown): number | undefined => (typeof x === "number" ? x : undefined);
