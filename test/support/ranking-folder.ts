import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { createChecker } from "../../checks/index.js";
import type { Embedder } from "../../core/embedder.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { ParquetWorkbench } from "../../engines/duckdb/writer.js";
import { Session } from "../../session/session.js";

/** The session of a `rankingFolder`, open between its file's beforeAll and afterAll. */
export interface RankingFolder {
  readonly session: Session;
}

/**
 * A DuckDB folder of test data, written by `write` before the file's tests, with a session whose rankings use
 * `embedder` (a stand-in model with fixed vectors); both are removed after them.
 */
export function rankingFolder(prefix: string, embedder: Embedder, write: (bench: ParquetWorkbench, folder: string) => Promise<void>): RankingFolder {
  const folder = mkdtempSync(path.join(tmpdir(), prefix));
  let opened: Session | undefined;
  beforeAll(async () => {
    const bench = await ParquetWorkbench.open();
    try {
      await write(bench, folder);
    } finally {
      bench.close();
    }
    opened = new Session({ checker: createChecker(), connectors: [duckdbConnector], embedder: async () => embedder });
    await opened.connect({ kind: "duckdb", target: folder, name: "duckdb" });
  });
  afterAll(async () => {
    await opened?.close();
    rmSync(folder, { recursive: true, force: true });
  });
  return {
    get session(): Session {
      if (!opened) throw new Error("the ranking folder's session is used before its beforeAll ran");
      return opened;
    },
  };
}
