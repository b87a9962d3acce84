/**
 * An engine's plan for a query, read without running it (`%%sql --explain`): what each operator is estimated to
 * produce, and what the scans read. Engines fill what they can tell; the display renders it.
 */
export interface PlanOperator {
  /** The engine's name for the operator (`HASH_GROUP_BY`, `READ_PARQUET`, `Aggregate` …). */
  readonly name: string;
  /** Rows the engine expects this operator to produce; absent when it gives no estimate. */
  readonly estimatedRows?: number;
  /** What else the engine says about it (projections, filters, files read), as it names them. */
  readonly details: readonly { readonly key: string; readonly value: string }[];
  readonly children: readonly PlanOperator[];
}

export interface QueryPlan {
  readonly engine: string;
  /** The plan as a tree, when the engine returns one in a structured form (DuckDB). */
  readonly operators: readonly PlanOperator[];
  /** The engine's own printed plan, for engines that only print one (Spark). */
  readonly text?: string;
  /** Rows the scans are estimated to read, summed over the plan's leaves; absent when the engine gives no estimate. */
  readonly scanRows?: number;
}

/** Rows a query is estimated to read before it runs, and what the figure comes from. */
export interface ScanEstimate {
  readonly rows: number;
  /** `plan`: the engine's own plan estimates (DuckDB); `catalog`: the row counts of the tables the query reads (Spark). */
  readonly basis: "plan" | "catalog";
}

/**
 * Rows of the catalog tables a query reads, each counted once per time it is read; undefined when a table has no
 * row count (or the query reads something else: `tables` is then undefined).
 */
export function catalogScanRows(tables: readonly { readonly rowCount?: number }[] | undefined): number | undefined {
  if (tables === undefined) return undefined;
  let total = 0;
  for (const t of tables) {
    if (t.rowCount === undefined) return undefined;
    total += t.rowCount;
  }
  return total;
}

/** Rows the leaves of a plan are estimated to read; undefined when any leaf has no estimate. */
export function estimatedScanRows(operators: readonly PlanOperator[]): number | undefined {
  let total = 0;
  const visit = (op: PlanOperator): boolean => {
    if (op.children.length > 0) return op.children.every(visit);
    if (op.estimatedRows === undefined) return false;
    total += op.estimatedRows;
    return true;
  };
  return operators.length > 0 && operators.every(visit) ? total : undefined;
}
