/**
 * The `%%ask` pipeline, the one path every question takes (the magic, `streamlink ask`, the evaluations and the
 * benchmarks call it): a request to change data or read files is refused before any model is asked; otherwise
 * question → candidates from the generator → check → run, each under the time limit for generated queries → the
 * answer with the run of the very try whose SQL it is, and what that SQL does in plain words.
 */
import type { Table } from "apache-arrow";
import type { Catalog } from "../core/catalog.js";
import type { Engine } from "../core/engine.js";
import type { QueryExplanation } from "../core/explain.js";
import { AskStoppedError, BlockedQueryError, QueryCancelledError, TooExpensiveError, UsageError, asError } from "../core/errors.js";
import type { GenerationStage, Provenance, Sampling, SavedExample, SqlGenerator, TryNumber, TryReport } from "../core/llm.js";
import type { Problem } from "../core/problem.js";
import type { Verdict } from "../core/verdict.js";
import { explainSql } from "../explain/index.js";
import { refusedRequest } from "../intent/index.js";
import { errorProblem, verdictProblems } from "./problems.js";
import type { CheckedRun, Session } from "./session.js";
import { isEmbeddingsTable } from "./similar.js";

/** Rows a value-linking probe may bring back to the generator. */
const PROBE_ROWS = 200;

export interface AskRequest {
  readonly question: string;
  /** Connection name; the current default when absent. */
  readonly engine?: string;
  /** Rows to materialise for each candidate; `Config.max_rows` when absent. */
  readonly maxRows?: number;
  /** Check each candidate but run none (`--sql-only`): repairs then use the checker's findings only. */
  readonly sqlOnly?: boolean;
  readonly examples?: readonly SavedExample[];
  readonly notes?: readonly string[];
  /** Time limit for each generated query, in ms; `Config.ask_timeout_s` when absent (0 = none). */
  readonly timeoutMs?: number;
  readonly onStage?: (stage: AskStage) => void;
  /** Sampled decoding for this question's first try (session/candidates.ts asks for several candidates). */
  readonly sampling?: Sampling;
}

/**
 * Where a question is: the generator's stages, then checking and running each try; with several candidates
 * (session/candidates.ts), which candidate the stage belongs to.
 */
export type AskStage = (GenerationStage | { readonly kind: "checking" | "running"; readonly try: TryNumber }) & { readonly candidate?: TryNumber };

/** What trying one candidate gave: its rows or the error it met. */
export interface CandidateRun {
  readonly run?: CheckedRun;
  readonly error?: Error;
}

/** What became of a question: answered with SQL, or refused as a request to change data or read files. */
export type AskResult = AskAnswer | AskRefusal;

/**
 * A request to change data or read files, refused before any model was asked: no SQL was written and nothing ran.
 * The verdict is `block` with category `policy`, its one finding the reason shown to the user.
 */
export interface AskRefusal {
  readonly kind: "refused";
  readonly question: string;
  readonly verdict: Verdict;
  readonly timings: Readonly<Record<string, number>>;
}

/** One answered question: the SQL, its verdict, and the rows or error of that SQL's own run. */
export interface AskAnswer {
  readonly kind: "answer";
  readonly question: string;
  readonly sql: string;
  /** What `sql` does in plain words, rendered from its parse tree (never by the model). */
  readonly explanation: QueryExplanation;
  readonly verdict: Verdict;
  /** The run of the chosen try (absent with `sqlOnly`, when blocked, or when it failed). */
  readonly run?: CheckedRun;
  /** Why the chosen try has no rows: the engine's error, a time-out, or the checker's block. */
  readonly error?: Error;
  /** The chosen try's problems as data (empty when it passed and ran). */
  readonly problems: readonly Problem[];
  readonly tries: number;
  /** Which try is the answer (1-based). */
  readonly chosenTry: number;
  readonly provenance: Provenance;
  /** The generator's stages and the whole question, in ms. */
  readonly timings: Readonly<Record<string, number>>;
}

/**
 * The connection a question goes to and the tables the model may read: precomputed embeddings are the semantic
 * filter's, not tables a question is about; a connection with no other table has nothing to write SQL about.
 */
async function askableConnection(session: Session, name: string | undefined): Promise<{ engine: Engine; catalog: Catalog }> {
  const engine = await session.engine(name);
  const whole = await session.catalog(engine);
  const catalog = { ...whole, tables: whole.tables.filter((t) => !isEmbeddingsTable(t)) };
  if (catalog.tables.length === 0) {
    throw new UsageError(
      `Connection '${engine.name}' has no tables to ask about`,
      "Connect to data first, e.g. %connect duckdb data/patents (or pass --engine NAME); %tables lists what a connection holds.",
      { engine: engine.name },
    );
  }
  return { engine, catalog };
}

/** Asks `generator` the question on the session's connection; the stop button ends it (`AskStoppedError`). */
export function askQuestion(session: Session, generator: SqlGenerator, request: AskRequest): Promise<AskResult> {
  return session.stoppableWork((signal) => answer(session, generator, request, signal));
}

async function answer(session: Session, generator: SqlGenerator, request: AskRequest, signal: AbortSignal): Promise<AskResult> {
  const started = performance.now();
  const refused = refusedRequest(request.question, (await session.engine(request.engine)).dialect);
  if (refused) return { kind: "refused", question: request.question, verdict: refused, timings: { askMs: Math.round(performance.now() - started) } };
  const { engine, catalog } = await askableConnection(session, request.engine);
  const configured = session.config.ask_timeout_s * 1000;
  const timeoutMs = (request.timeoutMs ?? configured) > 0 ? request.timeoutMs ?? configured : undefined;
  let stage: AskStage = { kind: "schema" };
  const show = (next: AskStage) => {
    stage = next;
    request.onStage?.(next);
  };
  const stopped = () => new AskStoppedError(describeStage(stage));

  const tryCandidate = async (sql: string, number: TryNumber): Promise<TryReport<CandidateRun>> => {
    show({ kind: "checking", try: number });
    if (request.sqlOnly) {
      const verdict = await session.check(sql, engine, { author: "model" });
      return { verdict, problems: verdictProblems(verdict) };
    }
    let verdict: Verdict | undefined;
    try {
      const run = await session.run(sql, { engine: engine.name, maxRows: request.maxRows, timeoutMs: timeoutMs ?? 0, author: "model" }, (v) => {
        verdict = v;
        if (v.verdict === "allow") show({ kind: "running", try: number });
      });
      return { verdict: run.verdict, problems: [], outcome: { run } };
    } catch (thrown) {
      const error = asError(thrown);
      if (signal.aborted) throw stopped();
      if (error instanceof BlockedQueryError || verdict === undefined) {
        const checked = verdict ?? await session.check(sql, engine, { author: "model" });
        return { verdict: checked, problems: verdictProblems(checked), outcome: { error } };
      }
      return { verdict, problems: [errorProblem(error, engine.dialect, timeoutMs)], outcome: { error } };
    }
  };

  let generation;
  try {
    generation = await generator.generate<CandidateRun>({
      question: request.question,
      dialect: engine.dialect,
      catalog,
      examples: request.examples,
      notes: request.notes,
      signal,
      onStage: show,
      sampling: request.sampling,
      sampleValues: async (sql) => rowsOf((await session.run(sql, { engine: engine.name, maxRows: PROBE_ROWS, timeoutMs: timeoutMs ?? 0, author: "model" })).result.table),
      tryQuery: tryCandidate,
    });
  } catch (thrown) {
    if (signal.aborted && !(thrown instanceof AskStoppedError)) throw stopped();
    throw thrown;
  }
  const { report, provenance } = generation;
  const outcome = report.outcome ?? {};
  const expensive = report.problems.find((p) => p.kind === "too-expensive");
  const error = expensive && outcome.error instanceof QueryCancelledError ? new TooExpensiveError(expensive.limitMs ?? 0, provenance.tries) : outcome.error;
  return {
    kind: "answer",
    question: request.question,
    sql: generation.sql,
    explanation: await explainSql(generation.sql, engine.dialect),
    verdict: generation.verdict,
    ...(outcome.run ? { run: outcome.run } : {}),
    ...(error ? { error } : {}),
    problems: report.problems,
    tries: provenance.tries,
    chosenTry: provenance.chosenTry ?? provenance.tries,
    provenance,
    timings: { ...provenance.timings, askMs: Math.round(performance.now() - started) },
  };
}

/** A stage in words, for the progress line and for what the stop button interrupted. */
export function describeStage(stage: AskStage): string {
  const words = stageWords(stage);
  return stage.candidate ? `candidate ${stage.candidate.attempt} of ${stage.candidate.of}: ${words}` : words;
}

function stageWords(stage: AskStage): string {
  switch (stage.kind) {
    case "schema":
      return "reading the schema";
    case "queued":
      return `queued, ${stage.ahead} ahead, about ${Math.max(1, Math.round(stage.etaMs / 1000))} s (try ${stage.try.attempt} of ${stage.try.of})`;
    case "writing":
      return `writing SQL (try ${stage.try.attempt} of ${stage.try.of})`;
    case "checking":
      return `checking try ${stage.try.attempt} of ${stage.try.of}`;
    case "running":
      return `running try ${stage.try.attempt} of ${stage.try.of}`;
  }
}

/** An Arrow result as rows of plain values. */
export function rowsOf(table: Table): unknown[][] {
  const columns = table.schema.fields.map((_f, c) => table.getChildAt(c));
  const rows: unknown[][] = [];
  for (let r = 0; r < table.numRows; r++) rows.push(columns.map((v) => v?.get(r)));
  return rows;
}
