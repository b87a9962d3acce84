/**
 * The paper's Central Control Unit: one queue in front of the model workers. Interactive requests go before batch
 * ones; within a class users share the workers by start-time fair queuing: each request is stamped with its user's
 * virtual time (requests that user has had served, never behind the service's own clock), and the smallest stamp
 * goes next, the earliest arrival among equals. One user's ten questions take turns with the others, and a user
 * back from thinking queues behind those who were already waiting rather than jumping ahead of them. The
 * queue is bounded (a full one answers a typed "busy"), a waiting request can be withdrawn and a running one
 * stopped, and a worker that dies or hangs is replaced while its requests run again on another worker. Each
 * request settles exactly once: an answer that comes back from a worker already given up on is dropped.
 */
import type { Completion } from "../models/text-model.js";
import {
  ModelBusyError, ModelServiceError,
  type Priority, type QueueStatus, type ServiceMetrics, type WireCompletion, type WorkerState, type WorkerStatus,
} from "./protocol.js";

export interface Job {
  readonly id: number;
  readonly user: string;
  readonly priority: Priority;
  readonly request: WireCompletion;
}

/** One model worker as the scheduler sees it; `ProcessWorker` is the real one, tests pass fakes. */
export interface ModelWorker {
  /** Requests it runs at once (its context's sequences). */
  readonly slots: number;
  readonly pid?: number;
  /**
   * The completion of `job`. Rejects with {@link WorkerLostError} when the worker died (the job may run
   * elsewhere); aborting `signal` stops the decoding and rejects with the signal's reason. `onText`, when given, is
   * called with each piece of the answer as it is decoded.
   */
  run(job: Job, signal: AbortSignal, onText?: (chunk: string) => void): Promise<Completion>;
  /** Ends the worker (a hung one is killed); safe to call twice. */
  close(): Promise<void>;
}

/** The worker went away with requests on it: they are not failed, they are run again elsewhere. */
export class WorkerLostError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WorkerLostError";
  }
}

export interface SchedulerOptions {
  /** Starts worker `id` (a fresh process for the real service); called again to replace a lost one. */
  readonly spawn: (id: string) => Promise<ModelWorker>;
  readonly workers: number;
  /** Requests waiting at most, over all users; the next one is answered "busy". */
  readonly maxQueue?: number;
  /** Requests one user may have waiting or running. */
  readonly maxPerUser?: number;
  /** Workers a request is tried on before it fails. */
  readonly maxAttempts?: number;
  /**
   * A request that gets no new text for this long (its prompt's evaluation included) means its worker hangs: the
   * worker is killed and replaced. Counted from the last piece of text, not from the start, so that a worker that
   * is slow because the machine is overloaded, but still writing, is not mistaken for a hung one.
   */
  readonly stallMs?: number;
  /** Wait before starting a replacement again after a failed start. */
  readonly respawnDelayMs?: number;
  /** Told why a worker was given up on (it exited, went silent, or wrote nothing of a request for `stallMs`), for the log. */
  readonly onWorkerLost?: (worker: string, reason: string) => void;
}

export interface SubmitOptions {
  readonly signal?: AbortSignal;
  /** Called when the request is queued and whenever its place in the queue changes. */
  readonly onQueued?: (status: QueueStatus) => void;
  /** Called when the request starts on a worker, again when it starts over on another after a loss. */
  readonly onRunning?: (worker: string) => void;
  /** Each piece of the answer as it is decoded (only from the worker the request is on now). */
  readonly onText?: (chunk: string) => void;
}

interface Entry {
  readonly job: Job;
  readonly submittedAt: number;
  /** Its start stamp in virtual time: its user's requests before it, or the clock when that is later. */
  readonly tag: number;
  readonly options: SubmitOptions;
  readonly resolve: (completion: Completion) => void;
  readonly reject: (error: unknown) => void;
  attempts: number;
  settled: boolean;
  lastAhead?: number;
  running?: { slot: Slot; controller: AbortController; startedAt: number; stall?: NodeJS.Timeout };
  detach?: () => void;
}

interface Slot {
  readonly id: string;
  /** Bumped on each replacement, so that news from a worker already given up on is recognised and dropped. */
  generation: number;
  worker?: ModelWorker;
  state: WorkerState;
  readonly running: Set<Entry>;
}

const DEFAULTS = { maxQueue: 200, maxPerUser: 20, maxAttempts: 3, stallMs: 300_000, respawnDelayMs: 1_000 } as const;
/** Service time assumed for the first estimate, before any request has finished. */
const FIRST_GUESS_MS = 10_000;
const LATENCY_WINDOW = 1_000;
const SERVICE_WINDOW = 50;

export class Scheduler {
  private readonly settings: Required<Omit<SchedulerOptions, "spawn" | "onWorkerLost">>;
  private readonly slots: Slot[] = [];
  /** Waiting requests by class, then by user, each user's in arrival order. */
  private readonly queues: Record<Priority, Map<string, Entry[]>> = { interactive: new Map(), batch: new Map() };
  private nextId = 1;
  /** Each class's virtual clock: the stamp of the request started last. */
  private readonly clock: Record<Priority, number> = { interactive: 0, batch: 0 };
  /** Each user's next stamp by class: one more than their last request's. */
  private readonly nextTag: Record<Priority, Map<string, number>> = { interactive: new Map(), batch: new Map() };
  private closed = false;
  private readonly latencies: number[] = [];
  private readonly serviceTimes: number[] = [];
  private readonly users = new Map<string, { asked: number; answered: number; totalMs: number; started: number; waitMs: number }>();
  private readonly counts = { answered: 0, failed: 0, cancelled: 0, rejectedBusy: 0, retried: 0, workersReplaced: 0 };
  private tokens = 0;
  private busyMs = 0;
  private busySince: number | undefined;

  constructor(private readonly options: SchedulerOptions) {
    this.settings = {
      workers: options.workers,
      maxQueue: options.maxQueue ?? DEFAULTS.maxQueue,
      maxPerUser: options.maxPerUser ?? DEFAULTS.maxPerUser,
      maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
      stallMs: options.stallMs ?? DEFAULTS.stallMs,
      respawnDelayMs: options.respawnDelayMs ?? DEFAULTS.respawnDelayMs,
    };
  }

  /** Starts every worker; resolves when all are ready (a failed start rejects). */
  async start(): Promise<void> {
    for (let i = 0; i < this.settings.workers; i++) this.slots.push({ id: `w${i + 1}`, generation: 0, state: "starting", running: new Set() });
    await Promise.all(this.slots.map(async (slot) => {
      slot.worker = await this.options.spawn(slot.id);
      slot.state = "ready";
    }));
    this.pump();
  }

  submit(user: string, priority: Priority, request: WireCompletion, options: SubmitOptions = {}): Promise<Completion> {
    if (this.closed) return Promise.reject(new ModelServiceError("The model service is stopping."));
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    const waiting = this.waitingCount();
    if (waiting >= this.settings.maxQueue) {
      this.counts.rejectedBusy++;
      return Promise.reject(new ModelBusyError({ queue: waiting, limit: this.settings.maxQueue, scope: "service" }));
    }
    if (this.heldBy(user) >= this.settings.maxPerUser) {
      this.counts.rejectedBusy++;
      return Promise.reject(new ModelBusyError({ queue: waiting, limit: this.settings.maxPerUser, scope: "user" }));
    }
    const stats = this.users.get(user) ?? { asked: 0, answered: 0, totalMs: 0, started: 0, waitMs: 0 };
    stats.asked++;
    this.users.set(user, stats);
    return new Promise<Completion>((resolve, reject) => {
      const entry: Entry = {
        job: { id: this.nextId++, user, priority, request }, submittedAt: performance.now(), options, resolve, reject,
        tag: this.stamp(user, priority), attempts: 0, settled: false,
      };
      if (options.signal) {
        const signal = options.signal;
        const onAbort = (): void => this.cancel(entry, abortReason(signal));
        signal.addEventListener("abort", onAbort, { once: true });
        entry.detach = () => signal.removeEventListener("abort", onAbort);
      }
      this.enqueue(entry);
      this.pump();
    });
  }

  metrics(): ServiceMetrics {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const busy = this.busyMs + (this.busySince === undefined ? 0 : performance.now() - this.busySince);
    const users: Record<string, ServiceMetrics["users"][string]> = {};
    for (const [user, s] of this.users) {
      users[user] = {
        asked: s.asked, answered: s.answered, queued: this.queuedBy(user),
        meanMs: s.answered ? Math.round(s.totalMs / s.answered) : 0, meanWaitMs: s.started ? Math.round(s.waitMs / s.started) : 0,
      };
    }
    return {
      queue: this.waitingCount(),
      running: this.slots.reduce((n, s) => n + s.running.size, 0),
      ...this.counts,
      latencyMs: { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), samples: sorted.length },
      tokensPerSecond: busy > 0 ? Math.round((this.tokens / busy) * 10_000) / 10 : 0,
      users,
      workers: this.workers(),
    };
  }

  workers(): WorkerStatus[] {
    return this.slots.map((s) => ({
      id: s.id, running: s.running.size, slots: s.worker?.slots ?? 0, ...(s.worker?.pid === undefined ? {} : { pid: s.worker.pid }),
      state: s.state === "ready" && s.running.size > 0 ? "busy" : s.state,
    }));
  }

  /** Fails what waits, stops what runs, ends every worker. */
  async close(): Promise<void> {
    this.closed = true;
    const stopping = new ModelServiceError("The model service stopped before answering.");
    for (const entry of this.allWaiting()) this.settle(entry, () => entry.reject(stopping));
    for (const queue of Object.values(this.queues)) queue.clear();
    for (const slot of this.slots) for (const entry of slot.running) this.settle(entry, () => entry.reject(stopping));
    await Promise.all(this.slots.map((s) => s.worker?.close()));
  }

  private enqueue(entry: Entry): void {
    const queue = this.queues[entry.job.priority];
    queue.set(entry.job.user, [...(queue.get(entry.job.user) ?? []), entry]);
  }

  /** The stamp of a new request: its user's next one, but never behind the clock, so idle time is not saved up. */
  private stamp(user: string, priority: Priority): number {
    const tag = Math.max(this.clock[priority], this.nextTag[priority].get(user) ?? 0);
    this.nextTag[priority].set(user, tag + 1);
    return tag;
  }

  /**
   * A class's waiting requests in the order they will start: those back from a lost worker first (they had their
   * turn already), then by stamp, then by arrival.
   */
  private order(priority: Priority): Entry[] {
    return [...this.queues[priority].values()].flat().sort((a, b) =>
      Number(b.attempts > 0) - Number(a.attempts > 0) || a.tag - b.tag || a.job.id - b.job.id);
  }

  /** The next request by class, then by stamp. */
  private takeNext(): Entry | undefined {
    for (const priority of ["interactive", "batch"] as const) {
      const entry = this.order(priority)[0];
      if (!entry) continue;
      this.unqueue(entry);
      this.clock[priority] = Math.max(this.clock[priority], entry.tag);
      return entry;
    }
    return undefined;
  }

  private pump(): void {
    if (this.closed) return;
    for (;;) {
      const slot = this.leastLoaded();
      if (!slot) break;
      const entry = this.takeNext();
      if (!entry) break;
      this.dispatch(slot, entry);
    }
    this.tellPositions();
  }

  /**
   * The ready worker with the most free share of its sequences. A worker's sequences share its threads, so a second
   * request on a busy worker runs at about half speed while an idle worker would run it at full speed.
   */
  private leastLoaded(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) {
      const slots = slot.worker?.slots ?? 0;
      if (slot.state !== "ready" || slot.running.size >= slots) continue;
      if (!best || slot.running.size / slots < best.running.size / (best.worker?.slots ?? 1)) best = slot;
    }
    return best;
  }

  private dispatch(slot: Slot, entry: Entry): void {
    const worker = slot.worker;
    if (!worker) throw new Error(`worker ${slot.id} has no process`);
    const generation = slot.generation;
    const controller = new AbortController();
    if (entry.attempts === 0) {
      const stats = this.users.get(entry.job.user);
      if (stats) {
        stats.started++;
        stats.waitMs += performance.now() - entry.submittedAt;
      }
    }
    entry.attempts++;
    entry.running = { slot, controller, startedAt: performance.now() };
    const { stallMs } = this.settings;
    const watch = (): void => {
      if (!entry.running) return;
      clearTimeout(entry.running.stall);
      entry.running.stall = setTimeout(() => this.lose(slot, generation, new WorkerLostError(`worker ${slot.id} wrote nothing of one request for ${stallMs} ms`)), stallMs);
    };
    watch();
    slot.running.add(entry);
    if (this.busySince === undefined) this.busySince = performance.now();
    entry.options.onRunning?.(slot.id);
    // The text is asked for even when the client does not show it: each piece is the sign that the worker is alive.
    worker.run(entry.job, controller.signal, (chunk) => {
      if (slot.generation !== generation || !slot.running.has(entry)) return;
      watch();
      if (!entry.settled) entry.options.onText?.(chunk);
    }).then(
      (completion) => {
        if (slot.generation !== generation || !slot.running.has(entry)) return;
        this.release(slot, entry);
        // A request cancelled while it ran was answered "cancelled" already; its slot is free again now.
        if (!entry.settled) this.record(entry, completion);
        this.settle(entry, () => entry.resolve(completion));
        this.pump();
      },
      (error: unknown) => {
        if (slot.generation !== generation || !slot.running.has(entry)) return;
        if (error instanceof WorkerLostError) {
          this.lose(slot, generation, error);
          return;
        }
        this.release(slot, entry);
        if (!entry.settled) this.counts.failed++;
        this.settle(entry, () => entry.reject(error));
        this.pump();
      },
    );
  }

  private release(slot: Slot, entry: Entry): void {
    clearTimeout(entry.running?.stall);
    entry.running = undefined;
    slot.running.delete(entry);
    if (this.busySince !== undefined && this.slots.every((s) => s.running.size === 0)) {
      this.busyMs += performance.now() - this.busySince;
      this.busySince = undefined;
    }
  }

  /** The worker died or hangs: its requests go back to the front of the queue and a new worker takes its place. */
  private lose(slot: Slot, generation: number, cause: WorkerLostError): void {
    if (slot.generation !== generation || this.closed) return;
    slot.generation++;
    const lost = slot.worker;
    slot.worker = undefined;
    slot.state = "replacing";
    this.counts.workersReplaced++;
    this.options.onWorkerLost?.(slot.id, cause.message);
    void lost?.close();
    for (const entry of [...slot.running].reverse()) {
      this.release(slot, entry);
      if (entry.settled) continue;
      if (entry.attempts >= this.settings.maxAttempts) {
        this.counts.failed++;
        this.settle(entry, () => entry.reject(new ModelServiceError(`No answer after ${entry.attempts} workers were lost: ${cause.message}`, { attempts: entry.attempts }, { cause })));
        continue;
      }
      this.counts.retried++;
      this.enqueue(entry);
    }
    void this.respawn(slot);
    this.pump();
  }

  private async respawn(slot: Slot): Promise<void> {
    while (!this.closed && slot.worker === undefined) {
      try {
        const worker = await this.options.spawn(slot.id);
        if (this.closed) {
          await worker.close();
          return;
        }
        slot.worker = worker;
        slot.state = "ready";
      } catch {
        await new Promise((resolve) => setTimeout(resolve, this.settings.respawnDelayMs));
      }
    }
    this.pump();
  }

  private cancel(entry: Entry, reason: unknown): void {
    if (entry.settled) return;
    const running = entry.running;
    if (running) {
      // The worker stops decoding; the slot is free again once it says so (its run() settles).
      running.controller.abort(reason);
    } else {
      this.unqueue(entry);
      // A withdrawn request gives its stamp back when it was its user's last, so cancelling costs no turn.
      const next = this.nextTag[entry.job.priority];
      if (next.get(entry.job.user) === entry.tag + 1) next.set(entry.job.user, entry.tag);
    }
    this.counts.cancelled++;
    this.settle(entry, () => entry.reject(reason));
    this.pump();
  }

  private unqueue(entry: Entry): void {
    const queue = this.queues[entry.job.priority];
    const mine = queue.get(entry.job.user);
    if (!mine) return;
    const left = mine.filter((e) => e !== entry);
    if (left.length === 0) queue.delete(entry.job.user);
    else queue.set(entry.job.user, left);
  }

  private settle(entry: Entry, how: () => void): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.detach?.();
    how();
  }

  private record(entry: Entry, completion: Completion): void {
    const now = performance.now();
    const latency = now - entry.submittedAt;
    push(this.latencies, latency, LATENCY_WINDOW);
    push(this.serviceTimes, completion.elapsedMs, SERVICE_WINDOW);
    this.tokens += completion.tokens;
    this.counts.answered++;
    const stats = this.users.get(entry.job.user);
    if (stats) {
      stats.answered++;
      stats.totalMs += latency;
    }
  }

  /** Each waiting request's place (every interactive request is ahead of a batch one); told only when it changed. */
  private tellPositions(): void {
    const capacity = Math.max(1, this.slots.reduce((n, s) => n + (s.worker?.slots ?? 0), 0));
    const serviceMs = this.serviceTimes.length ? this.serviceTimes.reduce((a, b) => a + b, 0) / this.serviceTimes.length : FIRST_GUESS_MS;
    const interactive = this.order("interactive");
    const waiting = [...interactive, ...this.order("batch")];
    waiting.forEach((entry, ahead) => {
      if (entry.lastAhead === ahead) return;
      entry.lastAhead = ahead;
      entry.options.onQueued?.({ ahead, etaMs: Math.round(Math.ceil((ahead + 1) / capacity) * serviceMs) });
    });
  }

  private waitingCount(): number {
    return this.allWaiting().length;
  }

  private allWaiting(): Entry[] {
    return Object.values(this.queues).flatMap((q) => [...q.values()].flat());
  }

  private queuedBy(user: string): number {
    return Object.values(this.queues).reduce((n, q) => n + (q.get(user)?.length ?? 0), 0);
  }

  private heldBy(user: string): number {
    return this.queuedBy(user) + this.slots.reduce((n, s) => n + [...s.running].filter((e) => e.job.user === user).length, 0);
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);
}

function push(window: number[], value: number, size: number): void {
  window.push(value);
  if (window.length > size) window.shift();
}
