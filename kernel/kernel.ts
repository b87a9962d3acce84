import { Console } from "node:console";
import { Writable } from "node:stream";
import { inspect } from "node:util";
import { Table } from "apache-arrow";
import type { View } from "../core/output.js";
import type { CellAssistant } from "../magics/complete.js";
import type { MagicContext } from "../magics/magic.js";
import type { MagicRegistry } from "../magics/registry.js";
import type { Session } from "../session/session.js";
import { bundlesFor, tableBundle, type MimeBundle } from "./display.js";
import { jupyterErrorOf } from "./errors.js";
import type { ExecuteRequestContent, JupyterError, KernelCore, Publisher, TypeScriptRunner } from "./tslab.js";

export interface KernelDependencies {
  readonly session: Session;
  readonly magics: MagicRegistry;
  /** Completion and Shift+Tab inside `%%sql` cells, from the live catalog. */
  readonly assistant: CellAssistant;
  readonly runner: TypeScriptRunner;
  /** The notebook's folder: Jupyter starts the kernel there. */
  readonly cwd: string;
  readonly version: string;
}

class CellFailed extends Error {
  constructor(readonly jupyter: JupyterError) {
    super(jupyter.evalue);
  }
}

/**
 * The StreamLink kernel: `%%magic` cells go to the magic registry, everything else to tslab. Each request
 * runs after the previous one; a failure is a real Jupyter `error`, and cells queued behind a failed one are
 * answered `aborted` with a visible note rather than dropped silently.
 */
export class StreamLinkKernel implements KernelCore {
  private executionCount = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** The last failure: when (monotonic, and wall clock for clients' send times) and which cell. */
  private failedAt: { time: number; wallTime: number; count: number } | undefined;
  /**
   * True from a failure until the event loop has read what was already waiting on the socket: a cell that
   * blocks the loop leaves queued requests unread until it ends (ipykernel drains its queue the same way).
   */
  private aborting = false;
  private current: Publisher | undefined;
  /**
   * Console text not yet sent, per stream. Text written in one turn of the event loop goes out as one message: a loop
   * of `console.log` would otherwise send one message per line, and IOPub drops messages past its high-water mark.
   */
  private readonly pendingText = new Map<"stdout" | "stderr", string>();
  private flushScheduled = false;
  /** True while a cell runs: Shift+Tab then shows no sample values, since an engine runs one query at a time. */
  private running = false;
  private displayId = 0;
  /** `console.log` in user code goes to the cell that is running (or ran last). */
  readonly console: Console;

  constructor(private readonly deps: KernelDependencies) {
    const stream = (name: "stdout" | "stderr"): Writable =>
      new Writable({
        write: (chunk: Buffer | string, _encoding, done) => {
          this.pendingText.set(name, (this.pendingText.get(name) ?? "") + chunk.toString());
          if (!this.flushScheduled) {
            this.flushScheduled = true;
            setImmediate(() => this.flushText());
          }
          done();
        },
      });
    this.console = new Console({ stdout: stream("stdout"), stderr: stream("stderr") });
  }

  /** Sends the console text written so far, to the cell that is running (or ran last). */
  private flushText(): void {
    this.flushScheduled = false;
    for (const [name, text] of this.pendingText) this.current?.("stream", { name, text });
    this.pendingText.clear();
  }

  kernelInfo(): Record<string, unknown> {
    return {
      protocol_version: "5.3",
      implementation: "streamlink",
      implementation_version: this.deps.version,
      language_info: {
        name: "typescript",
        version: "5.0",
        mimetype: "text/typescript",
        file_extension: ".ts",
        codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
      },
      banner: `StreamLink ${this.deps.version}: TypeScript with %%sql and %%ask (checked queries on DuckDB and Spark)`,
      help_links: [{ text: "StreamLink magics (%lsmagic)", url: "https://www.npmjs.com/package/tslab" }],
    };
  }

  execute(request: ExecuteRequestContent, publish: Publisher): Promise<Record<string, unknown>> {
    const arrived = performance.now();
    const task = this.queue.then(() => this.executeNow(request, publish, arrived));
    this.queue = task.catch(() => undefined);
    return task;
  }

  private async executeNow(request: ExecuteRequestContent, publish: Publisher, arrived: number): Promise<Record<string, unknown>> {
    const failed = this.failedAt;
    // A request the client sent before the failure was queued behind it. Without a send time (a client that omits
    // the header's date), what arrived before the failure, or was waiting on the socket while it ran, was queued.
    const queued = failed && (request.sentAt !== undefined ? request.sentAt < failed.wallTime : arrived < failed.time || this.aborting);
    if (failed && queued) {
      publish("stream", { name: "stderr", text: `Not run: cell [${failed.count}] failed while this cell was waiting. Fix that cell, then run this one again.\n` });
      return { status: "aborted" };
    }
    const silent = request.silent ?? false;
    if (!silent && (request.store_history ?? true)) this.executionCount++;
    const count = this.executionCount;
    // Console text written before another output is sent before it, so the cell's outputs keep their order.
    const out: Publisher = silent ? () => undefined : (msgType, content) => {
      if (msgType !== "stream") this.flushText();
      publish(msgType, content);
    };
    out("execute_input", { code: request.code, execution_count: count });
    this.current = out;
    this.deps.runner.beginCell();
    this.deps.runner.setDisplaySink((data, update) => out(update ? "update_display_data" : "display_data", data));
    this.running = true;
    try {
      await this.runCell(request.code, out, count);
      return { status: "ok", execution_count: count, user_expressions: {}, payload: [] };
    } catch (thrown) {
      const error = thrown instanceof CellFailed ? thrown.jupyter : jupyterErrorOf(thrown);
      out("error", { ...error });
      if (request.stop_on_error ?? true) {
        this.failedAt = { time: performance.now(), wallTime: Date.now(), count };
        this.aborting = true;
        setImmediate(() => { this.aborting = false; });
      }
      return { status: "error", execution_count: count, ...error };
    } finally {
      // What the cell printed goes out before its reply.
      this.flushText();
      this.running = false;
    }
  }

  private async runCell(code: string, publish: Publisher, count: number): Promise<void> {
    const { session, magics, runner } = this.deps;
    const display = this.displayer(publish);
    const context: MagicContext = {
      session,
      cwd: this.deps.cwd,
      display: display.show,
      assign: (name, value, typeName) => runner.declare(name, value, typeName),
      magicHelp: () => magics.names().map((n) => magics.describe(n)),
    };
    for (const step of magics.plan(code)) {
      if (step.kind === "magic") {
        await step.magic.run({ tokens: step.tokens, body: step.body, cellSource: code }, context).catch((thrown: unknown) => {
          display.stopped();
          throw thrown;
        });
        continue;
      }
      const outcome = await runner.run(step.code);
      if (!outcome.ok) throw new CellFailed(outcome.error);
      if (outcome.hasValue) {
        const bundle = this.valueBundle(outcome.value);
        publish("execute_result", { execution_count: count, data: bundle.data, metadata: bundle.metadata });
      }
    }
  }

  /**
   * Views become display_data. Progress updates one display in place; so do a query's first rows while it runs,
   * and its result then replaces them (the table first; a chart after it is a display of its own).
   */
  private displayer(publish: Publisher): { show: (view: View) => void; stopped: () => void } {
    const slots = new Map<"progress" | "result", string>();
    const inPlace = (slot: "progress" | "result", bundle: MimeBundle): void => {
      const id = slots.get(slot);
      const displayId = id ?? `streamlink-${slot}-${++this.displayId}`;
      slots.set(slot, displayId);
      publish(id === undefined ? "display_data" : "update_display_data", { ...bundle, transient: { display_id: displayId } });
    };
    const show = (view: View): void => {
      bundlesFor(view, this.deps.session.config).forEach((bundle, i) => {
        if (view.kind === "progress") return inPlace("progress", bundle);
        if (view.kind === "partial") return inPlace("result", bundle);
        if (view.kind === "result" && i === 0 && slots.has("result")) {
          inPlace("result", bundle);
          slots.delete("result");
          return;
        }
        publish("display_data", { data: bundle.data, metadata: bundle.metadata });
      });
    };
    // The first rows of a query that then failed or was stopped are no result: their place says so, above the error.
    const stopped = (): void => {
      if (!slots.has("result")) return;
      inPlace("result", { data: { "text/plain": "The query stopped before its result (see the error below); the first rows shown here are withdrawn." }, metadata: {} });
      slots.delete("result");
    };
    return { show, stopped };
  }

  private valueBundle(value: unknown): MimeBundle {
    if (value instanceof Table) return tableBundle(value, this.deps.session.config);
    return { data: { "text/plain": inspect(value, { depth: 4, colors: false, maxArrayLength: 100 }) }, metadata: {} };
  }

  /** Magic names at a line's start; in a magic cell, SQL or magic options (see CellAssistant); else TypeScript. */
  async complete(request: { code: string; cursor_pos: number }): Promise<Record<string, unknown>> {
    const { code, cursor_pos: cursor } = request;
    const lineStart = code.lastIndexOf("\n", cursor - 1) + 1;
    const prefix = code.slice(lineStart, cursor);
    if (/^%{1,2}\w*$/.test(prefix)) {
      const matches = this.deps.magics.names().filter((n) => n.startsWith(prefix));
      return { status: "ok", matches, cursor_start: lineStart, cursor_end: cursor, metadata: {} };
    }
    // A catalog that cannot be read (Spark gone) completes nothing rather than failing the request.
    const sql = await this.deps.assistant.complete(code, cursor).catch(() => ({ matches: [], start: cursor, end: cursor, types: [] }));
    if (sql) {
      return { status: "ok", matches: sql.matches, cursor_start: sql.start, cursor_end: sql.end, metadata: { _jupyter_types_experimental: sql.types } };
    }
    const info = this.deps.runner.complete(code, cursor);
    return { status: "ok", matches: info.candidates, cursor_start: info.start, cursor_end: info.end, metadata: {} };
  }

  async inspect(request: { code: string; cursor_pos: number }): Promise<Record<string, unknown>> {
    const { code, cursor_pos: cursor } = request;
    const sql = await this.deps.assistant.inspect(code, cursor, !this.running).catch(() => undefined);
    const text = sql ?? this.deps.runner.inspect(code, cursor);
    return { status: "ok", found: text !== undefined, data: text ? { "text/plain": text } : {}, metadata: {} };
  }

  isComplete(request: { code: string }): Record<string, unknown> {
    if (request.code.trimStart().startsWith("%")) return { status: "complete" };
    const result = this.deps.runner.isComplete(request.code);
    return result.complete ? { status: "complete" } : { status: "incomplete", indent: result.indent };
  }

  /** The stop button: the engine stops its query, tslab rejects pending awaits. */
  interrupt(): void {
    void this.deps.session.cancel();
    this.deps.runner.interrupt();
  }

  async shutdown(): Promise<void> {
    await this.deps.session.close();
    this.deps.runner.close();
    process.exit(0);
  }
}
