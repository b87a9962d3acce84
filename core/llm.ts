import type { Catalog } from "./catalog.js";
import type { Dialect } from "./engine.js";
import type { Problem } from "./problem.js";
import type { Verdict } from "./verdict.js";

/** Where the generated SQL came from, kept with the cell for reviewers. */
export interface Provenance {
  readonly model: string;
  readonly modelSha256: string;
  /** The LoRA adapter loaded with the model (`--lora`, `%model … --lora`), by name and sha256 of its file. */
  readonly adapter?: AdapterInfo;
  readonly promptVersion: string;
  readonly tries: number;
  /** The try whose SQL is the answer (1-based): an earlier try that ran may be kept over a later one that did not. */
  readonly chosenTry?: number;
  readonly timings: Readonly<Record<string, number>>;
  /** Every candidate the model wrote, with what was wrong with it (the last one has no problem when it ran). */
  readonly attempts?: readonly { readonly sql: string; readonly problem?: string }[];
}

/** A verified question→SQL pair the user saved (`%remember`), offered to the model as an example. */
export interface SavedExample {
  readonly question: string;
  readonly sql: string;
  readonly savedAt?: string;
}

/** A LoRA adapter applied to a model. */
export interface AdapterInfo {
  readonly name: string;
  readonly sha256: string;
}

/** The model a generator uses, for `%model` and provenance. */
export interface ModelInfo {
  readonly name: string;
  readonly path: string;
  readonly sha256: string;
  readonly adapter?: AdapterInfo;
}

/**
 * Where a question waits for a shared model service (`streamlink serve`): its place in the queue with a guess of
 * the wait, then running. A model in this process never queues, so it never reports.
 */
export type ModelWait =
  | { readonly state: "queued"; readonly ahead: number; readonly etaMs: number }
  | { readonly state: "running" };

/** Which try of how many a candidate is. */
export interface TryNumber {
  readonly attempt: number;
  readonly of: number;
}

/**
 * What trying one candidate gave: the checker's verdict, the problems found (none when it passed and ran) and the
 * caller's own outcome of the try (its rows or error), which the generator hands back with the try it keeps.
 */
export interface TryReport<R = unknown> {
  readonly verdict: Verdict;
  readonly problems: readonly Problem[];
  readonly outcome?: R;
}

/** Where the generator is, for a progress display; `queued` only when the model is a shared service. */
export type GenerationStage =
  | { readonly kind: "schema" }
  | { readonly kind: "queued"; readonly try: TryNumber; readonly ahead: number; readonly etaMs: number }
  | { readonly kind: "writing"; readonly try: TryNumber; readonly text: string };

export interface GenerationRequest<R = unknown> {
  readonly question: string;
  readonly dialect: Dialect;
  readonly catalog: Catalog;
  /** Runs a read-only probe (distinct values for value linking); already checked by the caller's checker. */
  readonly sampleValues: (sql: string) => Promise<readonly (readonly unknown[])[]>;
  /** Checks a candidate and, when allowed, runs it; the generator repairs from the problems that come back. */
  readonly tryQuery: (sql: string, number: TryNumber) => Promise<TryReport<R>>;
  /** Saved pairs to pick few-shot examples from (the notebook folder's `%remember` file). */
  readonly examples?: readonly SavedExample[];
  /** The user's own definitions for this data ("granted means grant_date IS NOT NULL"), from the same file. */
  readonly notes?: readonly string[];
  /** Stops decoding (the stop button); the generation then rejects. */
  readonly signal?: AbortSignal;
  readonly onStage?: (stage: GenerationStage) => void;
  /** How the first try is decoded: absent is greedy; a sampled candidate differs from the greedy one. */
  readonly sampling?: Sampling;
}

/** Sampled decoding, reproducible for a given seed. */
export interface Sampling {
  readonly temperature: number;
  readonly seed: number;
}

export interface Generation<R = unknown> {
  readonly sql: string;
  readonly verdict: Verdict;
  readonly provenance: Provenance;
  /** The report of the try whose SQL this is (not necessarily the last try: an earlier one that ran may be kept). */
  readonly report: TryReport<R>;
}

/** Natural language to checked SQL, on a model that runs on this machine. */
export interface SqlGenerator {
  generate<R>(request: GenerationRequest<R>): Promise<Generation<R>>;
  /** The model in use (loads it when it is not loaded yet). */
  model?(): Promise<ModelInfo>;
  /**
   * Switches to another model: a registry name or a local GGUF path, with a LoRA adapter (a registered name or a
   * GGUF adapter file) or none; nothing is downloaded.
   */
  useModel?(nameOrPath: string, lora?: string): Promise<ModelInfo>;
  close(): Promise<void>;
}
