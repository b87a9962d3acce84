import { createChecker } from "../../checks/index.js";
import type { Embedder } from "../../core/embedder.js";
import type { SqlGenerator } from "../../core/llm.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { loadOnnxEmbedder, resolveEmbedding } from "../../models/index.js";
import { Session } from "../../session/session.js";

let shared: Promise<Embedder> | undefined;

/**
 * One loaded embedding model per test process (the bundled one, which `scripts/setup-models.sh` fetched). Sessions
 * get a handle whose close() leaves it loaded for the next test; the file's afterAll closes it.
 */
export function sharedEmbedder(): Promise<Embedder> {
  shared ??= loadOnnxEmbedder(resolveEmbedding());
  return shared;
}

export async function closeSharedEmbedder(): Promise<void> {
  await (await shared)?.close();
  shared = undefined;
}

/**
 * A session wired like the kernel's (real checker, real DuckDB, the shared embedding model) on `target`; `generator`
 * stands in for the LLM where a test is about what happens to the SQL it wrote.
 */
export async function semanticSession(target: string, generator?: SqlGenerator): Promise<Session> {
  const session = new Session({
    checker: createChecker(),
    connectors: [duckdbConnector],
    ...(generator ? { generator: async () => generator } : {}),
    embedder: async () => {
      const embedder = await sharedEmbedder();
      return { info: embedder.info, embed: (texts, onProgress) => embedder.embed(texts, onProgress), close: async () => undefined };
    },
  });
  await session.connect({ kind: "duckdb", target, name: "duckdb" });
  return session;
}
