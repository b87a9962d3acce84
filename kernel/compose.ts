/**
 * The composition root: the only module that knows every concrete engine, checker and model. The kernel
 * (kernel/main.ts) and the command line (cli/) both build their session here.
 */
import { readFileSync } from "node:fs";
import { createChecker } from "../checks/index.js";
import { StreamLinkError } from "../core/errors.js";
import type { EngineConnector } from "../core/engine.js";
import { duckdbConnector } from "../engines/duckdb/engine.js";
import { askMagic } from "../magics/ask.js";
import { configMagic, lsmagicMagic } from "../magics/config.js";
import { connectMagic, schemaMagic, tablesMagic } from "../magics/connect.js";
import { modelMagic } from "../magics/model.js";
import { pageMagic } from "../magics/page.js";
import { MagicRegistry } from "../magics/registry.js";
import { rememberMagic } from "../magics/remember.js";
import { sqlMagic } from "../magics/sql.js";
import type { TextModel } from "../models/text-model.js";
import type { Priority } from "../service/protocol.js";
import { Session } from "../session/session.js";

export interface SessionOptions {
  /** A registry name or a GGUF path; the bundled default when absent. The model loads on first use. */
  readonly model?: string;
  /** How the generator loads its model; node-llama-cpp's GGUF loader when absent (a test passes a scripted model). */
  readonly loadModel?: (nameOrPath: string | undefined, lora?: string) => Promise<TextModel>;
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
      const load = options.loadModel ?? modelLoader("interactive");
      return new models.LocalSqlGenerator({ model: options.model, rankExamples: models.embeddingRanker(() => session.embedder()), ...(load ? { load } : {}) });
    },
    embedder: async () => {
      const models = await import("../models/index.js");
      return models.loadOnnxEmbedder(models.resolveEmbedding());
    },
  });
  return session;
}

/**
 * How a generator opens its model: the shared model service when `STREAMLINK_MODEL_URL` is set (by `serve`, for
 * every kernel of a class or team), with its token from `STREAMLINK_MODEL_TOKEN` or `STREAMLINK_MODEL_TOKEN_FILE`;
 * undefined (the generator loads the model in this process) otherwise. `eval` asks as batch work.
 */
export function modelLoader(priority: Priority, env: NodeJS.ProcessEnv = process.env): ((nameOrPath: string | undefined, lora?: string) => Promise<TextModel>) | undefined {
  const url = env["STREAMLINK_MODEL_URL"];
  if (!url) return undefined;
  return async (nameOrPath, lora) => {
    // The service's workers load one model for everyone; an adapter is one user's choice and loads in-process only.
    if (lora !== undefined) {
      throw new StreamLinkError("adapter-service", `The shared model service (${url}) does not load LoRA adapters.`,
        "Unset STREAMLINK_MODEL_URL to load the model with its adapter in this process.", { url, adapter: lora });
    }
    const tokenFile = env["STREAMLINK_MODEL_TOKEN_FILE"];
    const token = env["STREAMLINK_MODEL_TOKEN"] ?? (tokenFile ? readFileSync(tokenFile, "utf8").trim() : undefined);
    if (!token) {
      throw new StreamLinkError("model-service", `STREAMLINK_MODEL_URL is set (${url}) but no token is.`,
        "Set STREAMLINK_MODEL_TOKEN_FILE to the service's token file (`npx streamlink serve status` shows it), or unset STREAMLINK_MODEL_URL.", { url });
    }
    const user = env["JUPYTERHUB_USER"] ?? env["USER"] ?? "anonymous";
    return (await import("../service/client.js")).connectRemoteModel({ url, token, user, priority }, nameOrPath);
  };
}

export function createMagics(): MagicRegistry {
  return new MagicRegistry([
    sqlMagic, askMagic, connectMagic, tablesMagic, schemaMagic, configMagic, modelMagic, rememberMagic, lsmagicMagic, pageMagic,
  ]);
}
