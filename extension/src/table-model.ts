/** The result viewer's reading of kernel outputs, apart from its widget so that it is tested without a DOM. */
import type { PageOutput, TableOutput } from "../../core/output.js";
import { isObject } from "./json.js";

const stringRows = (value: unknown): string[][] | undefined => {
  if (!Array.isArray(value)) return undefined;
  const rows = value.map((r: unknown) => (Array.isArray(r) && r.every((v) => typeof v === "string") ? (r as string[]) : undefined));
  return rows.some((r) => r === undefined) ? undefined : (rows as string[][]);
};

/**
 * The kernel's result ids are UUIDs; anything else in a saved output is ignored, so that an untrusted notebook can
 * never put other code into the `%page` line the viewer sends.
 */
const RESULT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Reads a saved table output defensively (a notebook is untrusted input); undefined when it is malformed. */
export function readTable(value: unknown): TableOutput | undefined {
  if (!isObject(value) || !Array.isArray(value["columns"]) || typeof value["footer"] !== "string") return undefined;
  const columns = value["columns"].map((c: unknown) => (isObject(c) && typeof c["name"] === "string" && typeof c["type"] === "string" ? { name: c["name"], type: c["type"] } : undefined));
  const rows = stringRows(value["rows"]);
  if (columns.some((c) => c === undefined) || !rows) return undefined;
  const page = isObject(value["page"]) && typeof value["page"]["id"] === "string" && RESULT_ID.test(value["page"]["id"]) && typeof value["page"]["sql"] === "string"
    ? { id: value["page"]["id"], sql: value["page"]["sql"], ...(typeof value["page"]["total"] === "number" ? { total: value["page"]["total"] } : {}) }
    : undefined;
  return { columns: columns as TableOutput["columns"], rows, footer: value["footer"], ...(page ? { page } : {}) };
}

/** Reads the kernel's answer to `%page`; undefined when it is not one. */
export function readPage(value: unknown): PageOutput | undefined {
  if (!isObject(value) || typeof value["id"] !== "string" || typeof value["offset"] !== "number" || typeof value["total"] !== "number") return undefined;
  const rows = stringRows(value["rows"]);
  return rows ? { id: value["id"], offset: value["offset"], total: value["total"], rows } : undefined;
}
