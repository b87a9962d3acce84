import type { Catalog } from "./catalog.js";
import type { Dialect } from "./engine.js";
import type { Verdict } from "./verdict.js";

/** Where the generated SQL came from, kept with the cell for reviewers. */
export interface Provenance {
  readonly model: string;
  readonly modelSha256: string;
  readonly promptVersion: string;
  readonly tries: number;
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

/** The model a generator uses, for `%model` and provenance. */
export interface ModelInfo {
  readonly name: string;
  readonly path: string;
  readonly sha256: string;
}

/**
 * Where a question waits for a shared model service (`streamlink serve`): its place in the queue with a guess of
 * the wait, then running. A model in this process never queues, so it never reports.
 */
export type ModelWait =
  | { readonly state: "queued"; readonly ahead: number; readonly etaMs: number }
  | { readonly state: "running" };

export interface GenerationRequest {
  readonly question: string;
  readonly dialect: Dialect;
  readonly catalog: Catalog;
  /** Runs a read-only probe (distinct values for value linking); already checked by the caller's checker. */
  readonly sampleValues: (sql: string) => Promise<readonly (readonly unknown[])[]>;
  /** Checks a candidate and, when allowed, runs it; the generator repairs from what comes back. */
  readonly tryQuery: (sql: string) => Promise<{ verdict: Verdict; error?: string }>;
  /** Saved pairs to pick few-shot examples from (the notebook folder's `%remember` file). */
  readonly examples?: readonly SavedExample[];
  /** The user's own definitions for this data ("granted means grant_date IS NOT NULL"), from the same file. */
  readonly notes?: readonly string[];
  /** Told as the question moves through a shared model service's queue (for a note in the cell). */
  readonly onWait?: (wait: ModelWait) => void;
}

export interface Generation {
  readonly sql: string;
  readonly verdict: Verdict;
  readonly provenance: Provenance;
}

/** Natural language to checked SQL, on a model that runs on this machine. */
export interface SqlGenerator {
  generate(request: GenerationRequest): Promise<Generation>;
  /** The model in use (loads it when it is not loaded yet). */
  model?(): Promise<ModelInfo>;
  /** Switches to another model: a registry name or a local GGUF path; nothing is downloaded. */
  useModel?(nameOrPath: string): Promise<ModelInfo>;
  close(): Promise<void>;
}
