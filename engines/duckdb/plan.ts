/**
 * DuckDB's plan as `EXPLAIN (FORMAT JSON)` returns it (one row, `explain_value`: a JSON array of operators with
 * `name`, `extra_info` and `children`), read into the engine-neutral plan. Nothing here runs the query.
 */
import { estimatedScanRows, type PlanOperator, type QueryPlan } from "../../core/plan.js";

/** The key under which DuckDB puts an operator's estimate in `extra_info`. */
const ESTIMATE_KEY = "Estimated Cardinality";

type Loose = Record<string, unknown>;
const obj = (x: unknown): Loose | undefined => (typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Loose) : undefined);

function detailText(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(", ") : String(value);
}

function operatorOf(node: unknown): PlanOperator | undefined {
  const o = obj(node);
  if (!o || typeof o["name"] !== "string") return undefined;
  const info = obj(o["extra_info"]) ?? {};
  const estimate = Number(info[ESTIMATE_KEY]);
  const children = (Array.isArray(o["children"]) ? o["children"] : []).map(operatorOf).filter((c) => c !== undefined);
  return {
    name: o["name"].trim(),
    ...(info[ESTIMATE_KEY] !== undefined && Number.isFinite(estimate) ? { estimatedRows: estimate } : {}),
    details: Object.entries(info).filter(([key]) => key !== ESTIMATE_KEY).map(([key, value]) => ({ key, value: detailText(value) })),
    children,
  };
}

/** The plan of `EXPLAIN (FORMAT JSON)`'s text; an unreadable text gives an empty plan rather than a guess. */
export function duckdbPlan(engine: string, explainValue: string): QueryPlan {
  let parsed: unknown;
  try {
    parsed = JSON.parse(explainValue);
  } catch {
    parsed = [];
  }
  const operators = (Array.isArray(parsed) ? parsed : [parsed]).map(operatorOf).filter((o) => o !== undefined);
  const scanRows = estimatedScanRows(operators);
  return { engine, operators, ...(scanRows !== undefined ? { scanRows } : {}) };
}
