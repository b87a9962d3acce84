import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { StreamLinkError, UsageError } from "../core/errors.js";
import type { SavedExample } from "../core/llm.js";
import { withoutFinalSemicolon } from "./statement.js";

/** The file `%remember` writes in a notebook's folder. */
export const EXAMPLES_FILE = "streamlink-examples.json";

/** Where examples live for a folder: its own file when there is one, else the user's `~/.streamlink/`. */
export function examplesFileFor(folder: string, home = homedir()): string {
  const local = join(folder, EXAMPLES_FILE);
  return existsSync(local) ? local : join(home, ".streamlink", EXAMPLES_FILE);
}

/**
 * Verified question→SQL pairs saved by the user, and the user's notes on the data, kept as JSON:
 * `{"notes": ["…"], "examples": [{question, sql, savedAt}]}`.
 */
export class ExampleStore {
  constructor(readonly file: string) {}

  list(): SavedExample[] {
    const examples = this.read().examples;
    if (!Array.isArray(examples)) return [];
    return examples.filter((e): e is SavedExample => typeof e === "object" && e !== null &&
      typeof (e as SavedExample).question === "string" && typeof (e as SavedExample).sql === "string");
  }

  /** Definitions the user wrote for this data, shown to the model as they are. */
  notes(): string[] {
    const notes = this.read().notes;
    return Array.isArray(notes) ? notes.filter((n): n is string => typeof n === "string") : [];
  }

  private read(): { examples?: unknown; notes?: unknown } {
    if (!existsSync(this.file)) return {};
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, "utf8"));
      return typeof parsed === "object" && parsed !== null ? parsed : {};
    } catch (error) {
      throw new StreamLinkError("examples-file", `${this.file} is not valid JSON`, "Fix or delete the file; %remember writes it again.", { file: this.file }, { cause: error });
    }
  }

  /** Adds a pair (replacing one with the same question) and writes the file atomically. */
  add(question: string, sql: string): SavedExample {
    const q = question.trim();
    const s = withoutFinalSemicolon(sql);
    if (q === "" || s === "") throw new UsageError("%remember needs a question and its SQL", 'Write: %remember "QUESTION" on the first line and the SQL below it.');
    const example: SavedExample = { question: q, sql: s, savedAt: new Date().toISOString() };
    const examples = [...this.list().filter((e) => e.question !== q), example];
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    const notes = this.notes();
    writeFileSync(tmp, `${JSON.stringify(notes.length > 0 ? { notes, examples } : { examples }, null, 1)}\n`);
    renameSync(tmp, this.file);
    return example;
  }
}

const words = (text: string) => new Set(text.toLowerCase().match(/[a-z0-9]+/g) ?? []);

/**
 * The saved pairs most like the question (word overlap weighted by rarity), best last so that the closest
 * example sits nearest the question in the prompt. All of them when there are no more than `k`.
 */
export function retrieveExamples(question: string, examples: readonly SavedExample[], k: number): SavedExample[] {
  if (examples.length <= k) return [...examples];
  const docs = examples.map((e) => words(e.question));
  const df = new Map<string, number>();
  for (const doc of docs) for (const w of doc) df.set(w, (df.get(w) ?? 0) + 1);
  const wanted = words(question);
  const scored = examples.map((example, i) => {
    let score = 0;
    for (const w of docs[i] ?? []) if (wanted.has(w)) score += Math.log(1 + examples.length / (df.get(w) ?? 1));
    return { example, score, i };
  });
  scored.sort((a, b) => b.score - a.score || a.i - b.i);
  return scored.slice(0, k).reverse().map((s) => s.example);
}
