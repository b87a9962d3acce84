/**
 * The one place that touches tslab's internals (deep imports, not a public API): its TypeScript executor and
 * its ZeroMQ wire protocol. Everything else in the kernel sees the small typed surface below.
 */
import { createRequire } from "node:module";
import { format } from "node:util";
import { createConverter, isCompleteCode } from "tslab/dist/converter.js";
import { createExecutor, type Executor } from "tslab/dist/executor.js";
import { ZmqServer } from "tslab/dist/jupyter.js";

/** A Jupyter error as the protocol carries it. */
export interface JupyterError {
  readonly ename: string;
  readonly evalue: string;
  readonly traceback: readonly string[];
}

export type CellOutcome =
  | { readonly ok: true; readonly hasValue: boolean; readonly value?: unknown }
  | { readonly ok: false; readonly error: JupyterError };

/** tslab's executor with its console turned into return values: the last expression and the error. */
export class TypeScriptRunner {
  private readonly executor: Executor;
  private readonly closeConverters: () => void;
  private lastValue: { value: unknown } | undefined;
  private readonly errors: unknown[][] = [];
  /** Names `declare` gave a type to, so that a re-run only updates the value. */
  private readonly declared = new Map<string, string>();

  constructor(rootDir: string) {
    const node = createConverter({ isJS: false, isBrowser: false });
    let browser: ReturnType<typeof createConverter> | undefined;
    const converters = {
      node,
      get browser() {
        browser ??= createConverter({ isJS: false, isBrowser: true });
        return browser;
      },
      close: () => {
        node.close();
        browser?.close();
      },
    };
    this.closeConverters = converters.close;
    // tslab reports the cell's value through log() and failures through error(); we keep both as data.
    this.executor = createExecutor(rootDir, converters, {
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
    const ok = await this.executor.execute(code);
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
      if (!typed.ok) await this.run(`const ${name}: any = (globalThis as any).__streamlinkValue;`);
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

  interrupt(): void {
    this.executor.interrupt();
  }

  complete(code: string, cursor: number): { start: number; end: number; candidates: string[] } {
    return this.executor.complete(code, cursor);
  }

  inspect(code: string, cursor: number): string | undefined {
    const info = this.executor.inspect(code, cursor);
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
    this.closeConverters();
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
  readonly silent?: boolean;
  readonly store_history?: boolean;
  readonly stop_on_error?: boolean;
}

/** Sends IOPub messages that belong to one execute request. */
export type Publisher = (msgType: "stream" | "display_data" | "update_display_data" | "execute_result" | "error" | "execute_input", content: Record<string, unknown>) => void;

interface WireMessage {
  content: unknown;
  createReply(): { header: { msg_type: string }; content: unknown; signAndSend(key: string, socket: unknown): void };
}

class StreamLinkServer extends ZmqServer {
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

  override async handleExecute(socket: unknown, message: WireMessage): Promise<void> {
    const publish: Publisher = (msgType, content) => {
      const out = message.createReply();
      out.header.msg_type = msgType;
      out.content = content;
      out.signAndSend(this.connInfo.key, this.iopub);
    };
    const reply = message.createReply();
    reply.header.msg_type = "execute_reply";
    reply.content = await this.core.execute(message.content as ExecuteRequestContent, publish);
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
