import type { Dialect } from "../core/engine.js";
import { quotedString } from "../core/sql-text.js";

/**
 * Where a slot's instances come from: a query over the data itself (paper §3.1, field instances propagated from
 * the database), its first column the value. `number` slots are written as numeric literals, `string` slots as
 * quoted strings, so that a value from the data can never change the SQL around it.
 */
export interface Slot {
  readonly type: "string" | "number";
  readonly values: string;
}

/** One SQL template with its natural phrasings; `{{name}}` marks a slot in both. */
export interface Template {
  readonly id: string;
  /** What analysis it is (count, trend, top_k, co_inventors…): the library's coverage is reported by kind. */
  readonly kind: string;
  readonly sql: string;
  readonly phrasings: readonly string[];
  readonly slots: Readonly<Record<string, Slot>>;
}

/** A slot value as it enters SQL (literal) and a question (text). */
export interface Binding {
  readonly sql: string;
  readonly text: string;
}

const SLOT = /\{\{(\w+)\}\}/g;

/** The slot names a template text uses, in order of first use. */
export function slotNames(text: string): string[] {
  return [...new Set([...text.matchAll(SLOT)].map((m) => m[1] ?? ""))];
}

/** A data value as a binding of its slot's type; undefined when a number slot's value is not a finite number. */
export function bind(slot: Slot, value: unknown, dialect: Dialect): Binding | undefined {
  const text = typeof value === "bigint" ? value.toString() : String(value ?? "").trim();
  if (text === "") return undefined;
  if (slot.type === "number") return /^-?\d+(\.\d+)?$/.test(text) ? { sql: text, text } : undefined;
  return { sql: quotedString(text, dialect), text };
}

/**
 * A template's text with its slots filled: the SQL gets the literals, a phrasing the plain text. The templates are
 * our own data files, never user text, and a literal comes only from `bind`, so filling is plain substitution.
 */
export function fill(text: string, bindings: ReadonlyMap<string, Binding>, as: "sql" | "text"): string {
  return text.replace(SLOT, (whole, name: string) => bindings.get(name)?.[as] ?? whole);
}
