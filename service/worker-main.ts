/**
 * One model worker process (forked by `ProcessWorker`): loads the GGUF once with a context of several
 * sequences and answers completion requests over the IPC channel. It beats every second so that the service
 * notices a worker whose event loop is stuck, as well as one that exits.
 */
import { asError } from "../core/errors.js";
import { loadLlamaModel } from "../models/llama.js";
import { resolveModel } from "../models/registry.js";
import type { ParentMessage, WorkerMessage } from "./ipc.js";

const send = (message: WorkerMessage): void => { process.send?.(message); };
const env = process.env;
const sequences = Number(env["STREAMLINK_WORKER_SEQUENCES"] ?? "2");
const threads = Number(env["STREAMLINK_WORKER_THREADS"] ?? "1");
// Set by the parent (process-worker.ts); the registry's context size otherwise.
const contextSize = Number(env["STREAMLINK_WORKER_CONTEXT"]) || undefined;

const model = await loadLlamaModel(resolveModel(env["STREAMLINK_WORKER_MODEL"] || undefined), { threads, sequences, contextSize, mmap: false })
  .catch((thrown: unknown) => {
    send({ type: "failed", message: asError(thrown).message });
    process.exit(1);
  });
const running = new Map<number, AbortController>();
setInterval(() => send({ type: "beat" }), 1_000).unref();

process.on("message", (message: ParentMessage) => {
  if (message.type === "cancel") {
    running.get(message.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(message.id, controller);
  let sent = 0;
  const onText = (soFar: string): void => {
    send({ type: "text", id: message.id, chunk: soFar.slice(sent) });
    sent = soFar.length;
  };
  model.complete({ ...message.request, signal: controller.signal, ...(message.stream ? { onText } : {}) }).then(
    (completion) => send({ type: "done", id: message.id, completion }),
    (thrown: unknown) => send({ type: "error", id: message.id, message: asError(thrown).message, aborted: controller.signal.aborted }),
  ).finally(() => running.delete(message.id));
});
// The parent went away (service stopped or killed): nothing is left to answer to.
process.on("disconnect", () => { void model.close().finally(() => process.exit(0)); });
process.on("SIGTERM", () => { void model.close().finally(() => process.exit(0)); });
send({ type: "ready", slots: sequences, model: { name: model.name, path: model.path, sha256: await model.sha256() } });
