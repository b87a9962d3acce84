/**
 * The composition root: the only module that knows every concrete engine, checker and model. The kernel
 * (kernel/main.ts) and the command line (cli/) both build their session here.
 */
import { createChecker } from "../checks/index.js";
import { duckdbConnector } from "../engines/duckdb/engine.js";
import { sparkConnector } from "../engines/spark/engine.js";
import { MagicRegistry } from "../magics/registry.js";
import { sqlMagic } from "../magics/sql.js";
import { connectMagic, schemaMagic, tablesMagic } from "../magics/connect.js";
import { configMagic, lsmagicMagic } from "../magics/config.js";
import { Session } from "../session/session.js";

export function createSession(): Session {
  return new Session({
    checker: createChecker(),
    connectors: [duckdbConnector, sparkConnector],
  });
}

export function createMagics(): MagicRegistry {
  return new MagicRegistry([sqlMagic, connectMagic, tablesMagic, schemaMagic, configMagic, lsmagicMagic]);
}
