import { readFileSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../core/errors.js";
import { packageRoot } from "../core/paths.js";
import type { Slot, Template } from "./template.js";

/** A template library for one schema: used on data that has all of `tables`. */
export interface TemplateLibrary {
  readonly file: string;
  readonly tables: readonly string[];
  readonly templates: readonly Template[];
}

/** The libraries shipped under adapt/library/, one JSON file per schema. */
export const SHIPPED_LIBRARIES = ["patents.json"];

export function shippedLibraryFile(name: string): string {
  return path.join(packageRoot(), "adapt", "library", name);
}

/** Reads and checks a template library file; a malformed one is a UsageError naming the file and the template. */
export function loadTemplateLibrary(file: string): TemplateLibrary {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`Cannot read the template library ${file}: ${(error as Error).message}`, "Pass a JSON file {tables, templates}.", { file });
  }
  const { tables, templates } = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (!Array.isArray(tables) || !Array.isArray(templates)) throw new UsageError(`${file} lacks tables or templates`, "A library is {\"tables\": [...], \"templates\": [...]}.", { file });
  return { file, tables: tables.map(String), templates: templates.map((t, i) => checkTemplate(t, `${file} template ${i + 1}`)) };
}

function checkTemplate(value: unknown, where: string): Template {
  const t = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const phrasings = Array.isArray(t.phrasings) ? t.phrasings.filter((p): p is string => typeof p === "string") : [];
  const slots = (typeof t.slots === "object" && t.slots !== null ? t.slots : {}) as Record<string, Partial<Slot>>;
  const ok = typeof t.id === "string" && typeof t.kind === "string" && typeof t.sql === "string" && phrasings.length > 0 &&
    Object.values(slots).every((s) => (s.type === "string" || s.type === "number") && typeof s.values === "string");
  if (!ok) throw new UsageError(`${where} is malformed`, "Each template needs id, kind, sql, phrasings and slots {name: {type: string|number, values: SQL}}.", { where });
  return t as unknown as Template;
}
