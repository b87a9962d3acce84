/**
 * The parent's handle on one worker process: forks `worker-main`, forwards requests and cancellations over IPC,
 * and turns an exit, or a silence longer than `beatTimeoutMs`, into {@link WorkerLostError} for every request
 * still on it (a silent worker is killed first, so it cannot answer later).
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { packageRoot } from "../core/paths.js";
import type { Completion } from "../models/text-model.js";
import type { ParentMessage, WorkerMessage } from "./ipc.js";
import { ModelServiceError, type ServedModel } from "./protocol.js";
import { WorkerLostError, type Job, type ModelWorker } from "./scheduler.js";

export interface ProcessWorkerOptions {
  /** Registry name or GGUF path; the bundled default when absent. */
  readonly model?: string;
  readonly threads: number;
  readonly sequences: number;
  /** Tokens each sequence holds; {@link WORKER_CONTEXT_TOKENS} when absent. */
  readonly contextSize?: number;
  /** A worker that says nothing (not even its beat) for this long is killed and replaced. */
  readonly beatTimeoutMs?: number;
  /** Longest wait for the model to load. */
  readonly startTimeoutMs?: number;
}

/**
 * A worker's tokens per sequence. Every sequence keeps its own key/value cache (28 KiB a token for the bundled 1.5B
 * at f16), so the registry's 8,192 would cost each worker 448 MiB for two sequences; half of that keeps two workers
 * under 4 GB. The longest call `%%ask` makes on the patents dev set, two repairs and its 256-token answer included,
 * is 2,133 tokens, so 4,096 leaves it nearly twice that. The cache stays f16: a quantised one would change the
 * answers, which must be the same as in a kernel that loads the model itself.
 */
export const WORKER_CONTEXT_TOKENS = 4096;

interface Pending {
  readonly resolve: (completion: Completion) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal;
  readonly onText: ((chunk: string) => void) | undefined;
}

export class ProcessWorker implements ModelWorker {
  private readonly pending = new Map<number, Pending>();
  private lastHeard = Date.now();
  private exited = false;
  private readonly watchdog: NodeJS.Timeout;

  private constructor(
    private readonly child: ChildProcess,
    readonly slots: number,
    readonly model: ServedModel,
    beatTimeoutMs: number,
  ) {
    child.on("message", (message: WorkerMessage) => this.onMessage(message));
    child.on("exit", (code, signal) => this.onExit(`worker ${child.pid} exited (${signal ?? `code ${code}`})`));
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastHeard > beatTimeoutMs) {
        child.kill("SIGKILL");
        this.onExit(`worker ${child.pid} said nothing for ${beatTimeoutMs} ms and was killed`);
      }
    }, Math.min(1_000, beatTimeoutMs));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Forks a worker and waits until its model is loaded. */
  static async start(options: ProcessWorkerOptions): Promise<ProcessWorker> {
    const source = import.meta.url.endsWith(".ts");
    const entry = fileURLToPath(new URL(`./worker-main.${source ? "ts" : "js"}`, import.meta.url));
    const child = fork(entry, [], {
      cwd: packageRoot(),
      // Run from the sources (tests, tsx) the worker needs tsx too; from dist/ it is plain JavaScript.
      execArgv: source ? ["--import", "tsx"] : [],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      env: {
        ...process.env,
        STREAMLINK_WORKER_MODEL: options.model ?? "",
        STREAMLINK_WORKER_THREADS: String(options.threads),
        STREAMLINK_WORKER_SEQUENCES: String(options.sequences),
        STREAMLINK_WORKER_CONTEXT: String(options.contextSize ?? WORKER_CONTEXT_TOKENS),
      },
    });
    const startTimeoutMs = options.startTimeoutMs ?? 600_000;
    let cleanUp = (): void => undefined;
    const ready = await new Promise<Extract<WorkerMessage, { type: "ready" }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new ModelServiceError(`A model worker did not load its model within ${startTimeoutMs} ms.`));
      }, startTimeoutMs);
      const onMessage = (message: WorkerMessage): void => {
        if (message.type === "ready") resolve(message);
        if (message.type === "failed") reject(new ModelServiceError(`A model worker could not load its model: ${message.message}`));
      };
      const onExit = (code: number | null): void => reject(new ModelServiceError(`A model worker exited while loading (code ${code}).`));
      child.on("message", onMessage);
      child.on("exit", onExit);
      cleanUp = () => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
      };
    }).finally(() => cleanUp());
    return new ProcessWorker(child, ready.slots, ready.model, options.beatTimeoutMs ?? 30_000);
  }

  run(job: Job, signal: AbortSignal, onText?: (chunk: string) => void): Promise<Completion> {
    if (this.exited) return Promise.reject(new WorkerLostError(`worker ${this.pid} is gone`));
    return new Promise((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject, signal, onText });
      signal.addEventListener("abort", () => this.send({ type: "cancel", id: job.id }), { once: true });
      this.send({ type: "run", id: job.id, request: job.request, stream: onText !== undefined });
    });
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog);
    if (this.exited) return;
    const gone = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await gone;
    clearTimeout(timer);
  }

  private send(message: ParentMessage): void {
    if (!this.exited && this.child.connected) this.child.send(message);
  }

  private onMessage(message: WorkerMessage): void {
    this.lastHeard = Date.now();
    if (message.type === "text") this.pending.get(message.id)?.onText?.(message.chunk);
    if (message.type !== "done" && message.type !== "error") return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.type === "done") pending.resolve(message.completion);
    else if (message.aborted) pending.reject(pending.signal.reason);
    else pending.reject(new ModelServiceError(`The model failed: ${message.message}`));
  }

  private onExit(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    clearInterval(this.watchdog);
    const lost = new WorkerLostError(reason);
    for (const [, pending] of this.pending) pending.reject(lost);
    this.pending.clear();
  }
}
