/** What a connection exposes: the tables a query may name, with typed columns. */
export interface ColumnInfo {
  readonly name: string;
  /** The engine's own type name, upper case (e.g. `VARCHAR`, `BIGINT`, `DATE`, `DECIMAL(10,2)`). */
  readonly type: string;
  readonly nullable: boolean;
}

export interface TableInfo {
  readonly name: string;
  readonly columns: readonly ColumnInfo[];
  /** Row count when the engine knows it cheaply; undefined otherwise. */
  readonly rowCount?: number;
}

export interface Catalog {
  readonly tables: readonly TableInfo[];
  /**
   * What the tables were read from: the connection target and a fingerprint of its data files (paths, sizes,
   * modification times). Two folders with the same tables, columns and row counts differ here, so anything built
   * from one catalog's data (the model's schema profile and value index) is never reused for the other.
   */
  readonly source?: string;
  /**
   * Names of the engine's functions (built-in and registered), lower case, for completion in `%%sql` cells;
   * absent when the engine could not list them.
   */
  readonly functions?: readonly string[];
}

/**
 * Case-insensitive lookup, as both DuckDB and Spark resolve unquoted identifiers; also over what is built from a
 * catalog with the same names (the model's schema profile).
 */
export function findTable<T extends { readonly name: string }>(catalog: { readonly tables: readonly T[] }, name: string): T | undefined {
  const wanted = name.toLowerCase();
  return catalog.tables.find((t) => t.name.toLowerCase() === wanted);
}

export function findColumn<C extends { readonly name: string }>(table: { readonly columns: readonly C[] }, name: string): C | undefined {
  const wanted = name.toLowerCase();
  return table.columns.find((c) => c.name.toLowerCase() === wanted);
}
