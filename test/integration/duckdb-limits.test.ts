import { totalmem } from "node:os";
import { describe, expect, it } from "vitest";
import { tableRows } from "../../evals/compare.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";

/** DuckDB reports sizes as "9.4 GiB". */
function bytes(text: string): number {
  const match = /^([\d.]+)\s*(bytes|KiB|MiB|GiB|TiB)$/.exec(text);
  if (!match) throw new Error(`not a size: ${text}`);
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  return Number(match[1]) * 1024 ** units.indexOf(match[2] as string);
}

describe("an embedded DuckDB within the machine's means", () => {
  it("holds at most 40 % of memory and spills to its own folder within a size limit", async () => {
    const engine = await duckdbConnector.connect({ kind: "duckdb", target: ":memory:", name: "limits" });
    try {
      const { table } = await engine.execute(
        "SELECT current_setting('memory_limit'), current_setting('max_temp_directory_size'), current_setting('temp_directory')", { maxRows: 1 },
      );
      const [[memory, temp, folder] = []] = tableRows(table).rows as string[][];
      // DuckDB's own default is 80 % of the memory: a limit under half of it shows ours was set.
      expect(bytes(String(memory))).toBeGreaterThan(0);
      expect(bytes(String(memory))).toBeLessThanOrEqual(0.41 * totalmem());
      expect(bytes(String(temp))).toBeLessThanOrEqual(64 * 2 ** 30);
      expect(String(folder)).toMatch(/streamlink-duckdb-[^/]+\/spill$/);
    } finally {
      await engine.close();
    }
  });
});
