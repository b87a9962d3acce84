import type { Catalog } from "../core/catalog.js";
import type { Dialect } from "../core/engine.js";
import type { Generation, GenerationRequest, ModelInfo, SavedExample, SqlGenerator, TryReport } from "../core/llm.js";
import type { Problem } from "../core/problem.js";
import { retrieveExamples } from "./examples.js";
import { buildSqlGrammar } from "./grammar.js";
import { identifierHints, linkValues, renderLinks } from "./linking.js";
import type { ExampleRanker } from "./example-ranking.js";
import { renderProblems } from "./problem-text.js";
import { loadPrompts, type PromptSet } from "./prompts.js";
import { profileCatalog, renderSchema, type SchemaProfile } from "./profile.js";
import { resolveAdapter, resolveModel } from "./registry.js";
import { mechanicalRepair, selfJoinProblem, whereColumnsAre } from "./repairs.js";
import { extractSql, sqlOnOneLine } from "./statement.js";
import type { ChatMessage, TextModel } from "./text-model.js";
import { completeDates, dropRepeatedConditions, tidyGroups } from "./tidy.js";

export interface LocalGeneratorOptions {
  /** Registry name or GGUF path; the registry's default when absent. */
  readonly model?: string;
  /** A LoRA adapter to load with the model: a registered name or a GGUF adapter file. */
  readonly lora?: string;
  /**
   * Opens the model named by `model` with the adapter `lora`: registry look-up and the node-llama-cpp adapter by
   * default (tests may pass another).
   */
  readonly load?: (nameOrPath: string | undefined, lora?: string) => Promise<TextModel>;
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
  /**
   * Picks the examples by meaning (models/example-ranking.ts, on the session's embedder); without it, or when the
   * embedding model cannot load, by shared words.
   */
  readonly rankExamples?: ExampleRanker;
  /** Notes on the data used when a request brings none. */
  readonly notes?: readonly string[];
  /** Told every prompt before the model reads it (`eval --prompts`: two runs' prompts compared question by question). */
  readonly onPrompt?: (prompt: PromptRecord) => void;
}

/** One model call of a question: what the model read, and how it was decoded (greedy when no temperature). */
export interface PromptRecord {
  readonly question: string;
  readonly try: number;
  readonly messages: readonly ChatMessage[];
  readonly temperature?: number;
  readonly seed?: number;
}

const DEFAULTS = { maxTries: 3, constrained: true, maxExamples: 2, maxSchemaColumns: 60, maxTokens: 256 } as const;
/** Sampling temperature for a repair whose greedy answer repeats a failed one. */
const REPAIR_TEMPERATURE = 0.7;

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
  private readonly load: (nameOrPath: string | undefined, lora?: string) => Promise<TextModel>;
  private wanted: string | undefined;
  private wantedLora: string | undefined;
  private loaded: Promise<LoadedModel> | undefined;
  private readonly profiles = new Map<string, Promise<SchemaProfile>>();
  private readonly grammars = new Map<string, string>();
  private readonly examples: readonly SavedExample[];
  private readonly notes: readonly string[];
  private readonly rankExamples: ExampleRanker | undefined;
  private readonly onPrompt: ((prompt: PromptRecord) => void) | undefined;
  private readonly settings: Required<Omit<LocalGeneratorOptions, "model" | "lora" | "load" | "prompts" | "examples" | "notes" | "rankExamples" | "onPrompt">>;

  constructor(options: LocalGeneratorOptions = {}) {
    this.prompts = options.prompts ?? loadPrompts();
    this.load = options.load ?? loadLocalModel;
    this.wanted = options.model;
    this.wantedLora = options.lora;
    this.examples = options.examples ?? [];
    this.notes = options.notes ?? [];
    this.rankExamples = options.rankExamples;
    this.onPrompt = options.onPrompt;
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
  async useModel(nameOrPath: string, lora?: string): Promise<ModelInfo> {
    const next = await this.open(nameOrPath, lora);
    const previous = this.loaded;
    this.loaded = Promise.resolve(next);
    this.wanted = nameOrPath;
    this.wantedLora = lora;
    if (previous) await (await previous.catch(() => undefined))?.text.close();
    return next.info;
  }

  async generate<R>(request: GenerationRequest<R>): Promise<Generation<R>> {
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
    const { signal } = request;

    request.onStage?.({ kind: "schema" });
    const { text: model, info } = await lap("loadMs", () => this.handle());
    signal?.throwIfAborted();
    const profile = await lap("profileMs", () => this.profile(request.catalog, request.dialect, request.sampleValues));
    signal?.throwIfAborted();
    const links = await lap("linkMs", async () => linkValues(request.question, profile));
    const hints = [...identifierHints(request.question, profile), ...(links.length > 0 ? [renderLinks(links, profile.dialect)] : [])];
    const keep = this.relevantTables(request.question, profile, links.map((l) => l.table));
    const messages: ChatMessage[] = [
      { role: "system", text: systemPrompt(this.prompts, profile, keep, request.notes ?? this.notes) },
      { role: "user", text: this.prompts.render("question", {
        examples: await this.examplesFor(request.question, request.examples ?? this.examples),
        hints: hints.length > 0 ? this.prompts.render("hints", { values: hints.join("\n") }) : "",
        question: request.question.trim(),
      }) },
    ];
    const grammar = this.settings.constrained ? this.grammar(request.catalog) : undefined;

    interface Tried { readonly sql: string; readonly report: TryReport<R>; readonly number: number }
    let last: Tried | undefined;
    let runnable: Tried | undefined;
    const attempts: { sql: string; problem?: string }[] = [];
    let previousProblems: readonly Problem[] = [];
    let tries = 0;
    while (tries < this.settings.maxTries) {
      tries++;
      const number = { attempt: tries, of: this.settings.maxTries };
      const ask = async (sampling: { temperature?: number; seed?: number }) => {
        request.onStage?.({ kind: "writing", try: number, text: "" });
        this.onPrompt?.({ question: request.question, try: tries, messages: [...messages], ...sampling });
        const answer = await lap("generateMs", () => model.complete({
          messages, grammar, maxTokens: this.settings.maxTokens, ...sampling, signal,
          onText: request.onStage && ((text) => request.onStage?.({ kind: "writing", try: number, text })),
          onWait: request.onStage && ((wait) => request.onStage?.(wait.state === "queued"
            ? { kind: "queued", try: number, ahead: wait.ahead, etaMs: wait.etaMs }
            : { kind: "writing", try: number, text: "" })),
        }));
        signal?.throwIfAborted();
        const sql = extractSql(answer.text);
        return tidyGroups(await completeDates(answer.tokens >= this.settings.maxTokens ? dropRepeatedConditions(sql) : sql, request.dialect), request.dialect);
      };
      const previous = attempts.at(-1);
      const mechanical = previous === undefined || previousProblems.length === 0 ? undefined : await mechanicalRepair(previous.sql, previousProblems, request.catalog, request.dialect, profile);
      let sql = mechanical ?? await ask(tries === 1 ? request.sampling ?? {} : {});
      // Greedy decoding repeats itself: when the repair is an answer that already failed, sample one that can differ.
      if (attempts.some((a) => a.sql === sql)) sql = await ask({ temperature: REPAIR_TEMPERATURE, seed: tries });
      const report = await lap("checkMs", () => request.tryQuery(sql, number));
      signal?.throwIfAborted();
      last = { sql, report, number: tries };
      // A query that runs but joins on a column compared with itself gets one more try; it stays the answer if
      // the tries after it do not run.
      const suspect = report.problems.length === 0 && tries < this.settings.maxTries ? await selfJoinProblem(sql, request.dialect, profile) : undefined;
      if (suspect !== undefined) runnable ??= last;
      const problems = suspect === undefined ? report.problems : [suspect];
      if (problems.length === 0) {
        attempts.push({ sql });
        runnable = undefined;
        break;
      }
      const problem = renderProblems(this.prompts, problems, await whereColumnsAre(problems, sql, request.dialect, profile, request.catalog));
      attempts.push({ sql, problem });
      previousProblems = problems;
      messages.push({ role: "assistant", text: `${sql};` }, { role: "user", text: this.prompts.render("repair", { problem }) });
    }
    timings["totalMs"] = Math.round(performance.now() - started);
    if (!last) throw new Error("LocalSqlGenerator: maxTries must be at least 1");
    const chosen = runnable ?? last;
    return {
      sql: chosen.sql,
      verdict: chosen.report.verdict,
      report: chosen.report,
      provenance: { model: info.name, modelSha256: info.sha256, ...(info.adapter ? { adapter: info.adapter } : {}), promptVersion: this.prompts.version, tries, chosenTry: chosen.number, timings, attempts },
    };
  }

  async close(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = undefined;
    if (loaded) await (await loaded.catch(() => undefined))?.text.close();
  }

  private async open(nameOrPath: string | undefined, lora: string | undefined): Promise<LoadedModel> {
    const text = await this.load(nameOrPath, lora);
    const adapter = text.adapter && { name: text.adapter.name, sha256: text.adapter.sha256 };
    return { text, info: { name: text.name, path: text.path, sha256: await text.sha256(), ...(adapter ? { adapter } : {}) } };
  }

  private handle(): Promise<LoadedModel> {
    if (!this.loaded) {
      const loading = this.open(this.wanted, this.wantedLora);
      this.loaded = loading;
      loading.catch(() => { if (this.loaded === loading) this.loaded = undefined; });
    }
    return this.loaded;
  }

  private profile(catalog: Catalog, dialect: Dialect, probe: GenerationRequest["sampleValues"]): Promise<SchemaProfile> {
    // The catalog's `source` fingerprints the data: the same schema over other data is profiled anew.
    const key = `${dialect}\n${catalog.source ?? ""}\n${JSON.stringify(catalog.tables)}`;
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


  private async examplesFor(question: string, saved: readonly SavedExample[]): Promise<string> {
    const k = this.settings.maxExamples;
    // The embedding model is optional (a checkout without it still answers): shared words are the fallback.
    const chosen = this.rankExamples
      ? await this.rankExamples(question, saved, k).catch(() => retrieveExamples(question, saved, k))
      : retrieveExamples(question, saved, k);
    const pairs = chosen.map((e) => `Question: ${oneLine(e.question)}\nSQL: ${sqlOnOneLine(e.sql)};`).join("\n\n");
    return pairs === "" ? "" : this.prompts.render("examples", { pairs });
  }

}

/**
 * The system turn of every question: rules, the dialect's notes, the schema (only `keep`'s tables when given) and the
 * data's notes. LoRA training (adapt/train-data.ts) renders its pairs with it, so an adapter learns the prompt it is
 * asked with.
 */
export function systemPrompt(prompts: PromptSet, profile: SchemaProfile, keep: ReadonlySet<string> | undefined, notes: readonly string[]): string {
  return prompts.render("system", {
    dialect: profile.dialect === "spark" ? "Spark SQL" : "DuckDB",
    dialectNotes: prompts.render(profile.dialect === "spark" ? "dialect-spark" : "dialect-duckdb", {}),
    schema: renderSchema(profile, keep),
    notes: notes.length === 0 ? "" : prompts.render("notes", { notes: notes.map((n) => `- ${oneLine(n)}`).join("\n") }),
  });
}

/**
 * A registry name or GGUF path, with its LoRA adapter if any, resolved (no download) and loaded with node-llama-cpp,
 * imported only now.
 */
async function loadLocalModel(nameOrPath: string | undefined, lora?: string): Promise<TextModel> {
  const resolved = resolveModel(nameOrPath);
  const adapter = lora === undefined ? undefined : resolveAdapter(lora, resolved);
  return (await import("./llama.js")).loadLlamaModel(resolved, adapter ? { lora: adapter } : {});
}

/** Prose (a question, a note) on one line, for a prompt that shows one item per line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
