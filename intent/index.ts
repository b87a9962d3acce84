/**
 * Refuses, before any model is asked, a question that asks StreamLink to change data, read files or follow
 * new instructions. Deterministic: a word list (intent/requests.json, data) read over the question's words,
 * so a refusal is explainable ("StreamLink only reads; deleting rows is not possible here") and a read
 * question that merely mentions such words ("which patents were updated", "how many files") passes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Dialect } from "../core/engine.js";
import { packageRoot } from "../core/paths.js";
import type { Verdict } from "../core/verdict.js";

/** Name and version in every refusal verdict; the version follows the word list's. */
export const INTENT_CHECKER = "streamlink-intent";

interface Command {
  readonly rule: string;
  readonly verbs: readonly string[];
  readonly objects?: readonly string[];
  readonly followedBy?: readonly string[];
  readonly reason: string;
}

interface RequestWords {
  readonly version: string;
  readonly fillers: readonly string[];
  readonly skipped: readonly string[];
  readonly reach: number;
  readonly commands: readonly Command[];
  readonly instructions: Command & { readonly phrases: readonly (readonly string[])[] };
  readonly paths: { readonly rule: string; readonly reason: string; readonly prefixes: readonly string[]; readonly names: readonly string[] };
}

/** Why a question was refused: the rule, the reason shown to the user, and the words that matched. */
export interface Refusal {
  readonly rule: string;
  readonly reason: string;
  readonly matched: string;
}

const WORDS = JSON.parse(readFileSync(join(packageRoot(), "intent", "requests.json"), "utf8")) as RequestWords;

const HINT = "Ask a question about the data instead, e.g. \"how many patents does NVIDIA hold?\"; a teacher can show this refusal as the answer.";

/** The refusal for `question`, or undefined when it reads as a question about the data. */
export function refusalFor(question: string, words: RequestWords = WORDS): Refusal | undefined {
  const path = pathIn(question, words);
  if (path) return { rule: words.paths.rule, reason: words.paths.reason, matched: path };
  const tokens = question.toLowerCase().match(/[a-z0-9_'’]+|[(,.;:!?]/g) ?? [];
  const { instructions } = words;
  for (const phrase of instructions.phrases) {
    if (containsRun(tokens, phrase)) return { rule: instructions.rule, reason: instructions.reason, matched: phrase.join(" ") };
  }
  for (const clause of clauses(tokens)) {
    const start = clause.findIndex((t) => !words.fillers.includes(t));
    const verb = clause[start];
    if (verb === undefined) continue;
    const rest = clause.slice(start + 1);
    for (const command of [instructions, ...words.commands]) {
      if (!command.verbs.includes(verb)) continue;
      const matched = objectOf(command, rest, words);
      if (matched !== undefined) return { rule: command.rule, reason: command.reason, matched: [verb, ...matched].join(" ") };
    }
  }
  return undefined;
}

/** The words after the verb that make it `command`: none needed, an object, or an object and what follows it. */
function objectOf(command: Command, rest: readonly string[], words: RequestWords): string[] | undefined {
  if (!command.objects) return [];
  const candidates = rest.map((t, i) => ({ t, i })).filter(({ t }) => !words.skipped.includes(t)).slice(0, words.reach);
  for (const { t, i } of candidates) {
    if (!command.objects.includes(t)) continue;
    if (!command.followedBy) return [t];
    // "create table top_ten as …", "create a table named x": a name may sit between the object and the word.
    const next = rest.slice(i + 1, i + 3).find((w) => command.followedBy?.includes(w));
    if (next !== undefined) return [t, next];
  }
  return undefined;
}

/** Clauses split at punctuation and at "and"/"then", where a second command can start. */
function clauses(tokens: readonly string[]): string[][] {
  const out: string[][] = [[]];
  for (const t of tokens) {
    if ([",", ".", ";", ":", "!", "?", "and", "then"].includes(t)) out.push([]);
    else out.at(-1)?.push(t);
  }
  return out.filter((c) => c.length > 0);
}

function containsRun(tokens: readonly string[], phrase: readonly string[]): boolean {
  return tokens.some((_t, i) => phrase.every((p, j) => tokens[i + j] === p));
}

/** A word that names a place on disk (`/etc/passwd`, `~/.ssh`) or a secret file. */
function pathIn(question: string, words: RequestWords): string | undefined {
  for (const raw of question.split(/\s+/)) {
    const word = raw.replace(/^["'`(]+|["'`),.;:!?]+$/g, "").toLowerCase();
    if (words.paths.prefixes.some((p) => word.startsWith(p) && word.length > p.length)) return word;
    if (words.paths.names.some((n) => word === n || word.endsWith(`/${n}`))) return word;
  }
  return undefined;
}

/**
 * The `policy` verdict a refusal shows: blocked, with the reason as its one finding, no SQL (none was written)
 * and nothing run.
 */
export function refusalVerdict(refusal: Refusal, dialect: Dialect): Verdict {
  return {
    verdict: "block",
    category: "policy",
    findings: [{ rule: refusal.rule, severity: "error", message: refusal.reason, hint: HINT }],
    checker: `${INTENT_CHECKER}/${WORDS.version}`,
    sql: "",
    executedSql: "",
    dialect,
    elapsedMs: 0,
  };
}

/**
 * The one call a pipeline makes before asking a model: the refusal's `policy` verdict when `question` asks to
 * change data or read files, else undefined.
 */
export function refusedRequest(question: string, dialect: Dialect): Verdict | undefined {
  const refusal = refusalFor(question);
  return refusal && refusalVerdict(refusal, dialect);
}
