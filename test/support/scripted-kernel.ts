/**
 * The real StreamLink kernel with a scripted model in place of the GGUF one, for kernel tests of the `%%ask`
 * pipeline that must not depend on what a real model writes: `tsx scripted-kernel.ts CONNECTION_FILE ANSWERS.json`,
 * where ANSWERS.json is the ScriptedModel's list of answers. Started by Jupyter through the kernelspec that
 * `scriptedKernelEnv` writes.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { REPO } from "./paths.js";
import { ScriptedModel } from "./scripted-model.js";

/** The kernel name `runKernel` starts when given this environment. */
export const SCRIPTED_KERNEL = "streamlink-scripted";

/**
 * The environment for `runKernel` that makes Jupyter start this scripted kernel, answering from a fresh copy of
 * `answers` (a ScriptedModel consumes them).
 */
export function scriptedKernelEnv(answers: readonly (string | null)[]): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), "sl-scripted-kernel-"));
  const answersFile = path.join(dir, "answers.json");
  writeFileSync(answersFile, JSON.stringify(answers));
  mkdirSync(path.join(dir, "kernels", SCRIPTED_KERNEL), { recursive: true });
  writeFileSync(path.join(dir, "kernels", SCRIPTED_KERNEL, "kernel.json"), JSON.stringify({
    argv: [path.join(REPO, "node_modules", ".bin", "tsx"), fileURLToPath(import.meta.url), "{connection_file}", answersFile],
    display_name: "StreamLink (scripted model)",
    language: "typescript",
    interrupt_mode: "signal",
  }));
  return { JUPYTER_PATH: dir, STREAMLINK_TEST_KERNEL: SCRIPTED_KERNEL };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [connectionFile, answersFile] = process.argv.slice(2);
  if (!connectionFile || !answersFile) throw new Error("usage: tsx test/support/scripted-kernel.ts CONNECTION_FILE ANSWERS.json");
  const model = new ScriptedModel(JSON.parse(readFileSync(answersFile, "utf8")) as (string | null)[]);
  // The kernel's modules load only here, not in the test process that imports scriptedKernelEnv.
  const [{ createSession }, { startKernel }] = await Promise.all([import("../../kernel/compose.js"), import("../../kernel/start.js")]);
  await startKernel(connectionFile, createSession({ loadModel: async () => model }));
}
