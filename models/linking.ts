import type { ColumnProfile, SchemaProfile } from "./profile.js";
import type { Dialect } from "../core/engine.js";
import { quotedString } from "../core/sql-text.js";
import { literalValue } from "./statement.js";
import { escapeRegExp, promptName, quoteValue } from "./values.js";
import { editDistance } from "./fuzzy.js";

/** One question word found in a column's values. */
export interface ValueLink {
  readonly term: string;
  readonly table: string;
  readonly column: string;
  /** Quoted, capped values from the data, most frequent first. */
  readonly values: readonly string[];
  readonly distinctValues: number;
  /** Rows holding one of the matching values. */
  readonly rows: number;
  /** The quoted value that equals the term ignoring case, e.g. `'CN'` for "cn". */
  readonly exactValue?: string;
  /** The question's own word when the link was read through a misspelling ("simens" for `term` "siemens"). */
  readonly asked?: string;
  /** 1 when the question's word is in the data as written; below 1 for a misspelling, by how far it is. */
  readonly confidence: number;
}

const STOPWORDS = new Set(("a an and are as at be by can count did do does each for from get give has have how in into is it its " +
  "list me most many much my number of on or per show than that the their them there these they this those to top was were what when " +
  "where which who whose why with year years all any both more less least first last latest earliest before after since between during " +
  "each every only one two three ten percentage percent share fraction average total please want tell find name names order " +
  "break down compare return display get i we you our note use using also include including count sort rank per among " +
  // The question's framing: "Pull up the title…" once became `name ILIKE '%pull%'` through an inventor's name.
  "pull up bring fetch grab see view look lookup retrieve provide produce report summarise summarize calculate compute " +
  "determine identify locate search query print output enumerate could would should will may might just now then " +
  "over under within without about across again also ever never still only same other others another").split(" "));

const MAX_TERMS = 6;
const VALUES_PER_LINK = 3;
/** Matching values looked at per term and column, most frequent first. */
const MAX_MATCHES = 50;

/** A question word to look up; `initial` when it starts a sentence, where capitals say nothing about a name. */
interface Term {
  readonly term: string;
  readonly initial: boolean;
}

/**
 * The words of a question worth looking up in the data: quoted phrases, capitalised names and upper-case codes
 * (`NVIDIA`, `Sony`, `CN`, `B2`) that are not names of tables or columns.
 */
export function candidateTerms(question: string, profile: SchemaProfile): string[] {
  return questionTerms(question, profile).map((t) => t.term);
}

function questionTerms(question: string, profile: SchemaProfile): Term[] {
  const schemaWords = schemaWordsOf(profile);
  const quoted: Term[] = [];
  for (const match of question.matchAll(/'([^']{2,40})'|"([^"]{2,40})"/g)) quoted.push({ term: clean(match[1] ?? match[2] ?? ""), initial: false });
  // Only names and codes ("NVIDIA", "Sony", "CN"): lower-case words ("hold", "network") hit unrelated names.
  const named: Term[] = [];
  for (const match of question.matchAll(/[A-Za-z][A-Za-z0-9&.-]*[A-Za-z0-9]|[A-Z]{2}/g)) {
    const word = match[0];
    const lower = word.toLowerCase();
    const code = /^[A-Z0-9]{2,}$/.test(word);
    const name = /^[A-Z]/.test(word);
    if (!code && !name) continue;
    if (!code && (lower.length < 3 || STOPWORDS.has(lower))) continue;
    if (schemaWords.has(lower) || schemaWords.has(lower.replace(/s$/, ""))) continue;
    const initial = !code && /(^|[.?!:]\s+)$/.test(question.slice(0, match.index));
    named.push({ term: clean(word), initial });
  }
  const seen = new Set<string>();
  return [...quoted, ...named].filter((t) => t.term.length >= 2 && !seen.has(t.term) && seen.add(t.term)).slice(0, MAX_TERMS);
}

/** Letters, digits, spaces and `&.-` only: the term goes into an ILIKE pattern of a hint. */
function clean(text: string): string {
  return text.replace(/[^A-Za-z0-9&. -]/g, "").trim().toLowerCase();
}

/**
 * Looks the question's words up in the short text columns' value index (names, codes, categories; see
 * profile.ts): a phrase that is a whole value ("Central Africa", "English") becomes `Region = 'Central Africa'`;
 * a name inside longer values becomes `assignee ILIKE '%intel%'` matching 'Intel Corporation'.
 */
export function linkValues(question: string, profile: SchemaProfile): ValueLink[] {
  const exact = exactValueLinks(question, profile);
  const covered = new Set(exact.flatMap((l) => l.term.split(" ")));
  const terms = questionTerms(question, profile).filter((t) => !t.term.split(" ").every((w) => covered.has(w)));
  const links: ValueLink[] = [...exact];
  for (const { term, initial } of terms) {
    const found = termLinks(term, profile, initial);
    if (found.length > 0 || initial) {
      links.push(...found);
      continue;
    }
    // Not in the data as written: a misspelt name ("Simens") is read as the nearest frequent word ("siemens").
    const near = nearestWord(term, profile);
    if (near) links.push(...termLinks(near.word, profile, false).map((l) => ({ ...l, asked: term, confidence: near.confidence })));
  }
  // A word found in several columns belongs where it is common ("Sony" the assignee, not one inventor's note).
  return links.filter((l) => l.rows * 10 >= Math.max(...links.filter((o) => o.term === l.term).map((o) => o.rows)));
}

/**
 * The category columns holding values that start with the term at a word. A sentence's first word ("Pull up…",
 * "Fetch…") is capitalised by grammar, not because it is a name, so it links only to values that begin with it.
 */
function termLinks(term: string, profile: SchemaProfile, initial: boolean): ValueLink[] {
  const starts = wordStart(term);
  const links: ValueLink[] = [];
  for (const table of profile.tables) {
    for (const column of table.columns) {
      if (column.kind !== "category" || !column.values) continue;
      const matching = column.values.filter(([value]) => starts.test(value.toLowerCase())).slice(0, MAX_MATCHES);
      if (matching.length === 0) continue;
      const leading = matching.some(([value]) => value.toLowerCase().startsWith(term));
      if (initial && !leading) continue;
      // Words that hit many different values in a column (e.g. "network" in names) are noise, not a link.
      const rowsMatched = matching.reduce((n, [, count]) => n + count, 0);
      // A rare match inside a longer name ("Chinese" in one institute's name) says little about the question.
      if (rowsMatched < 3 && !leading) continue;
      const exactMatch = matching.find(([value]) => value.toLowerCase() === term);
      if (matching.length >= 20 && exactMatch === undefined) continue;
      links.push({
        term, table: table.name, column: column.name,
        values: matching.slice(0, VALUES_PER_LINK).map(([value, count]) => `${quoteValue(value)} (${count} rows)`),
        distinctValues: matching.length,
        rows: rowsMatched,
        exactValue: exactMatch === undefined ? undefined : quoteValue(exactMatch[0]),
        confidence: 1,
      });
    }
  }
  return links;
}

/** Shortest word read as a possible misspelling: shorter words are one typo away from too many others. */
const MIN_FUZZY_LENGTH = 5;
/** Rows a corrected word must hold: a misspelling is read as a known name, not as a rare one it happens to near. */
const MIN_FUZZY_ROWS = 3;

/** Each word of the category values (lower case) with the rows holding it, built once per profile. */
const wordIndexes = new WeakMap<SchemaProfile, Map<string, number>>();

function wordIndex(profile: SchemaProfile): Map<string, number> {
  let index = wordIndexes.get(profile);
  if (index) return index;
  index = new Map();
  for (const { value, rows } of categoryValues(profile)) {
    for (const word of value.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      if (word.length >= MIN_FUZZY_LENGTH - 1) index.set(word, (index.get(word) ?? 0) + rows);
    }
  }
  wordIndexes.set(profile, index);
  return index;
}

/**
 * The data's word nearest to a question word that is not in the data: one edit for words up to 6 letters, two
 * beyond, the most frequent word winning among equally near ones. Confidence falls with the edits per letter.
 */
function nearestWord(term: string, profile: SchemaProfile): { word: string; confidence: number } | undefined {
  if (term.length < MIN_FUZZY_LENGTH || !/^[a-z]+$/.test(term)) return undefined;
  const max = term.length <= 6 ? 1 : 2;
  let best: { word: string; distance: number; rows: number } | undefined;
  for (const [word, rows] of wordIndex(profile)) {
    if (rows < MIN_FUZZY_ROWS) continue;
    const distance = editDistance(term, word, max);
    if (distance > max || distance === 0) continue;
    if (!best || distance < best.distance || (distance === best.distance && rows > best.rows)) best = { word, distance, rows };
  }
  if (!best) return undefined;
  const confidence = Math.round((1 - best.distance / Math.max(term.length, best.word.length)) * 100) / 100;
  return { word: best.word, confidence };
}

const wordStart = (term: string) => new RegExp(`(^|[^a-z0-9])${escapeRegExp(term)}`);

/** Longest run of question words looked up as one value ("United States of America" is four). */
const MAX_PHRASE_WORDS = 4;

interface IndexedValue {
  readonly table: string;
  readonly column: ColumnProfile;
  readonly value: string;
  readonly rows: number;
}

/** Every value of the category columns' value indexes, with its table and column. */
function* categoryValues(profile: SchemaProfile): Generator<IndexedValue> {
  for (const table of profile.tables) {
    for (const column of table.columns) {
      if (column.kind !== "category" || !column.values) continue;
      for (const [value, rows] of column.values) yield { table: table.name, column, value, rows };
    }
  }
}

/** Each category value by its lower-case text, built once per profile. */
const exactIndexes = new WeakMap<SchemaProfile, Map<string, IndexedValue[]>>();

function exactIndex(profile: SchemaProfile): Map<string, IndexedValue[]> {
  let index = exactIndexes.get(profile);
  if (index) return index;
  index = new Map();
  for (const hit of categoryValues(profile)) {
    const key = normalise(hit.value);
    if (key === "" || key.split(" ").length > MAX_PHRASE_WORDS) continue;
    const entries = index.get(key) ?? [];
    entries.push(hit);
    index.set(key, entries);
  }
  exactIndexes.set(profile, index);
  return index;
}

const normalise = (text: string) => text.toLowerCase().replace(/\s+/g, " ").trim();

/**
 * Runs of question words that are a whole value of a category column, longest first: small models turn "Central
 * Africa" into `Region ILIKE '%central%' AND Region ILIKE '%africa%'` and "English" into a pattern that also
 * matches 'Creole English'. A whole value is linked only where it is the most common value holding those words,
 * so "Sony" still means every Sony company when 'Sony Corporation' outnumbers a bare 'Sony'.
 */
function exactValueLinks(question: string, profile: SchemaProfile): ValueLink[] {
  const index = exactIndex(profile);
  const schemaWords = schemaWordsOf(profile);
  const words = (question.match(/[A-Za-z0-9][A-Za-z0-9&.'/-]*/g) ?? []).map((w) => w.replace(/[.']+$/, "").toLowerCase());
  const taken = new Set<number>();
  const links: ValueLink[] = [];
  for (let n = Math.min(MAX_PHRASE_WORDS, words.length); n >= 1; n--) {
    for (let i = 0; i + n <= words.length; i++) {
      const run = words.slice(i, i + n);
      if (run.some((_, k) => taken.has(i + k))) continue;
      const first = run[0] ?? "";
      const last = run[n - 1] ?? "";
      if (STOPWORDS.has(first) || STOPWORDS.has(last) || run.every((w) => /^\d+$/.test(w))) continue;
      if (n === 1 && (first.length < 2 || schemaWords.has(first) || schemaWords.has(first.replace(/s$/, "")))) continue;
      const phrase = run.join(" ");
      const found = (index.get(phrase) ?? []).filter((hit) => isMostCommonHolder(hit, phrase));
      if (found.length === 0) continue;
      for (let k = 0; k < n; k++) taken.add(i + k);
      for (const hit of found) {
        const quoted = quoteValue(hit.value);
        links.push({ term: phrase, table: hit.table, column: hit.column.name, values: [`${quoted} (${hit.rows} rows)`], distinctValues: 1, rows: hit.rows, exactValue: quoted, confidence: 1 });
      }
    }
  }
  return links;
}

function isMostCommonHolder(hit: IndexedValue, phrase: string): boolean {
  const starts = wordStart(phrase);
  return (hit.column.values ?? []).every(([value, rows]) => rows <= hit.rows || !starts.test(value.toLowerCase()));
}

function schemaWordsOf(profile: SchemaProfile): Set<string> {
  return new Set(profile.tables.flatMap((t) => [t.name, ...t.columns.map((c) => c.name)])
    .flatMap((n) => [n.toLowerCase(), ...n.toLowerCase().split("_")]));
}

/**
 * Codes in the question shaped like an identifier column's values (`US-10001996-B2` like `'US-1-B2'`): small
 * models otherwise copy the code of a similar saved example. Each becomes an equality hint on that column.
 */
export function identifierHints(question: string, profile: SchemaProfile): string[] {
  const shapes = new Map<string, RegExp>();
  for (const table of profile.tables) {
    for (const column of table.columns) {
      const shown = column.kind === "identifier" ? column.samples[0] : undefined;
      const sample = shown === undefined ? undefined : literalValue(shown);
      if (sample === undefined || !/\d/.test(sample) || shapes.has(column.name)) continue;
      const pattern = sample.replace(/[A-Za-z]+|\d+|[^A-Za-z\d]/g, (part) => (/^[A-Za-z]/.test(part) ? "[A-Za-z]+" : /^\d/.test(part) ? "\\d+" : `\\${part}`));
      shapes.set(column.name, new RegExp(`^${pattern}$`));
    }
  }
  const hints: string[] = [];
  for (const token of question.split(/[\s,;()?!]+/).map((t) => t.replace(/[.:]$/, ""))) {
    if (!/\d/.test(token) || token.length > 40) continue;
    for (const [column, shape] of shapes) if (shape.test(token)) hints.push(`- "${token}" -> ${promptName(column, profile.dialect)} = ${quoteValue(token)}`);
  }
  return hints;
}

/** The links as hint lines for the prompt. */
export function renderLinks(links: readonly ValueLink[], dialect: Dialect): string {
  return links.map((l) => {
    const more = l.distinctValues > l.values.length ? `, … ${l.distinctValues} values in all` : "";
    const column = promptName(l.column, dialect);
    const use = l.exactValue !== undefined && l.distinctValues === 1 ? `${column} = ${l.exactValue}` : `${column} ILIKE ${quotedString(`%${l.term}%`)}`;
    // The model is told that a misspelling was read, and how sure the reading is, rather than handed it as fact.
    const read = l.asked === undefined ? `"${l.term}"` : `"${l.asked}" (read as "${l.term}", confidence ${l.confidence.toFixed(2)})`;
    return `- ${read}: ${promptName(l.table, dialect)}.${column} has ${l.values.join(", ")}${more} -> ${use}`;
  }).join("\n");
}
