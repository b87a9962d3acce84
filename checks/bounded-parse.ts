/**
 * Bounded work for the checker's parse. node-sql-parser's grammars backtrack exponentially on some nestings
 * (`SELECT ` + 19 `(` + `1 +` + 19 `)`: minutes and gigabytes) and recurse once per term of a long chain, so
 * a text runs on the caller's thread only while it is short and shallow, where every grammar is quick. Anything
 * bigger is parsed in a worker thread with a deadline and its own heap limit: a parse past the deadline is
 * stopped (the worker is terminated and replaced) and the text is refused for its size, never left to block
 * the kernel's event loop.
 */
import { Worker } from "node:worker_threads";
import type { Dialect } from "../core/engine.js";
import type { Token } from "./lexer.js";
import { parseGuarded, type ParseFailure, type ParseOutcome, type ParseReply } from "./parser.js";

export interface ParseBounds {
  /** Longer texts are refused without a parse. */
  readonly maxLength: number;
  /** Texts within both of these parse on the caller's thread. */
  readonly inlineDepth: number;
  readonly inlineTokens: number;
  /** How long a worker parse may take. */
  readonly deadlineMs: number;
  /** The worker's heap (old generation), in MB. */
  readonly workerHeapMb: number;
}

export const DEFAULT_PARSE_BOUNDS: ParseBounds = {
  maxLength: 100_000,
  // The failing shape `SELECT ((((1 +))))` cost the PostgreSQL grammar ~50 ms at depth 4 and ~570 ms at depth 8
  // on a loaded 2-core machine (about 2.5× per level). TPC-H and Spider queries nest 3 deep at most and have
  // at most ~160 tokens, so they stay on the caller's thread.
  inlineDepth: 4,
  inlineTokens: 600,
  deadlineMs: 2_000,
  workerHeapMb: 256,
};

/** Deepest parenthesis nesting of a token stream. */
export function nestingDepth(tokens: readonly Token[]): number {
  let depth = 0;
  let deepest = 0;
  for (const t of tokens) {
    if (t.kind !== "op") continue;
    if (t.value === "(") deepest = Math.max(deepest, ++depth);
    else if (t.value === ")") depth--;
  }
  return deepest;
}

interface Pending {
  readonly resolve: (outcome: ParseOutcome) => void;
  readonly timer: NodeJS.Timeout;
}

/** Parses within `bounds`; owns at most one worker thread, unref'd so that it never keeps a process alive. */
export class BoundedParser {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly bounds: ParseBounds = DEFAULT_PARSE_BOUNDS) {}

  parse(sql: string, dialect: Dialect, tokens: readonly Token[]): Promise<ParseOutcome> {
    const b = this.bounds;
    if (sql.length > b.maxLength) {
      return Promise.resolve(limited("length", `the text is ${sql.length.toLocaleString("en-US")} characters long; at most ${b.maxLength.toLocaleString("en-US")} are checked`));
    }
    if (tokens.length <= b.inlineTokens && nestingDepth(tokens) <= b.inlineDepth) return parseGuarded(sql, dialect);
    return this.inWorker(sql, dialect);
  }

  /** Stops the worker (tests and short-lived tools; the kernel's worker is unref'd and ends with it). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(limited("deadline", "the checker was closed"));
    await worker?.terminate();
  }

  private inWorker(sql: string, dialect: Dialect): Promise<ParseOutcome> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // The grammar cannot be interrupted from inside: the thread goes, and every parse waiting on it with it.
        this.stop(limited("deadline", `parsing took longer than ${this.bounds.deadlineMs} ms`));
      }, this.bounds.deadlineMs);
      timer.unref();
      this.pending.set(id, { resolve, timer });
      worker.postMessage({ id, sql, dialect });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = spawn(this.bounds.workerHeapMb);
    worker.unref();
    worker.on("message", (reply: ParseReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      clearTimeout(waiting.timer);
      waiting.resolve(reply.outcome);
    });
    // A heap past its limit ends the worker with an error: the texts it held are refused for their size.
    worker.on("error", () => this.stop(limited("memory", "parsing needed more memory than the checker allows")));
    worker.on("exit", () => {
      if (this.worker === worker) this.stop(limited("memory", "the parser stopped"));
    });
    this.worker = worker;
    return worker;
  }

  private stop(outcome: ParseFailure): void {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(outcome);
    void worker?.terminate();
  }

  private failAll(outcome: ParseFailure): void {
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.resolve(outcome);
      this.pending.delete(id);
    }
  }
}

function limited(limit: NonNullable<ParseFailure["limit"]>, message: string): ParseFailure {
  return { ok: false, message, expected: [], limit };
}

/**
 * The worker runs checks/parse-worker: compiled JavaScript in a build; from TypeScript sources (tests,
 * benchmarks run with tsx) it is loaded through tsx's loader, which only the source tree has.
 */
function spawn(heapMb: number): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = new URL(fromSource ? "./parse-worker.ts" : "./parse-worker.js", import.meta.url);
  const resourceLimits = { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32 };
  if (!fromSource) return new Worker(entry, { resourceLimits });
  const code = `import("tsx/esm/api").then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { eval: true, resourceLimits });
}
