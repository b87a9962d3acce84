/**
 * The one place that touches tslab's internals (deep imports, not a public API): its TypeScript executor and
 * its ZeroMQ wire protocol. Everything else in the kernel sees the small typed surface below.
 */
import { createRequire } from "node:module";
import { format } from "node:util";
import { createConverter, isCompleteCode } from "tslab/dist/converter.js";
import { createExecutor, type Executor } from "tslab/dist/executor.js";
import { ZmqServer } from "tslab/dist/jupyter.js";
import { asError } from "../core/errors.js";
import { CellInterruptedError, CompilerFailedError, VariableNotCreatedError, jupyterErrorOf } from "./errors.js";

/** A Jupyter error as the protocol carries it. */
export interface JupyterError {
  readonly ename: string;
  readonly evalue: string;
  readonly traceback: readonly string[];
}

export type CellOutcome =
  | { readonly ok: true; readonly hasValue: boolean; readonly value?: unknown }
  | { readonly ok: false; readonly error: JupyterError };

type Converter = ReturnType<typeof createConverter>;

/**
 * The compilers tslab's executor reads on every cell. The executor keeps the user's declarations and values
 * itself, so a compiler that a cell broke can be swapped for a fresh one without losing them.
 */
class Converters {
  private current: Converter = Converters.create(false);
  private browserConverter: Converter | undefined;

  private static create(isBrowser: boolean): Converter {
    return createConverter({ isJS: false, isBrowser });
  }

  get node(): Converter {
    return this.current;
  }

  get browser(): Converter {
    this.browserConverter ??= Converters.create(true);
    return this.browserConverter;
  }

  /**
   * A compiler that threw mid-update (a stack overflow in its parser) keeps a pending rebuild timer and refuses
   * every later cell ("Unexpected pending rebuildTimer"): replace it. Modules added with `//@module` go with it.
   */
  renew(): void {
    this.close();
    this.current = Converters.create(false);
    this.browserConverter = undefined;
  }

  close(): void {
    this.current.close();
    this.browserConverter?.close();
  }
}

/** tslab's executor with its console turned into return values: the last expression and the error. */
export class TypeScriptRunner {
  private readonly executor: Executor;
  private readonly converters = new Converters();
  private lastValue: { value: unknown } | undefined;
  private readonly errors: unknown[][] = [];
  /** Names `declare` gave a type to, so that a re-run only updates the value. */
  private readonly declared = new Map<string, string>();
  /** The stop button was pressed during the current cell, maybe before its code started. */
  private stopRequested = false;

  constructor(rootDir: string) {
    // tslab reports the cell's value through log() and failures through error(); we keep both as data.
    this.executor = createExecutor(rootDir, this.converters, {
      log: (value: unknown) => { this.lastValue = { value }; },
      error: (...args: unknown[]) => { this.errors.push(args); },
    });
  }

  async run(code: string): Promise<CellOutcome> {
    // A cell that declares one of our names gives it the user's type: the next `declare` must compile again.
    for (const name of this.declared.keys()) {
      if (new RegExp(`\\b(?:const|let|var|function|class)\\s+${name.replaceAll("$", "\\$")}\\b`).test(code)) this.declared.delete(name);
    }
    this.lastValue = undefined;
    this.errors.length = 0;
    // tslab only stops code that is already awaiting: a stop that came earlier in the cell (while it was queued or
    // compiled under load) would be lost and a 60-second await would run on. Such code does not start.
    if (this.stopRequested) return { ok: false, error: jupyterErrorOf(new CellInterruptedError()) };
    let ok: boolean;
    try {
      ok = await this.executor.execute(code);
    } catch (thrown) {
      // Only the compiler throws out of execute(): the cell's own errors arrive through error() above.
      this.converters.renew();
      return { ok: false, error: jupyterErrorOf(new CompilerFailedError(asError(thrown))) };
    }
    // Set by the executor's log() callback during execute(); TypeScript cannot see that.
    const last = this.lastValue as { value: unknown } | undefined;
    if (ok) return { ok: true, hasValue: last !== undefined, value: last?.value };
    return { ok: false, error: toJupyterError(this.errors) };
  }

  /**
   * Declares `name: typeName` in the TypeScript scope, holding `value`; falls back to `any` if the type is
   * unknown. Declaring compiles a cell (tens of milliseconds), so a name this kernel already declared with the
   * same type only gets its new value: tslab keeps top-level variables in its `locals` object.
   */
  async declare(name: string, value: unknown, typeName: string): Promise<void> {
    if (this.declared.get(name) === typeName && Object.hasOwn(this.executor.locals, name)) {
      this.executor.locals[name] = value;
      return;
    }
    const holder = globalThis as { __streamlinkValue?: unknown };
    holder.__streamlinkValue = value;
    try {
      const typed = await this.run(`const ${name}: ${typeName} = (globalThis as any).__streamlinkValue;`);
      const untyped = typed.ok ? typed : await this.run(`const ${name}: any = (globalThis as any).__streamlinkValue;`);
      // The magic reports the variable as created: a name TypeScript refused must fail the cell instead.
      if (!untyped.ok) throw new VariableNotCreatedError(name, untyped.error.evalue);
      this.declared.set(name, typed.ok ? typeName : "any");
    } finally {
      delete holder.__streamlinkValue;
    }
  }

  /**
   * Where tslab's public `display` API (`import * as tslab from "tslab"; tslab.display.html(…)`) writes: the
   * cell that runs now. tslab keeps that sink in a module variable of its Jupyter module.
   */
  setDisplaySink(sink: (data: Record<string, unknown>, update: boolean) => void): void {
    const jupyterModule = createRequire(import.meta.url)("tslab/dist/jupyter.js") as { lastWriteDisplayData: unknown };
    jupyterModule.lastWriteDisplayData = sink;
  }

  /** A new cell begins: a stop pressed before it does not apply to it. */
  beginCell(): void {
    this.stopRequested = false;
  }

  interrupt(): void {
    this.stopRequested = true;
    this.executor.interrupt();
  }

  complete(code: string, cursor: number): { start: number; end: number; candidates: string[] } {
    return this.compiling(() => this.executor.complete(code, cursor), { start: cursor, end: cursor, candidates: [] });
  }

  inspect(code: string, cursor: number): string | undefined {
    const info = this.compiling(() => this.executor.inspect(code, cursor), undefined);
    if (!info) return undefined;
    const parts = [...(info.displayParts ?? []).map((p) => p.text), "\n", ...(info.documentation ?? []).map((p) => p.text)];
    return parts.join("");
  }

  isComplete(code: string): { complete: boolean; indent: string } {
    const result = isCompleteCode(code);
    return { complete: result.completed, indent: result.indent ?? "" };
  }

  close(): void {
    this.executor.close();
  }

  /** Completion and inspection compile the cell too: a compiler that fails there is renewed, and nothing is offered. */
  private compiling<T>(work: () => T, fallback: T): T {
    try {
      return work();
    } catch {
      this.converters.renew();
      return fallback;
    }
  }
}

/** tslab prints type errors as `file line:col - message` and runtime errors as the Error itself. */
function toJupyterError(errors: readonly unknown[][]): JupyterError {
  const thrown = errors.flat().find((e): e is Error => e instanceof Error);
  if (thrown) {
    const stack = (thrown.stack ?? `${thrown.name}: ${thrown.message}`).split("\n").filter((l) => !/tslab[\\/]dist|node:vm|node:internal/.test(l));
    return { ename: thrown.name, evalue: thrown.message, traceback: stack };
  }
  const lines = errors.map((args) => format(...(args as [unknown, ...unknown[]])).trim());
  if (lines.length === 0) return { ename: "Error", evalue: "The cell failed", traceback: [] };
  const diagnostics = lines.map((l) => l.replace(/^\s*/, "")).map((l) => (/^\d+:\d+ - /.test(l) ? `line ${l}` : l));
  return { ename: "TypeScriptError", evalue: diagnostics.join("; "), traceback: diagnostics };
}

/** Requests the kernel core answers; the ZeroMQ framing and signing stay tslab's. */
export interface KernelCore {
  kernelInfo(): Record<string, unknown>;
  execute(request: ExecuteRequestContent, publish: Publisher): Promise<Record<string, unknown>>;
  complete(request: { code: string; cursor_pos: number }): Promise<Record<string, unknown>>;
  inspect(request: { code: string; cursor_pos: number }): Promise<Record<string, unknown>>;
  isComplete(request: { code: string }): Record<string, unknown>;
  shutdown(): Promise<void>;
}

export interface ExecuteRequestContent {
  readonly code: string;
  /**
   * When the client sent the request (its header's `date`, epoch ms): tells a cell queued behind a failure from one
   * sent after the failure's reply, which the order of reading the socket alone cannot.
   */
  readonly sentAt?: number;
  readonly silent?: boolean;
  readonly store_history?: boolean;
  readonly stop_on_error?: boolean;
}

/** Sends IOPub messages that belong to one execute request. */
export type Publisher = (msgType: "stream" | "display_data" | "update_display_data" | "execute_result" | "error" | "execute_input", content: Record<string, unknown>) => void;

interface WireMessage {
  content: unknown;
  header?: { date?: string };
  createReply(): { header: { msg_type: string }; content: unknown; signAndSend(key: string, socket: unknown): void };
}

/** What tslab's `signAndSend` needs of a socket. */
interface Sendable {
  send(parts: (string | Buffer)[]): Promise<void> | void;
}

/**
 * Sends on one ZeroMQ socket in order, each once the one before was taken. zeromq.js defers one send in 512 so as
 * not to starve the event loop, and throws EBUSY at any send made while that one waits; tslab neither waits nor
 * catches, so now and then a status or an execute reply was lost and the cell never finished (found by the fuzz
 * tier: an idle kernel, no reply, every few hundred cells).
 */
class OrderedSender implements Sendable {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly socket: Sendable) {}

  send(parts: (string | Buffer)[]): void {
    this.tail = this.tail.then(() => this.socket.send(parts)).catch((error: unknown) => {
      process.stderr.write(`streamlink kernel: a Jupyter message could not be sent: ${asError(error).message}\n`);
    });
  }
}

type ServerMessage = Parameters<ZmqServer["publishStatus"]>[1];

class StreamLinkServer extends ZmqServer {
  private readonly senders = new Map<unknown, OrderedSender>();

  constructor(private readonly core: KernelCore, connectionFile: string) {
    // tslab's server wants a tslab handler; each of its callbacks is answered by our core instead.
    super({
      handleKernel: () => core.kernelInfo() as never,
      handleExecute: () => Promise.reject(new Error("unreachable: execute is handled by StreamLinkServer")),
      handleIsComplete: (req) => core.isComplete(req) as never,
      handleInspect: () => { throw new Error("unreachable: inspect is handled by StreamLinkServer"); },
      handleComplete: () => { throw new Error("unreachable: complete is handled by StreamLinkServer"); },
      handleShutdown: () => ({ restart: false }),
      close: () => undefined,
    }, connectionFile);
  }

  /** Every socket's sends go through its one OrderedSender. */
  private senderFor(socket: Sendable): OrderedSender {
    let sender = this.senders.get(socket);
    if (!sender) {
      sender = new OrderedSender(socket);
      this.senders.set(socket, sender);
    }
    return sender;
  }

  /** tslab's handlers reply on the socket they are given: they are given its OrderedSender. */
  override handleShellMessage(socket: Parameters<ZmqServer["handleShellMessage"]>[0], ...args: Buffer[]): Promise<void> {
    return super.handleShellMessage(this.senderFor(socket) as never, ...args);
  }

  override publishStatus(status: string, parent: ServerMessage): void {
    const message = parent.createReply();
    message.content = { execution_state: status };
    message.header.msg_type = "status";
    message.signAndSend(this.connInfo.key, this.senderFor(this.iopub));
  }

  override async handleExecute(socket: unknown, message: WireMessage): Promise<void> {
    const publish: Publisher = (msgType, content) => {
      const out = message.createReply();
      out.header.msg_type = msgType;
      out.content = content;
      out.signAndSend(this.connInfo.key, this.senderFor(this.iopub));
    };
    const reply = message.createReply();
    reply.header.msg_type = "execute_reply";
    const sentAt = Date.parse(message.header?.date ?? "");
    const request = { ...(message.content as ExecuteRequestContent), sentAt: Number.isNaN(sentAt) ? undefined : sentAt };
    reply.content = await this.core.execute(request, publish);
    reply.signAndSend(this.connInfo.key, socket);
  }

  /** Completion and inspection may read the catalog (a query on the engine), so their replies are awaited. */
  override handleComplete(socket: unknown, message: WireMessage): void {
    void this.reply(socket, message, "complete_reply", this.core.complete(message.content as { code: string; cursor_pos: number }));
  }

  override handleInspect(socket: unknown, message: WireMessage): void {
    void this.reply(socket, message, "inspect_reply", this.core.inspect(message.content as { code: string; cursor_pos: number }));
  }

  private async reply(socket: unknown, message: WireMessage, type: string, content: Promise<Record<string, unknown>>): Promise<void> {
    const reply = message.createReply();
    reply.header.msg_type = type;
    reply.content = await content.catch((error: unknown) => ({ status: "error", ename: "Error", evalue: String(error), traceback: [] }));
    reply.signAndSend(this.connInfo.key, socket);
  }

  override handleShutdown(socket: unknown, message: WireMessage): void {
    super.handleShutdown(socket, message as never);
    void this.core.shutdown();
  }
}

/** Binds the kernel's sockets from a Jupyter connection file and serves until shutdown. */
export async function serve(core: KernelCore, connectionFile: string): Promise<void> {
  await new StreamLinkServer(core, connectionFile).init();
}
