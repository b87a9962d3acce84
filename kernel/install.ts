/**
 * Writes the `streamlink` kernelspec into a Jupyter prefix (the project's .venv):
 * `node dist/kernel/install.js PREFIX`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const prefix = process.argv[2];
if (!prefix) {
  process.stderr.write("usage: node dist/kernel/install.js PREFIX (e.g. .venv)\n");
  process.exit(2);
}
const mainJs = fileURLToPath(new URL("./main.js", import.meta.url));
const dir = path.join(path.resolve(prefix), "share", "jupyter", "kernels", "streamlink");
await mkdir(dir, { recursive: true });
const spec = {
  // The TypeScript compiler keeps ~130 MB live in the kernel; V8's default growing factor for such a heap is so
  // small that every large result (100,000 rows) set off a full mark-compact of it (100-200 ms inside the cell on a
  // busy 2-core machine).
  // A fixed factor of 2 lets the heap grow to twice its live size before marking again.
  argv: [process.execPath, "--enable-source-maps", "--heap-growing-percent=100", mainJs, "{connection_file}"],
  display_name: "StreamLink (TypeScript)",
  language: "typescript",
  interrupt_mode: "signal",
  metadata: { debugger: false },
};
await writeFile(path.join(dir, "kernel.json"), `${JSON.stringify(spec, null, 2)}\n`);
process.stdout.write(`installed kernelspec streamlink in ${dir}\n`);
