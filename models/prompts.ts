import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../core/paths.js";

/** The prompt files under `models/prompts/`; the generator fills their `{{slots}}`. */
export const PROMPT_FILES = ["system", "dialect-duckdb", "dialect-spark", "examples", "notes", "question", "hints", "repair", "problems"] as const;
export type PromptName = (typeof PROMPT_FILES)[number];

export interface PromptSet {
  /** `sql-` and a short hash of every prompt file: any edit to a prompt changes it, so provenance shows it. */
  readonly version: string;
  render(name: PromptName, slots: Readonly<Record<string, string>>): string;
  /** One `## key` section of a prompt file (`problems.md` holds one template per kind of problem), filled. */
  section(name: PromptName, key: string, slots: Readonly<Record<string, string>>): string;
}

const promptsDir = join(packageRoot(), "models", "prompts");

/** Reads the prompt files once; a slot the template names but the caller does not fill is an error. */
export function loadPrompts(dir: string = promptsDir): PromptSet {
  const texts = new Map<PromptName, string>(PROMPT_FILES.map((name) => [name, readFileSync(join(dir, `${name}.md`), "utf8")]));
  const hash = createHash("sha256");
  for (const name of PROMPT_FILES) hash.update(`${name}\0${texts.get(name) ?? ""}\0`);
  const fill = (name: PromptName, template: string, slots: Readonly<Record<string, string>>): string =>
    template.replace(/\{\{(\w+)\}\}/g, (_match, slot: string) => {
      const value = slots[slot];
      if (value === undefined) throw new Error(`prompt ${name}.md needs a value for {{${slot}}}`);
      return value;
    });
  const sections = new Map<string, string>();
  return {
    version: `sql-${hash.digest("hex").slice(0, 12)}`,
    render: (name, slots) => fill(name, texts.get(name) ?? "", slots),
    section(name, key, slots) {
      if (sections.size === 0) {
        for (const file of PROMPT_FILES) {
          for (const part of (texts.get(file) ?? "").split(/^## /m).slice(1)) {
            const newline = part.indexOf("\n");
            sections.set(`${file}#${part.slice(0, newline).trim()}`, part.slice(newline + 1).replace(/\n$/, ""));
          }
        }
      }
      const template = sections.get(`${name}#${key}`);
      if (template === undefined) throw new Error(`prompt ${name}.md has no section "## ${key}"`);
      return fill(name, template, slots);
    },
  };
}
