/**
 * The composition root: the only module that knows every concrete engine, checker and model. The kernel
 * (kernel/main.ts) and the command line (cli/) both build their session here.
 */
import { createChecker } from "../checks/index.js";
import type { EngineConnector } from "../core/engine.js";
import { duckdbConnector } from "../engines/duckdb/engine.js";
import { askMagic } from "../magics/ask.js";
import { configMagic, lsmagicMagic } from "../magics/config.js";
import { connectMagic, schemaMagic, tablesMagic } from "../magics/connect.js";
import { modelMagic } from "../magics/model.js";
import { MagicRegistry } from "../magics/registry.js";
import { rememberMagic } from "../magics/remember.js";
import { sqlMagic } from "../magics/sql.js";
import { Session } from "../session/session.js";

export interface SessionOptions {
  /** A registry name or a GGUF path; the bundled default when absent. The model loads on first use. */
  readonly model?: string;
}

/**
 * Spark's client (Thrift, hive-driver) loads when a Spark connection opens, so a DuckDB query — in the kernel or
 * `streamlink sql` — never pays for it.
 */
const sparkConnector: EngineConnector = {
  kind: "spark",
  dialect: "spark",
  connect: async (request) => (await import("../engines/spark/engine.js")).sparkConnector.connect(request),
};

export function createSession(options: SessionOptions = {}): Session {
  const session: Session = new Session({
    checker: createChecker(),
    connectors: [duckdbConnector, sparkConnector],
    // The models' code (prompts, schema linking, repairs, the ONNX runtime) loads with its first use, not with every
    // session. Saved examples are picked by meaning with the session's one embedding model.
    generator: async () => {
      const models = await import("../models/index.js");
      return new models.LocalSqlGenerator({ model: options.model, rankExamples: models.embeddingRanker(() => session.embedder()) });
    },
    embedder: async () => {
      const models = await import("../models/index.js");
      return models.loadOnnxEmbedder(models.resolveEmbedding());
    },
  });
  return session;
}

export function createMagics(): MagicRegistry {
  return new MagicRegistry([
    sqlMagic, askMagic, connectMagic, tablesMagic, schemaMagic, configMagic, modelMagic, rememberMagic, lsmagicMagic,
  ]);
}
