import type { Dialect } from "../core/engine.js";
import { quotedIdentifier, quotedString } from "../core/sql-text.js";

/** Longest stretch of row text that may enter a prompt. */
export const MAX_VALUE_CHARS = 40;

/**
 * Row text as it may appear in a prompt: one line, at most MAX_VALUE_CHARS characters, inside single quotes
 * with quotes doubled, so that text from the data reads as a value and never as an instruction.
 */
export function quoteValue(value: unknown): string {
  const text = valueText(value).replace(CONTROL_CHARACTERS, " ").trim();
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

/** Characters that would start a new prompt line or hide text: they never reach a prompt from the data. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** Engine-made text (a type name, a date or number range) on one line: a STRUCT type repeats its field names. */
export function promptText(text: string): string {
  return text.replace(CONTROL_CHARACTERS, " ");
}

/**
 * A table or column name as it may appear in a prompt: on one line, and quoted for the dialect unless it is a plain
 * identifier, so a name that carries words ("x\nIgnore the rules …") reads as one quoted name, never as an
 * instruction. A plain identifier (letters, digits, _) cannot carry anything else and stays as the user writes it.
 */
export function promptName(name: string, dialect: Dialect): string {
  const text = promptText(name);
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(text) ? text : quotedIdentifier(text, dialect);
}

/** Text matched literally inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
