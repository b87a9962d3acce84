/**
 * What the result viewer asks the kernel for, through the real magics on real DuckDB: a %%sql result carries a
 * page id; %page returns later pages and pages sorted on the engine; --csv the whole result; an unknown id or a
 * bad request is a clear error.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Table } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../core/errors.js";
import { PARQUET_MIME, type View } from "../../core/output.js";
import { bundlesFor } from "../../kernel/display.js";
import { createMagics, createSession } from "../../kernel/compose.js";
import type { MagicContext } from "../../magics/magic.js";
import type { Session } from "../../session/session.js";
import { REPO } from "../support/paths.js";

describe("paging a shown result on the engine", () => {
  let session: Session;
  const magics = createMagics();
  let views: View[] = [];
  const context = (): MagicContext => ({ session, cwd: REPO, display: (view) => views.push(view), assign: async () => undefined, magicHelp: () => [] });
  const run = async (name: string, tokens: string[], body = ""): Promise<View[]> => {
    views = [];
    await magics.get(name)?.run({ tokens, body, cellSource: `${name} ${tokens.join(" ")}\n${body}` }, context());
    return views;
  };
  const only = <K extends View["kind"]>(list: View[], kind: K): Extract<View, { kind: K }> => list.find((v) => v.kind === kind) as Extract<View, { kind: K }>;
  const column = (table: Table, c: number): string[] => [...(table.getChildAt(c) ?? [])].map(String);

  beforeAll(async () => {
    session = createSession();
    await session.connect({ kind: "duckdb", target: path.join(REPO, "notebooks", "data", "patents"), name: "duckdb" });
  });
  afterAll(async () => session.close());

  it("pages, sorts on the engine and downloads the whole result as CSV", async () => {
    const sql = "SELECT publication_number, country FROM patents ORDER BY publication_number LIMIT 50";
    const result = only(await run("%%sql", [], sql), "result");
    const id = result.page?.id ?? "";
    expect(result.page?.sql).toBe(sql);
    const all = column(result.table, 0);
    expect(all).toHaveLength(50);

    const second = only(await run("%page", [id, "20", "20"]), "page");
    expect(second.total).toBe(50);
    expect(second.offset).toBe(20);
    expect(column(second.table, 0)).toEqual(all.slice(20, 40));

    const sorted = only(await run("%page", [id, "0", "5", "--sort", "0", "--desc"]), "page");
    expect(column(sorted.table, 0)).toEqual([...all].sort().reverse().slice(0, 5));

    const csv = only(await run("%page", [id, "--csv"]), "download");
    if (csv.mime !== "text/csv") throw new Error(`expected a CSV download, got ${csv.mime}`);
    const lines = csv.text.trimEnd().split("\r\n");
    expect(lines[0]).toBe("publication_number,country");
    expect(lines).toHaveLength(51);
    expect(lines[1]?.startsWith(`${all[0]},`)).toBe(true);
  });

  it("pages a WITH query ending in a semicolon and a comment, and sorts a column whose name another shares", async () => {
    const sql = "WITH c AS (SELECT country, count(*) AS n FROM patents GROUP BY country)\nSELECT country, n, n FROM c; -- per country\n";
    const result = only(await run("%%sql", [], sql), "result");
    const id = result.page?.id ?? "";
    const countries = column(result.table, 0);
    const counts = column(result.table, 1).map(Number);
    const sorted = only(await run("%page", [id, "1", "2", "--sort", "2", "--desc"]), "page");
    expect(sorted.total).toBe(countries.length);
    expect(column(sorted.table, 2).map(Number)).toEqual([...counts].sort((a, b) => b - a).slice(1, 3));
  });

  it("downloads the whole result as a Parquet file that reads back with the same rows and types", async () => {
    const sql = "SELECT publication_number, country, publication_date FROM patents ORDER BY publication_number LIMIT 30";
    const result = only(await run("%%sql", [], sql), "result");
    const download = only(await run("%page", [result.page?.id ?? "", "--parquet"]), "download");
    expect(download.mime).toBe(PARQUET_MIME);
    // What the viewer receives: the bytes in base64 under the Parquet MIME type.
    const [bundle] = bundlesFor(download, session.config);
    const bytes = Buffer.from(String(bundle?.data[PARQUET_MIME]), "base64");
    const folder = await mkdtemp(path.join(tmpdir(), "streamlink-parquet-"));
    const reader = createSession();
    try {
      await writeFile(path.join(folder, "downloaded.parquet"), bytes);
      await reader.connect({ kind: "duckdb", target: folder, name: "downloaded" });
      const back = (await reader.run("SELECT * FROM downloaded ORDER BY publication_number")).result.table;
      expect(back.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(result.table.schema.fields.map((f) => `${f.name}:${f.type}`));
      for (let c = 0; c < 3; c++) expect(column(back, c)).toEqual(column(result.table, c));
    } finally {
      await reader.close();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("refuses an unknown id, a page past the limits and a column the result lacks, with what to do", async () => {
    const result = only(await run("%%sql", [], "SELECT 1 AS one"), "result");
    const id = result.page?.id ?? "";
    await expect(run("%page", ["no-such-id", "0", "5"])).rejects.toThrow(/no longer known to the kernel/);
    await expect(run("%page", [id, "0", "5000"])).rejects.toThrow(/1 to 1000 rows/);
    await expect(run("%page", [id, "0", "5", "--sort", "3"])).rejects.toThrow(/has 1 column; --sort takes 0 to 0/);
    await expect(run("%page", [id, "x", "5"])).rejects.toBeInstanceOf(UsageError);
  });
});
