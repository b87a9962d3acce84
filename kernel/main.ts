/**
 * Entry point Jupyter starts (see the kernelspec): `node dist/kernel/main.js CONNECTION_FILE`.
 */
import { readFileSync } from "node:fs";
import type { Table } from "apache-arrow";
import { rankTable, type RankOptions } from "../session/similar.js";
import { CellAssistant } from "../magics/complete.js";
import { createMagics, createSession } from "./compose.js";
import { StreamLinkKernel } from "./kernel.js";
import { TypeScriptRunner, serve } from "./tslab.js";

const connectionFile = process.argv[2];
if (!connectionFile) {
  process.stderr.write("usage: node dist/kernel/main.js CONNECTION_FILE (Jupyter passes it through the streamlink kernelspec)\n");
  process.exit(2);
}

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
const session = createSession();
const magics = createMagics();
const runner = new TypeScriptRunner(process.cwd());
// `await rank(hits, "a GPU that …", { on: ["title"], top: 20 })` in TypeScript cells: the semantic filter on any
// Arrow table, with the session's embedding model and cache.
await runner.declare("rank", (table: Table, text: string, options: RankOptions) => rankTable(session, table, text, options),
  '(table: import("apache-arrow").Table, text: string, options: { on: string | readonly string[]; top?: number }) => Promise<import("apache-arrow").Table>');
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
