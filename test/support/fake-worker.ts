import type { Completion } from "../../models/text-model.js";
import { WorkerLostError, type Job, type ModelWorker } from "../../service/scheduler.js";

/** A worker whose requests finish when the test says so; `die()` loses every request on it, as a killed process does. */
export class FakeWorker implements ModelWorker {
  readonly started: Job[] = [];
  readonly aborted: number[] = [];
  private readonly pending = new Map<number, { resolve: (c: Completion) => void; reject: (e: unknown) => void; onText?: (chunk: string) => void }>();
  closed = false;

  constructor(readonly name: string, readonly slots = 1) {}

  run(job: Job, signal: AbortSignal, onText?: (chunk: string) => void): Promise<Completion> {
    this.started.push(job);
    return new Promise((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject, ...(onText ? { onText } : {}) });
      signal.addEventListener("abort", () => {
        this.aborted.push(job.id);
        this.pending.delete(job.id);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Decodes a piece of request `id`'s answer (told only to a request that asked for the text as it comes). */
  write(id: number, chunk: string): void {
    this.pending.get(id)?.onText?.(chunk);
  }

  finish(id: number, text = `answer ${id} from ${this.name}`): void {
    this.pending.get(id)?.resolve({ text, tokens: 10, elapsedMs: 100 });
    this.pending.delete(id);
  }

  /** Answers that arrive after the scheduler gave up on this worker must be dropped. */
  finishLate(id: number): void {
    this.finish(id, "late answer");
  }

  die(): void {
    for (const [, p] of this.pending) p.reject(new WorkerLostError(`${this.name} exited`));
    this.pending.clear();
  }

  runningIds(): number[] {
    return [...this.pending.keys()];
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

