import { quotedString } from "../core/sql-text.js";

/** Longest stretch of row text that may enter a prompt. */
export const MAX_VALUE_CHARS = 40;

/**
 * Row text as it may appear in a prompt: one line, at most MAX_VALUE_CHARS characters, inside single quotes
 * with quotes doubled, so that text from the data reads as a value and never as an instruction.
 */
export function quoteValue(value: unknown): string {
  const text = valueText(value).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").trim();
  const capped = [...text].length > MAX_VALUE_CHARS ? `${[...text].slice(0, MAX_VALUE_CHARS - 1).join("")}…` : text;
  return quotedString(capped);
}

/** Dates and numbers as plain text (an Arrow date arrives as epoch milliseconds or a Date). */
export function valueText(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "bigint") return value.toString();
  if (value === null || value === undefined) return "NULL";
  return String(value);
}

/** Text matched literally inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
