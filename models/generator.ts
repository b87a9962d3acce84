import { type Catalog, type TableInfo, findColumn, findTable } from "../core/catalog.js";
import type { Dialect } from "../core/engine.js";
import type { Generation, GenerationRequest, ModelInfo, SavedExample, SqlGenerator } from "../core/llm.js";
import type { Verdict } from "../core/verdict.js";
import { retrieveExamples } from "./examples.js";
import { buildSqlGrammar } from "./grammar.js";
import { identifierHints, linkValues, renderLinks } from "./linking.js";
import { loadPrompts, type PromptSet } from "./prompts.js";
import { profileCatalog, renderSchema, type SchemaProfile } from "./profile.js";
import { resolveModel } from "./registry.js";
import { escapeRegExp } from "./values.js";
import type { ChatMessage, TextModel } from "./text-model.js";

export interface LocalGeneratorOptions {
  /** Registry name or GGUF path; the registry's default when absent. */
  readonly model?: string;
  /** Opens the model named by `model`: registry look-up and the node-llama-cpp adapter by default (tests may pass another). */
  readonly load?: (nameOrPath: string | undefined) => Promise<TextModel>;
  readonly prompts?: PromptSet;
  /** Model calls per question, the first included (repairs = tries − 1). */
  readonly maxTries?: number;
  /** Constrain decoding with the catalog grammar (models/grammar.ts). */
  readonly constrained?: boolean;
  /**
   * Saved examples shown with each question: the ones most like it, closest last. They sit after the fixed part
   * of the prompt (rules, schema, notes), which the model therefore reads once per session, not per question.
   * Two by default: the model reads each one's ~70 tokens anew for every question (≈ 0.7 s on 2 cores), and on the
   * patents dev set two gave the answers four did (24/40) with the median at 4.0 s instead of 6.4 s.
   */
  readonly maxExamples?: number;
  /** Columns above which the schema is trimmed to the tables the question seems to need. */
  readonly maxSchemaColumns?: number;
  readonly maxTokens?: number;
  /** Saved pairs used when a request brings none (e.g. `--examples FILE` of the CLI and the evaluation). */
  readonly examples?: readonly SavedExample[];
  /** Notes on the data used when a request brings none. */
  readonly notes?: readonly string[];
}

const DEFAULTS = { maxTries: 3, constrained: true, maxExamples: 2, maxSchemaColumns: 60, maxTokens: 256 } as const;
/** Sampling temperature for a repair whose greedy answer repeats a failed one. */
const REPAIR_TEMPERATURE = 0.7;
/** Longest engine message or checker finding fed back to the model. */
const MAX_PROBLEM_CHARS = 400;

interface LoadedModel {
  readonly text: TextModel;
  readonly info: ModelInfo;
}

/**
 * Question → checked SQL on a local model: the profiled catalog (types, ranges, a few quoted values) and the
 * user's saved examples in the prompt, values of the question linked to the data, decoding constrained by a
 * grammar built from the catalog, and up to `maxTries` attempts that feed the checker's findings and the
 * engine's errors back. The model's answer is only ever text handed to `tryQuery`, which checks it.
 */
export class LocalSqlGenerator implements SqlGenerator {
  private readonly prompts: PromptSet;
  private readonly load: (nameOrPath: string | undefined) => Promise<TextModel>;
  private wanted: string | undefined;
  private loaded: Promise<LoadedModel> | undefined;
  private readonly profiles = new Map<string, Promise<SchemaProfile>>();
  private readonly grammars = new Map<string, string>();
  private readonly examples: readonly SavedExample[];
  private readonly notes: readonly string[];
  private readonly settings: Required<Omit<LocalGeneratorOptions, "model" | "load" | "prompts" | "examples" | "notes">>;

  constructor(options: LocalGeneratorOptions = {}) {
    this.prompts = options.prompts ?? loadPrompts();
    this.load = options.load ?? loadLocalModel;
    this.wanted = options.model;
    this.examples = options.examples ?? [];
    this.notes = options.notes ?? [];
    this.settings = {
      maxTries: options.maxTries ?? DEFAULTS.maxTries,
      constrained: options.constrained ?? DEFAULTS.constrained,
      maxExamples: options.maxExamples ?? DEFAULTS.maxExamples,
      maxSchemaColumns: options.maxSchemaColumns ?? DEFAULTS.maxSchemaColumns,
      maxTokens: options.maxTokens ?? DEFAULTS.maxTokens,
    };
  }

  async model(): Promise<ModelInfo> {
    return (await this.handle()).info;
  }

  /** Loads the new model first: a name or path that fails to load leaves the current model in place. */
  async useModel(nameOrPath: string): Promise<ModelInfo> {
    const next = await this.open(nameOrPath);
    const previous = this.loaded;
    this.loaded = Promise.resolve(next);
    this.wanted = nameOrPath;
    if (previous) await (await previous.catch(() => undefined))?.text.close();
    return next.info;
  }

  async generate(request: GenerationRequest): Promise<Generation> {
    const started = performance.now();
    const timings: Record<string, number> = {};
    const lap = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      try {
        return await work();
      } finally {
        timings[name] = Math.round((timings[name] ?? 0) + performance.now() - t0);
      }
    };

    const { text: model, info } = await lap("loadMs", () => this.handle());
    const profile = await lap("profileMs", () => this.profile(request.catalog, request.dialect, request.sampleValues));
    const links = await lap("linkMs", async () => linkValues(request.question, profile));
    const hints = [...identifierHints(request.question, profile), ...(links.length > 0 ? [renderLinks(links)] : [])];
    const keep = this.relevantTables(request.question, profile, links.map((l) => l.table));
    const messages: ChatMessage[] = [
      { role: "system", text: this.systemPrompt(profile, keep, request.notes ?? this.notes) },
      { role: "user", text: this.prompts.render("question", {
        examples: this.examplesFor(request.question, request.examples ?? this.examples),
        hints: hints.length > 0 ? this.prompts.render("hints", { values: hints.join("\n") }) : "",
        question: request.question.trim(),
      }) },
    ];
    const grammar = this.settings.constrained ? this.grammar(request.catalog) : undefined;

    let last: { sql: string; verdict: Verdict } | undefined;
    let runnable: typeof last;
    const attempts: { sql: string; problem?: string }[] = [];
    let tries = 0;
    while (tries < this.settings.maxTries) {
      tries++;
      const ask = async (sampling: { temperature?: number; seed?: number }) => {
        const answer = await lap("generateMs", () => model.complete({ messages, grammar, maxTokens: this.settings.maxTokens, ...sampling }));
        const sql = extractSql(answer.text);
        return orderGroups(showGroups(answer.tokens >= this.settings.maxTokens ? dropRepeatedConditions(sql) : sql));
      };
      const previous = attempts.at(-1);
      const mechanical = previous?.problem === undefined ? undefined : mechanicalRepair(previous.sql, previous.problem, request.catalog, profile);
      let sql = mechanical ?? await ask({});
      // Greedy decoding repeats itself: when the repair is an answer that already failed, sample one that can differ.
      if (attempts.some((a) => a.sql === sql)) sql = await ask({ temperature: REPAIR_TEMPERATURE, seed: tries });
      const outcome = await lap("checkMs", () => request.tryQuery(sql));
      last = { sql, verdict: outcome.verdict };
      const failed = describeProblem(outcome.verdict, outcome.error);
      // A query that runs but joins on a column compared with itself gets one more try; it stays the answer if
      // the tries after it do not run.
      const suspect = failed === undefined && tries < this.settings.maxTries ? selfJoinProblem(sql, profile) : undefined;
      if (suspect !== undefined) runnable ??= last;
      const found = failed ?? suspect;
      const problem = found === undefined ? undefined : `${found}${whereColumnsAre(found, sql, profile, request.catalog)}`;
      attempts.push(problem === undefined ? { sql } : { sql, problem });
      if (problem === undefined) {
        runnable = undefined;
        break;
      }
      messages.push({ role: "assistant", text: `${sql};` }, { role: "user", text: this.prompts.render("repair", { problem }) });
    }
    timings["totalMs"] = Math.round(performance.now() - started);
    if (!last) throw new Error("LocalSqlGenerator: maxTries must be at least 1");
    last = runnable ?? last;
    return {
      sql: last.sql,
      verdict: last.verdict,
      provenance: { model: info.name, modelSha256: info.sha256, promptVersion: this.prompts.version, tries, timings, attempts },
    };
  }

  async close(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = undefined;
    if (loaded) await (await loaded.catch(() => undefined))?.text.close();
  }

  private async open(nameOrPath: string | undefined): Promise<LoadedModel> {
    const text = await this.load(nameOrPath);
    return { text, info: { name: text.name, path: text.path, sha256: await text.sha256() } };
  }

  private handle(): Promise<LoadedModel> {
    if (!this.loaded) {
      const loading = this.open(this.wanted);
      this.loaded = loading;
      loading.catch(() => { if (this.loaded === loading) this.loaded = undefined; });
    }
    return this.loaded;
  }

  private profile(catalog: Catalog, dialect: Dialect, probe: GenerationRequest["sampleValues"]): Promise<SchemaProfile> {
    const key = `${dialect}\n${JSON.stringify(catalog)}`;
    let profile = this.profiles.get(key);
    if (!profile) {
      profile = profileCatalog(catalog, dialect, probe);
      this.profiles.set(key, profile);
      profile.catch(() => this.profiles.delete(key));
    }
    return profile;
  }

  private grammar(catalog: Catalog): string {
    const key = JSON.stringify(catalog);
    let grammar = this.grammars.get(key);
    if (grammar === undefined) {
      grammar = buildSqlGrammar(catalog);
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  /**
   * Every table while the schema is small; otherwise the tables whose names, column names or linked values
   * the question mentions, best first, until the column budget is spent.
   */
  private relevantTables(question: string, profile: SchemaProfile, linkedTables: readonly string[]): ReadonlySet<string> | undefined {
    const total = profile.tables.reduce((n, t) => n + t.columns.length, 0);
    if (total <= this.settings.maxSchemaColumns) return undefined;
    const words = new Set(question.toLowerCase().match(/[a-z0-9]+/g) ?? []);
    const hits = (name: string) => name.toLowerCase().split(/[^a-z0-9]+/).filter((p) => words.has(p) || words.has(`${p}s`)).length;
    const scored = profile.tables.map((t, i) => ({
      t, i,
      score: 3 * hits(t.name) + t.columns.reduce((n, c) => n + hits(c.name), 0) + 2 * linkedTables.filter((n) => n === t.name).length,
    })).sort((a, b) => b.score - a.score || a.i - b.i);
    const keep = new Set<string>();
    let columns = 0;
    for (const { t } of scored) {
      if (keep.size > 0 && columns + t.columns.length > this.settings.maxSchemaColumns) continue;
      keep.add(t.name);
      columns += t.columns.length;
    }
    return keep;
  }

  private systemPrompt(profile: SchemaProfile, keep: ReadonlySet<string> | undefined, notes: readonly string[]): string {
    return this.prompts.render("system", {
      dialect: profile.dialect === "spark" ? "Spark SQL" : "DuckDB",
      dialectNotes: this.prompts.render(profile.dialect === "spark" ? "dialect-spark" : "dialect-duckdb", {}),
      schema: renderSchema(profile, keep),
      notes: notes.length === 0 ? "" : this.prompts.render("notes", { notes: notes.map((n) => `- ${oneLine(n)}`).join("\n") }),
    });
  }

  private examplesFor(question: string, saved: readonly SavedExample[]): string {
    const chosen = retrieveExamples(question, saved, this.settings.maxExamples);
    const pairs = chosen.map((e) => `Question: ${oneLine(e.question)}\nSQL: ${oneLine(e.sql)};`).join("\n\n");
    return pairs === "" ? "" : this.prompts.render("examples", { pairs });
  }

}

/** A registry name or GGUF path, resolved (no download) and loaded with node-llama-cpp, imported only now. */
async function loadLocalModel(nameOrPath: string | undefined): Promise<TextModel> {
  const resolved = resolveModel(nameOrPath);
  return (await import("./llama.js")).loadLlamaModel(resolved);
}

/** The SQL inside a model's answer: fenced code if there is some, without the final semicolon. */
export function extractSql(text: string): string {
  const fenced = /```(?:sql)?\s*([\s\S]*?)(?:```|$)/i.exec(text);
  const body = (fenced ? fenced[1] ?? "" : text).trim();
  const end = body.indexOf(";");
  return (end >= 0 ? body.slice(0, end) : body).trim();
}

/**
 * An answer cut at the token limit is nearly always a loop: greedy decoding repeats one condition
 * ("AND p.publication_number IN (SELECT …)", "OR assignee ILIKE …") until the limit. Each condition is kept once and the unfinished
 * one at the end is dropped; what is left is the query the model had written before it began to repeat itself.
 */
export function dropRepeatedConditions(sql: string): string {
  const parts = sql.split(/(\s+(?:AND|OR)\s+)/i);
  const kept = parts.slice(0, 1);
  // The first condition is what follows the last WHERE, ON or HAVING of the text before the first AND/OR.
  const seen = new Set([(parts[0] ?? "").split(/\b(?:WHERE|ON|HAVING)\s+/i).at(-1)]);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const condition = parts[i + 1] ?? "";
    if (seen.has(condition)) continue;
    seen.add(condition);
    kept.push(parts[i] ?? " AND ", condition);
  }
  while (kept.length > 1 && !balanced(kept.join(""))) kept.splice(-2);
  return kept.join("");
}

const AGGREGATE = /^(?:count|sum|avg|min|max|median|round|stddev\w*|string_agg|list|array_agg)\s*\(/i;

/** The select list and GROUP BY keys of a plain grouped query (no subquery, no set operation, no DISTINCT). */
function groupedQuery(sql: string): { items: string[]; keys: string[]; listAt: number } | undefined {
  if (/\(\s*SELECT\b|\b(?:UNION|INTERSECT|EXCEPT)\b/i.test(sql)) return undefined;
  const select = /^\s*SELECT\s+(?!DISTINCT\b)([\s\S]*?)\s+FROM\s/i.exec(sql);
  const group = /\sGROUP\s+BY\s+([\s\S]*?)(?=\s+(?:HAVING|ORDER\s+BY|LIMIT|QUALIFY|WINDOW)\b|$)/i.exec(sql);
  if (!select || !group) return undefined;
  const keys = splitTopLevel(group[1] ?? "");
  if (keys.some((key) => /^\d+$/.test(key) || /^(?:ALL|ROLLUP|CUBE|GROUPING)\b/i.test(key))) return undefined;
  return { items: splitTopLevel(select[1] ?? ""), keys, listAt: sql.indexOf(select[1] ?? "", select.index) };
}

/**
 * A grouped query that selects only aggregates ("SELECT count(*) … GROUP BY country") answers with numbers
 * nobody can tell apart: the model forgot the groups, so they are put first in the select list.
 */
export function showGroups(sql: string): string {
  const query = groupedQuery(sql);
  if (!query || !query.items.every((item) => AGGREGATE.test(item))) return sql;
  return `${sql.slice(0, query.listAt)}${query.keys.join(", ")}, ${sql.slice(query.listAt)}`;
}

/**
 * A grouped query without ORDER BY comes back in no particular order (DuckDB's hash order changes from run to
 * run). Groups are listed as people read such tables: years in order, anything else biggest first, then by name.
 */
export function orderGroups(sql: string): string {
  const query = groupedQuery(sql);
  if (!query || /\bORDER\s+BY\b/i.test(sql)) return sql;
  const named = query.items.map((item) => ({ item, name: /\s+AS\s+("?\w+"?)$/i.exec(item)?.[1] ?? item }));
  const labels = named.filter(({ item }) => !AGGREGATE.test(item));
  const measure = named.find(({ item }) => AGGREGATE.test(item));
  if (!measure || labels.length === 0) return sql;
  const years = labels.filter(({ item }) => /year/i.test(item));
  const order = years.length > 0 ? years.map((l) => l.name) : [`${measure.name} DESC`, ...labels.map((l) => l.name)];
  const limit = /\s+LIMIT\s+\d+\s*$/i.exec(sql);
  const at = limit ? limit.index : sql.length;
  return `${sql.slice(0, at)} ORDER BY ${order.join(", ")}${sql.slice(at)}`;
}

/** Comma-separated items outside parentheses, trimmed. */
function splitTopLevel(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      items.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(list.slice(start).trim());
  return items.filter((item) => item !== "");
}

/** Parentheses closed and quotes even: the text can end there. */
function balanced(sql: string): boolean {
  const unquoted = sql.replace(/'(?:[^']|'')*'/g, "''");
  if (/'/.test(unquoted.replace(/''/g, ""))) return false;
  let depth = 0;
  for (const ch of unquoted) {
    depth += ch === "(" ? 1 : ch === ")" ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}

/** Repairs that need no model: a column put on the wrong table alias, a year written as a date, a missing GROUP BY. */
export function mechanicalRepair(sql: string, problem: string, catalog: Catalog, profile?: SchemaProfile): string | undefined {
  return requalifyColumns(sql, problem, catalog) ?? (profile && joinMissingTable(sql, problem, catalog, profile)) ??
    respellNames(sql, problem, catalog) ?? nameAlias(sql, problem, catalog) ?? yearRepair(sql, problem, catalog) ?? yearAliasRepair(sql, problem, catalog) ??
    groupByRepair(sql, problem);
}

/**
 * "Column "grant_year" does not exist" in `… GROUP BY grant_year` where the query's table has grant_date: the model
 * grouped by a year it meant to select and never defined. It is added to the select list as `year(grant_date) AS
 * grant_year`, the per-year rows the question asked for. Only for a query without subqueries or set operations.
 */
function yearAliasRepair(sql: string, problem: string, catalog: Catalog): string | undefined {
  const missing = /Column "(\w+?)_?year" does not exist in any table of this query/i.exec(problem);
  if (!missing || /\(\s*SELECT\b|\b(?:UNION|INTERSECT|EXCEPT)\b/i.test(sql)) return undefined;
  const alias = /Column "(\w+)"/.exec(missing[0])?.[1] ?? "";
  const tables = [...(aliasesOf(sql, catalog)?.values() ?? [])].map((a) => a.table);
  const dates = tables.flatMap((t) => t.columns.filter((c) => /DATE|TIME/.test(c.type) && c.name.toLowerCase() === `${(missing[1] ?? "").toLowerCase()}_date`));
  const date = dates.length === 1 ? dates[0] : undefined;
  const select = /^\s*SELECT\s+(?:DISTINCT\s+)?/i.exec(sql);
  if (!date || !select) return undefined;
  return `${sql.slice(0, select[0].length)}year(${date.name}) AS ${alias}, ${sql.slice(select[0].length)}`;
}

/**
 * The checker's `Column "pet_type" does not exist … (Did you mean "pettype"?)`: its suggestion is a near spelling of
 * a name in the query's tables, and the model, told so, has repeated the wrong name. Every use outside string
 * literals is respelled.
 */
function respellNames(sql: string, problem: string, catalog: Catalog): string | undefined {
  let fixed = sql;
  for (const m of problem.matchAll(/Column "(\w+)" does not exist[^(;]*\(Did you mean "(\w+)"\?\)/g)) {
    // A name some table has is not a typo: it is on the wrong table (the repairs before this one).
    if (catalog.tables.some((t) => findColumn(t, m[1] ?? "") !== undefined)) continue;
    const wrong = new RegExp(`(?<!\\w)${escapeRegExp(m[1] ?? "")}(?!\\w)`, "gi");
    fixed = fixed.split(/('(?:[^']|'')*')/).map((part, i) => (i % 2 === 1 ? part : part.replace(wrong, m[2] ?? ""))).join("");
  }
  return fixed === sql ? undefined : fixed;
}

/**
 * `Column "PetType" does not exist in "T2"` where no table of the query has it, one table of the database does, and a
 * reference joins that table to one of the query's: the model joined the link table (Has_Pet) and not the table
 * behind it, and told so it swaps one mistake for another. The table is joined (`JOIN Pets AS T3 ON T3.PetID =
 * T2.PetID`) and the column moved to it, in each SELECT of a set operation. Not for queries with subqueries.
 */
function joinMissingTable(sql: string, problem: string, catalog: Catalog, profile: SchemaProfile): string | undefined {
  if (/\(\s*SELECT\b/i.test(sql)) return undefined;
  const blocks = sql.split(/(\s+(?:UNION(?:\s+ALL)?|INTERSECT|EXCEPT)\s+)/i);
  let changed = false;
  for (const m of problem.matchAll(/Column "(\w+)" does not exist in "(\w+)"/g)) {
    const column = m[1] ?? "";
    const owners = profile.tables.filter((t) => t.columns.some((c) => c.name.toLowerCase() === column.toLowerCase()));
    const owner = owners.length === 1 ? owners[0] : undefined;
    if (!owner) continue;
    for (let i = 0; i < blocks.length; i += 2) {
      const block = blocks[i] ?? "";
      const aliases = aliasesOf(block, catalog);
      const wrong = aliases?.get((m[2] ?? "").toLowerCase());
      if (!aliases || !wrong || [...aliases.values()].some((a) => a.table.name === owner.name)) continue;
      const link = linkTo(owner, [...aliases.values()].map((a) => a.table.name), profile);
      const partner = link && [...aliases.values()].find((a) => a.table.name === link.table);
      if (!link || !partner) continue;
      const alias = freshAlias(aliases, owner.name);
      const end = /\s+(?:WHERE|GROUP\s+BY|HAVING|ORDER\s+BY|LIMIT)\b/i.exec(block)?.index ?? block.length;
      const joined = `${block.slice(0, end)} JOIN ${owner.name} AS ${alias} ON ${alias}.${link.ownerColumn} = ${partner.spelled}.${link.column}${block.slice(end)}`;
      blocks[i] = joined.replace(new RegExp(`\\b${escapeRegExp(wrong.spelled)}\\.("?)${escapeRegExp(column)}\\1(?!\\w)`, "gi"), (whole) => `${alias}${whole.slice(wrong.spelled.length)}`);
      changed = true;
    }
  }
  return changed ? blocks.join("") : undefined;
}

/** T3 after T1 and T2, as small models name aliases; else the table's initial with a number no alias has. */
function freshAlias(aliases: ReadonlyMap<string, unknown>, table: string): string {
  const taken = [...aliases.keys()];
  const numbered = taken.map((a) => /^t(\d+)$/.exec(a)?.[1]).filter((n): n is string => n !== undefined).map(Number);
  if (numbered.length > 0) return `T${Math.max(...numbered) + 1}`;
  const initial = table.slice(0, 1).toLowerCase();
  for (let n = 1; ; n++) if (!taken.includes(`${initial}${n}`)) return `${initial}${n}`;
}

/**
 * The checker's `"p" is not a table or alias in this query` where one table of the query has no alias and has every
 * column the query reads through `p.`: the model used an alias it never gave (`FROM patents WHERE p.kind = 'B2'`).
 */
function nameAlias(sql: string, problem: string, catalog: Catalog): string | undefined {
  const alias = /"(\w+)" is not a table or alias in this query/.exec(problem)?.[1];
  const aliases = aliasesOf(sql, catalog);
  if (alias === undefined || !aliases) return undefined;
  const used = [...sql.matchAll(new RegExp(`(?<![\\w.])${escapeRegExp(alias)}\\.("?)(\\w+)\\1`, "gi"))].map((m) => m[2] ?? "");
  const bare = [...aliases.values()].filter(({ table, spelled }) => spelled.toLowerCase() === table.name.toLowerCase() &&
    used.every((column) => findColumn(table, column) !== undefined));
  const only = bare.length === 1 ? bare[0] : undefined;
  if (!only || used.length === 0) return undefined;
  const fixed = sql.replace(new RegExp(`\\b(FROM|JOIN)(\\s+)("?)${escapeRegExp(only.spelled)}\\3(?![\\w.])`, "i"), (whole) => `${whole} AS ${alias}`);
  return fixed === sql ? undefined : fixed;
}

/**
 * DuckDB's "invalid date field format: "2009"" for `filing_date > '2009'`: the model compared a date with a year.
 * Comparing the date's year says what it meant, for every operator (`year(filing_date) > 2009`).
 */
function yearRepair(sql: string, problem: string, catalog: Catalog): string | undefined {
  if (!/invalid date field format: "\d{4}"/.test(problem)) return undefined;
  const tables = [...(aliasesOf(sql, catalog)?.values() ?? [])].map((a) => a.table);
  const isDate = (ref: string) => {
    const name = ref.split(".").pop()?.replace(/"/g, "") ?? "";
    return tables.some((t) => /DATE|TIME/.test(findColumn(t, name)?.type ?? ""));
  };
  const column = String.raw`((?:\w+\.)?"?\w+"?)`;
  const fixed = sql
    .replace(new RegExp(String.raw`${column}\s+BETWEEN\s+'(\d{4})'\s+AND\s+'(\d{4})'`, "gi"), (whole, ref: string, low: string, high: string) =>
      (isDate(ref) ? `year(${ref}) BETWEEN ${low} AND ${high}` : whole))
    .replace(new RegExp(String.raw`${column}\s*(=|<>|!=|>=|<=|>|<)\s*'(\d{4})'`, "g"), (whole, ref: string, op: string, year: string) =>
      (isDate(ref) ? `year(${ref}) ${op} ${year}` : whole));
  return fixed === sql ? undefined : fixed;
}

const NOT_ALIASES = new Set(("WHERE ON INNER LEFT RIGHT FULL OUTER CROSS JOIN NATURAL USING GROUP ORDER LIMIT HAVING UNION " +
  "INTERSECT EXCEPT WINDOW QUALIFY").split(" "));

/**
 * The table each alias of a query names (a table without alias names itself), by the alias in lower case, with the
 * alias as the query spells it; undefined when an alias names two tables.
 */
function aliasesOf(sql: string, catalog: Catalog): Map<string, { table: TableInfo; spelled: string }> | undefined {
  const aliases = new Map<string, { table: TableInfo; spelled: string }>();
  // The alias is read ahead, not consumed: in "FROM a JOIN b" the word after a is the next JOIN.
  for (const m of sql.matchAll(/\b(?:FROM|JOIN)\s+"?(\w+)"?(?=(?:\s+(?:AS\s+)?(\w+))?)/gi)) {
    const table = findTable(catalog, m[1] ?? "");
    if (!table) continue;
    const spelled = m[2] !== undefined && !NOT_ALIASES.has(m[2].toUpperCase()) ? m[2] : m[1] ?? "";
    const seen = aliases.get(spelled.toLowerCase());
    if (seen && seen.table !== table) return undefined;
    aliases.set(spelled.toLowerCase(), { table, spelled });
  }
  return aliases;
}

/**
 * The checker's "Column "fname" does not exist in "t1"" where exactly one other table of the query has that column:
 * small models join the right tables but qualify a column with the wrong alias (a sixth of a Spider sample was
 * blocked so), and the fix is that other alias.
 */
function requalifyColumns(sql: string, problem: string, catalog: Catalog): string | undefined {
  const aliases = aliasesOf(sql, catalog);
  if (!aliases) return undefined;
  let fixed = sql;
  for (const m of problem.matchAll(/Column "([^"]+)" does not exist in "([^"]+)"/g)) {
    const column = m[1] ?? "";
    const wrong = (m[2] ?? "").toLowerCase();
    if (!aliases.has(wrong)) continue;
    const owners = [...aliases.values()].filter(({ table }) => findColumn(table, column) !== undefined);
    const right = owners.length === 1 ? owners[0] : undefined;
    if (!right) continue;
    fixed = fixed.replace(new RegExp(`\\b${escapeRegExp(wrong)}\\.("?)${escapeRegExp(column)}\\1(?!\\w)`, "gi"), (whole) => `${right.spelled}${whole.slice(wrong.length)}`);
  }
  return fixed === sql ? undefined : fixed;
}

/**
 * For the engine's "must appear in the GROUP BY clause" on a query without GROUP BY:
 * - the column is in the select list beside an aggregate ("SELECT assignee, count(*) … LIMIT 5"): it is what the
 *   rows are counted by, so a GROUP BY on it is added;
 * - otherwise small models have ended a single-number query with an ORDER BY copied from a listing
 *   ("SELECT count(*) … ORDER BY publication_number"); without GROUP BY that ORDER BY cannot change the one row,
 *   so it is dropped.
 * Only the outer query is touched: nothing is done when a subquery follows the place of the edit.
 */
function groupByRepair(sql: string, problem: string): string | undefined {
  const missing = /column "([^"]+)" must appear in the GROUP BY clause/i.exec(problem);
  if (!missing || /\bGROUP\s+BY\b/i.test(sql)) return undefined;
  const column = (missing[1] ?? "").split(".").pop() ?? "";
  const selectList = /^\s*SELECT\s+(?:DISTINCT\s+)?([\s\S]*?)\s+FROM\s/i.exec(sql)?.[1] ?? "";
  const key = selectList.split(",").map((item) => item.trim()).find((item) => new RegExp(`^(?:\\w+\\.)?"?${escapeRegExp(column)}"?$`, "i").test(item));
  const tail = /\s+(?:HAVING|ORDER\s+BY|LIMIT)\b|$/i.exec(sql.slice(sql.lastIndexOf(")") + 1));
  if (key !== undefined && tail) {
    const at = sql.lastIndexOf(")") + 1 + tail.index;
    return `${sql.slice(0, at)} GROUP BY ${key}${sql.slice(at)}`.trim();
  }
  const order = /\s+ORDER\s+BY\s+[^()]*?(?=\s+LIMIT\b|$)/i.exec(sql);
  if (!order || order.index < sql.lastIndexOf(")")) return undefined;
  return (sql.slice(0, order.index) + sql.slice(order.index + order[0].length)).trim();
}

/**
 * For each column the checker did not find in the query's tables: the tables that have it, and how one joins a
 * table of the query (from the inferred references). Small models join the link table and take a column of the
 * table behind it ("SELECT T1.Fname FROM Has_Pet AS T1"), and the checker alone only says what is missing.
 */
export function whereColumnsAre(problem: string, sql: string, profile: SchemaProfile, catalog: Catalog): string {
  const inQuery = [...(aliasesOf(sql, catalog)?.values() ?? [])].map((a) => a.table.name);
  const notes = new Set<string>();
  for (const m of problem.matchAll(/Column "([^"]+)" does not exist/g)) {
    const column = (m[1] ?? "").toLowerCase();
    const owners = profile.tables.filter((t) => t.columns.some((c) => c.name.toLowerCase() === column));
    if (owners.length === 0 || owners.length > 3) continue;
    const where = owners.map((owner) => {
      const spelled = owner.columns.find((c) => c.name.toLowerCase() === column)?.name ?? column;
      const link = inQuery.includes(owner.name) ? undefined : linkTo(owner, inQuery, profile);
      const join = link && `${owner.name}.${link.ownerColumn} = ${link.table}.${link.column}`;
      return `${owner.name}.${spelled}${join ? ` (join ${owner.name} ON ${join})` : ""}`;
    });
    notes.add(`"${m[1]}" is ${where.join(" or ")}`);
  }
  return notes.size === 0 ? "" : `. Where the columns are: ${[...notes].join("; ")}`;
}

/**
 * A join on a column compared with itself (`JOIN Treatments AS T2 ON T1.owner_id = T1.owner_id`) pairs every row
 * with every row: small models write it when the two tables share no column. It runs, so only this check sees it;
 * the model is told, with the path of references that joins the two tables when there is one (through Dogs).
 */
export function selfJoinProblem(sql: string, profile: SchemaProfile): string | undefined {
  const tables = [...sql.matchAll(/\b(?:FROM|JOIN)\s+"?(\w+)"?/gi)].map((m) => ({ name: m[1] ?? "", at: m.index }));
  for (const m of sql.matchAll(/\bON\s+(\w+)\.("?\w+"?)\s*=\s*(\w+)\.("?\w+"?)/gi)) {
    if ((m[1] ?? "").toLowerCase() !== (m[3] ?? "").toLowerCase() || (m[2] ?? "").toLowerCase() !== (m[4] ?? "").toLowerCase()) continue;
    const before = tables.filter((t) => t.at < m.index);
    const joined = profileTable(profile, before.at(-1)?.name);
    const partner = profileTable(profile, before.at(-2)?.name);
    if (!joined || !partner) continue;
    const path = joinPath(partner.name, joined.name, profile);
    const how = path === undefined ? `Join them on a column of one that holds the values of a column of the other.`
      : path.tables.length > 2 ? `Join them through ${path.tables.slice(1, -1).join(", ")}: ${path.conditions.join(" AND ")}.`
        : `Join them on ${path.conditions.join(" AND ")}.`;
    return `the join "${m[0]}" compares a column with itself, which pairs every row of ${partner.name} with every row of ${joined.name}. ${how}`;
  }
  return undefined;
}

function profileTable(profile: SchemaProfile, name: string | undefined): SchemaProfile["tables"][number] | undefined {
  return name === undefined ? undefined : profile.tables.find((t) => t.name.toLowerCase() === name.toLowerCase());
}

/** The shortest chain of references from one table to another (three joins at most), as join conditions. */
function joinPath(from: string, to: string, profile: SchemaProfile): { tables: string[]; conditions: string[] } | undefined {
  const edges = profile.tables.flatMap((t) => t.columns.flatMap((c) => (c.references
    ? [{ a: t.name, b: c.references.table, condition: `${t.name}.${c.name} = ${c.references.table}.${c.references.column}` }] : [])));
  let paths = [{ tables: [from], conditions: [] as string[] }];
  for (let hop = 0; hop < 3; hop++) {
    const next: typeof paths = [];
    for (const path of paths) {
      const at = path.tables.at(-1);
      for (const e of edges) {
        const other = e.a === at ? e.b : e.b === at ? e.a : undefined;
        if (other === undefined || path.tables.includes(other)) continue;
        const longer = { tables: [...path.tables, other], conditions: [...path.conditions, e.condition] };
        if (other === to) return longer;
        next.push(longer);
      }
    }
    paths = next;
  }
  return undefined;
}

/** How `owner` joins a table of the query, from a reference either way: owner.ownerColumn = table.column. */
function linkTo(owner: SchemaProfile["tables"][number], inQuery: readonly string[], profile: SchemaProfile): { ownerColumn: string; table: string; column: string } | undefined {
  for (const c of owner.columns) {
    if (c.references && inQuery.includes(c.references.table)) return { ownerColumn: c.name, table: c.references.table, column: c.references.column };
  }
  for (const t of profile.tables) {
    if (!inQuery.includes(t.name)) continue;
    for (const c of t.columns) if (c.references?.table === owner.name) return { ownerColumn: c.references.column, table: t.name, column: c.name };
  }
  return undefined;
}

/** What went wrong with a try, as the model will read it; undefined when the query passed and ran. */
export function describeProblem(verdict: Verdict, error: string | undefined): string | undefined {
  if (verdict.verdict === "block") {
    const findings = verdict.findings.filter((f) => f.severity === "error");
    // One finding per place: a column used four times is one problem to the model.
    const text = [...new Set((findings.length > 0 ? findings : verdict.findings).map((f) => `${f.message}${f.hint ? ` (${f.hint})` : ""}`))].join("; ");
    return cap(`the checker blocked it: ${text || "not allowed"}`);
  }
  if (error !== undefined) return cap(`the database said: ${error.split("\n").slice(0, 3).join(" ")}`);
  return undefined;
}

function cap(text: string): string {
  return text.length > MAX_PROBLEM_CHARS ? `${text.slice(0, MAX_PROBLEM_CHARS - 1)}…` : text;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
