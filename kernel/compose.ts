/**
 * The composition root: the only module that knows every concrete engine, checker and model. The kernel
 * (kernel/main.ts) and the command line (cli/) both build their session here.
 */
import { createChecker } from "../checks/index.js";
import { duckdbConnector } from "../engines/duckdb/engine.js";
import { sparkConnector } from "../engines/spark/engine.js";
import { askMagic } from "../magics/ask.js";
import { configMagic, lsmagicMagic } from "../magics/config.js";
import { connectMagic, schemaMagic, tablesMagic } from "../magics/connect.js";
import { modelMagic } from "../magics/model.js";
import { MagicRegistry } from "../magics/registry.js";
import { rememberMagic } from "../magics/remember.js";
import { sqlMagic } from "../magics/sql.js";
import { LocalSqlGenerator, loadOnnxEmbedder, resolveEmbedding } from "../models/index.js";
import { Session } from "../session/session.js";

export interface SessionOptions {
  /** A registry name or a GGUF path; the bundled default when absent. The model loads on first use. */
  readonly model?: string;
}

export function createSession(options: SessionOptions = {}): Session {
  return new Session({
    checker: createChecker(),
    connectors: [duckdbConnector, sparkConnector],
    generator: async () => new LocalSqlGenerator({ model: options.model }),
    embedder: () => loadOnnxEmbedder(resolveEmbedding()),
  });
}

export function createMagics(): MagicRegistry {
  return new MagicRegistry([
    sqlMagic, askMagic, connectMagic, tablesMagic, schemaMagic, configMagic, modelMagic, rememberMagic, lsmagicMagic,
  ]);
}
