/**
 * What the model service and its clients say to each other over HTTP: the request a kernel sends, the events it
 * reads back (one JSON object a line), and the typed errors those events become on the client.
 */
import { StreamLinkError } from "../core/errors.js";
import type { ChatMessage, Completion } from "../models/text-model.js";

/** `%%ask` waits for its answer; `eval` and benchmarks are batch work that goes after every interactive request. */
export type Priority = "interactive" | "batch";

/** A completion request without its abort signal: closing the HTTP request is how a client cancels. */
export interface WireCompletion {
  readonly messages: readonly ChatMessage[];
  readonly grammar?: string;
  readonly maxTokens: number;
  readonly temperature?: number;
  readonly seed?: number;
}

export interface CompleteBody {
  /** Whose request it is: the scheduler is fair between users, not between connections. */
  readonly user: string;
  readonly priority: Priority;
  readonly request: WireCompletion;
  /** Send the answer's text as it is decoded (`text` events), as the in-process model shows it in the cell. */
  readonly stream?: boolean;
}

/** Where a waiting request stands; `etaMs` is a guess from recent service times. */
export interface QueueStatus {
  readonly ahead: number;
  readonly etaMs: number;
}

export type ServiceEvent =
  | ({ readonly type: "queued" } & QueueStatus)
  | { readonly type: "running"; readonly worker: string }
  /** The next piece of the answer; a `running` event after it means the request started again on another worker. */
  | { readonly type: "text"; readonly chunk: string }
  | { readonly type: "done"; readonly completion: Completion }
  | { readonly type: "error"; readonly code: string; readonly message: string; readonly hint: string; readonly data: Record<string, unknown> };

/** The model the service's workers run, for provenance (`/health`). */
export interface ServedModel {
  readonly name: string;
  readonly path: string;
  readonly sha256: string;
}

export type WorkerState = "starting" | "ready" | "busy" | "replacing";

export interface WorkerStatus {
  readonly id: string;
  readonly state: WorkerState;
  readonly running: number;
  readonly slots: number;
  readonly pid?: number;
}

export interface UserMetrics {
  readonly asked: number;
  readonly answered: number;
  readonly queued: number;
  /** Mean time from arrival to a worker, the part of `meanMs` the scheduler decides. */
  readonly meanWaitMs: number;
  readonly meanMs: number;
}

/** `/metrics`: what an operator (and `streamlink serve status`) reads. */
export interface ServiceMetrics {
  readonly queue: number;
  readonly running: number;
  readonly answered: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly rejectedBusy: number;
  readonly retried: number;
  readonly workersReplaced: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly samples: number };
  readonly tokensPerSecond: number;
  readonly users: Readonly<Record<string, UserMetrics>>;
  readonly workers: readonly WorkerStatus[];
}

/** The service turned a request away because its queue is full; the client may ask again later. */
export class ModelBusyError extends StreamLinkError {
  constructor(data: { queue: number; limit: number; scope: "service" | "user" }) {
    super("model-busy",
      data.scope === "user"
        ? `The model service already holds ${data.limit} of your questions; this one was not queued.`
        : `The model service is busy: ${data.queue} questions are waiting (limit ${data.limit}); this one was not queued.`,
      data.scope === "user" ? "Wait for your earlier questions to finish, then run the cell again." : "Run the cell again in a minute.",
      data);
  }
}

/** The request reached no answer: every worker that tried it was lost, or the service stopped. */
export class ModelServiceError extends StreamLinkError {
  constructor(message: string, data: Record<string, unknown> = {}, options?: ErrorOptions) {
    super("model-service", message,
      "Check the service with `npx streamlink serve status`; restart it with `serve stop` then `serve start`.", data, options);
  }
}
