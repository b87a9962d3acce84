/**
 * Serves a StreamLink kernel for a session on the connection file Jupyter wrote: the TypeScript runner, the magics,
 * the routing of the cells' console, Jupyter's interrupt (the stop button) and the guards that keep the kernel alive.
 * The entry point (kernel/main.ts) passes the session it composed.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Table } from "apache-arrow";
import { packageRoot } from "../core/paths.js";
import type { Session } from "../session/session.js";
import { rankTable, type RankOptions } from "../session/similar.js";
import { CellAssistant } from "../magics/complete.js";
import { createMagics } from "./compose.js";
import { StreamLinkKernel } from "./kernel.js";
import { TypeScriptRunner, serve } from "./tslab.js";

export async function startKernel(connectionFile: string, session: Session): Promise<void> {
  const { version } = JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string };
  const runner = new TypeScriptRunner(process.cwd());
  // `await rank(hits, "a GPU that …", { on: ["title"], top: 20 })` in TypeScript cells: the semantic filter on any
  // Arrow table, with the session's embedding model and cache.
  await runner.declare("rank", (table: Table, text: string, options: RankOptions) => rankTable(session, table, text, options),
    '(table: import("apache-arrow").Table, text: string, options: { on: string | readonly string[]; top?: number }) => Promise<import("apache-arrow").Table>');
  const magics = createMagics();
  const kernel = new StreamLinkKernel({
    session,
    magics,
    assistant: new CellAssistant(session, magics),
    runner,
    cwd: process.cwd(),
    version,
  });
  // User cells run in this realm (tslab's vm.runInThisContext), so their console is the global one: route it
  // to the cell that is running instead of the server's log.
  globalThis.console = kernel.console;
  process.on("SIGINT", () => kernel.interrupt());
  // A stray rejection in user code must not take the kernel (and every variable in it) down.
  process.on("unhandledRejection", (reason) => kernel.console.error("Unhandled promise rejection:", reason));
  process.on("uncaughtException", (error) => kernel.console.error("Uncaught exception:", error));
  await serve(kernel, connectionFile);
}
