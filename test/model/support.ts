import path from "node:path";
import { createChecker } from "../../checks/index.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { loadLlamaModel } from "../../models/llama.js";
import { ExampleStore, LocalSqlGenerator, resolveModel, type TextModel } from "../../models/index.js";
import { Session } from "../../session/session.js";
import { CANONICAL, REPO } from "../support/paths.js";

let generator: LocalSqlGenerator | undefined;
const planted: string[] = [];

/** The next answer of the shared model is `sql` instead of its own (to plant an error for the repair loop). */
export function plantNextAnswer(sql: string): void {
  planted.push(sql);
}

/**
 * One generator (so one loaded model) per test process, with the notes and saved examples of the demo notebooks'
 * folder as a user of them has them: loading the bundled GGUF takes seconds and a
 * gigabyte, so every model test of the file shares it. `scripts/setup-models.sh` must have fetched it.
 */
export function sharedGenerator(): LocalSqlGenerator {
  const store = new ExampleStore(path.join(REPO, "notebooks", "streamlink-examples.json"));
  generator ??= new LocalSqlGenerator({
    examples: store.list(),
    notes: store.notes(),
    load: async (name) => withPlanting(await loadLlamaModel(resolveModel(name))),
  });
  return generator;
}

function withPlanting(model: TextModel): TextModel {
  return {
    name: model.name,
    path: model.path,
    sha256: () => model.sha256(),
    close: () => model.close(),
    complete: async (request) => {
      const next = planted.shift();
      return next === undefined ? model.complete(request) : { text: next, tokens: 0, elapsedMs: 0 };
    },
  };
}

/** A session on the canonical patents data, wired like the kernel's (real checker, real DuckDB, the shared model). */
export async function patentsSession(): Promise<Session> {
  const session = new Session({ checker: createChecker(), connectors: [duckdbConnector], generator: async () => sharedGenerator() });
  await session.connect({ kind: "duckdb", target: CANONICAL, name: "patents" });
  return session;
}
