import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import path from "node:path";
import { DataType } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamLinkError, UsageError } from "../../core/errors.js";
import { embedTable } from "../../datasets/embed.js";
import { quotedString } from "../../core/sql-text.js";
import { ParquetWorkbench } from "../../engines/duckdb/writer.js";
import { loadOnnxEmbedder, resolveEmbedding } from "../../models/index.js";
import type { Session } from "../../session/session.js";
import { KERNEL_RANK_CAP, rankTable, runSimilar, similarityRequest } from "../../session/similar.js";
import type { SqlGenerator } from "../../core/llm.js";
import type { View } from "../../core/output.js";
import { askMagic } from "../../magics/ask.js";
import type { MagicContext } from "../../magics/magic.js";
import { tokenize } from "../../magics/options.js";
import { REPO } from "../support/paths.js";
import { closeSharedEmbedder, semanticSession, sharedEmbedder } from "./embedder.js";

const DEMO = path.join(REPO, "notebooks", "data", "patents");
const tmp = mkdtempSync(path.join(tmpdir(), "streamlink-semantic-"));
let demo: Session;

beforeAll(async () => { demo = await semanticSession(DEMO); });
afterAll(async () => {
  await demo.close();
  await closeSharedEmbedder();
  rmSync(tmp, { recursive: true, force: true });
});

function column(table: import("apache-arrow").Table, name: string): unknown[] {
  const vector = table.getChild(name);
  return Array.from({ length: table.numRows }, (_r, i) => vector?.get(i));
}

describe("the semantic filter on the demo patents with the bundled embedding model", () => {
  // Two titles of the demo data that differ by two words; the query is one of them, and its own row is left out.
  const QUERY = "System and method of character recognition using fully convolutional neural networks";
  const NEAR_DUPLICATE = "System and method of character recognition using fully convolutional neural networks with attention";
  const SQL = `SELECT publication_number, title, grant_date FROM patents WHERE title ILIKE '%recognition%' AND title <> '${QUERY}'`;

  it("puts the known near-duplicate first, and the result is a typed Arrow table with a similarity column", async () => {
    const run = await runSimilar(demo, SQL, { text: QUERY, on: ["title"], top: 5 }, {});
    const { table } = run.result;
    expect(column(table, "title")[0]).toBe(NEAR_DUPLICATE);
    expect(table.numRows).toBe(5);
    expect(table.schema.fields.map((f) => f.name)).toEqual(["publication_number", "title", "grant_date", "similarity"]);
    expect(DataType.isUtf8(table.schema.fields[1]?.type)).toBe(true);
    expect(DataType.isDate(table.schema.fields[2]?.type)).toBe(true);
    expect(DataType.isFloat(table.schema.fields[3]?.type)).toBe(true);
    const scores = column(table, "similarity") as number[];
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(scores[0]).toBeGreaterThan(0.9);
    const info = (await sharedEmbedder()).info;
    expect(run.similarity).toMatchObject({ rankedIn: "kernel", model: info.name, modelSha256: resolveEmbedding().spec.sha256, on: ["title"], top: 5 });
  });

  it("ranks title and abstract inside DuckDB from the shipped precomputed embeddings, agreeing with the kernel", async () => {
    const request = { text: "a GPU that schedules warps to hide memory latency", on: ["title", "abstract"], top: 5 };
    const sql = "SELECT publication_number, title, abstract FROM patents WHERE abstract ILIKE '%memory%' AND abstract ILIKE '%thread%'";
    const inEngine = await runSimilar(demo, sql, request, {});
    expect(inEngine.similarity.rankedIn).toBe("engine");
    expect(inEngine.similarity.embeddingsTable).toBe("patents_embeddings_title_abstract");
    const candidates = (await demo.run(sql)).result.table;
    const inKernel = await rankTable(demo, candidates, request.text, { on: request.on, top: 5 });
    // The shipped vectors are int8: scores move by rounding (well under 0.01), so rows whose scores are that close
    // may swap; the best row and the scores of the rows both found must agree.
    const engineKeys = column(inEngine.result.table, "publication_number");
    const kernelKeys = column(inKernel, "publication_number");
    expect(engineKeys[0]).toBe(kernelKeys[0]);
    const kernelScore = new Map(kernelKeys.map((k, i) => [k, column(inKernel, "similarity")[i] as number]));
    const shared = engineKeys.filter((k) => kernelScore.has(k));
    expect(shared.length).toBeGreaterThanOrEqual(4);
    for (const key of shared) {
      const engineScore = column(inEngine.result.table, "similarity")[engineKeys.indexOf(key)] as number;
      expect(Math.abs(engineScore - (kernelScore.get(key) as number))).toBeLessThan(0.01);
    }
  });

  it("gives the same top rows from `data embed`'s Parquet in DuckDB as in the kernel, and resumes without re-embedding", async () => {
    const data = path.join(tmp, "subset");
    mkdirSync(data);
    const bench = await ParquetWorkbench.open();
    try {
      await bench.run(`COPY (SELECT * FROM read_parquet(${quotedString(path.join(DEMO, "patents.parquet"))}) WHERE title ILIKE '%memory%' ORDER BY publication_number LIMIT 300) TO ${quotedString(path.join(data, "patents.parquet"))} (FORMAT parquet)`);
    } finally {
      bench.close();
    }
    const plain = await semanticSession(data);
    const request = { text: "cache coherence between processors", on: ["title"], top: 10 };
    const sql = "SELECT publication_number, title FROM patents";
    const inKernel = await runSimilar(plain, sql, request, {});
    const report = await embedTable({ session: plain, embedder: await sharedEmbedder(), table: "patents", on: ["title"], outDir: data, chunkRows: 128 });
    expect(report.rows).toBe(300);
    expect(readdirSync(report.folder).filter((f) => f.endsWith(".parquet"))).toHaveLength(3);
    const again = await embedTable({ session: plain, embedder: await sharedEmbedder(), table: "patents", on: ["title"], outDir: data });
    expect(again).toMatchObject({ rows: 300, resumed: 300 });
    await plain.close();

    const precomputed = await semanticSession(data);
    // The connection reads the DuckDB copy written beside the parts: fixed-size arrays, not Parquet lists.
    const vectors = (await precomputed.catalog(await precomputed.engine())).tables.find((t) => t.name === "patents_embeddings_title");
    expect(vectors?.columns.find((c) => c.name === "embedding")?.type).toBe("FLOAT[384]");
    const inEngine = await runSimilar(precomputed, sql, request, {});
    await precomputed.close();
    expect(inKernel.similarity.rankedIn).toBe("kernel");
    expect(inEngine.similarity.rankedIn).toBe("engine");
    // Rows with the same title tie; each side may order a tie its own way, so the rows are compared as a set.
    expect(new Set(column(inEngine.result.table, "publication_number"))).toEqual(new Set(column(inKernel.result.table, "publication_number")));
    const engineScores = column(inEngine.result.table, "similarity") as number[];
    (column(inKernel.result.table, "similarity") as number[]).forEach((s, i) => expect(engineScores[i]).toBeCloseTo(s, 5));
  });
});

describe("%%ask --similar-to", () => {
  it("ranks the rows of the SQL the model wrote, and the verdict records the embedding model beside the LLM", async () => {
    // The SQL a model would write for the question, through the same tryQuery path (the LLM's own tests cover writing it).
    const sql = "SELECT publication_number, title, abstract FROM patents WHERE country = 'US'";
    const scripted: SqlGenerator = {
      async generate(request) {
        const report = await request.tryQuery(sql, { attempt: 1, of: 1 });
        return { sql, verdict: report.verdict, report, provenance: { model: "scripted", modelSha256: "0".repeat(64), promptVersion: "test", tries: 1, timings: {} } };
      },
      async close() {},
    };
    const session = await semanticSession(DEMO, scripted);
    const views: View[] = [];
    const assigned = new Map<string, unknown>();
    const context: MagicContext = { session, cwd: DEMO, display: (view) => views.push(view), magicHelp: () => [], assign: async (name, value) => { assigned.set(name, value); } };
    const cell = '%%ask --out hits --similar-to "ray tracing hardware" --on title,abstract --top 3\nUS patents';
    await askMagic.run({ tokens: tokenize('--out hits --similar-to "ray tracing hardware" --on title,abstract --top 3'), body: "US patents", cellSource: cell }, context);
    await session.close();
    const verdict = views.find((v) => v.kind === "verdict");
    expect(verdict?.kind === "verdict" && verdict.bundle.similarity).toMatchObject({ rankedIn: "engine", model: resolveEmbedding().spec.name, modelSha256: resolveEmbedding().spec.sha256 });
    expect(verdict?.kind === "verdict" && verdict.bundle.provenance?.model).toBe("scripted");
    const hits = assigned.get("hits") as import("apache-arrow").Table;
    expect(hits.numRows).toBe(3);
    expect(hits.schema.fields.map((f) => f.name)).toEqual(["publication_number", "title", "abstract", "similarity"]);
    expect(column(hits, "title").every((t) => /ray|trac/i.test(String(t)))).toBe(true);
  });
});

describe("streamlink sql --similar-to", () => {
  async function streamlink(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(REPO, "bin", "streamlink.js"), ...args], { cwd: REPO });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it("prints the ranked rows with a similarity column and the embedding model in the JSON", async () => {
    const { code, stdout } = await streamlink("sql", "--db", DEMO, "--similar-to", "ray tracing acceleration structures", "--on", "title,abstract", "--top", "3", "--format", "json",
      "SELECT publication_number, title FROM patents WHERE country = 'US'");
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { columns: { name: string; type: string }[]; rows: unknown[][]; similarity: Record<string, unknown> };
    expect(json.columns).toEqual([{ name: "publication_number", type: "VARCHAR" }, { name: "title", type: "VARCHAR" }, { name: "similarity", type: "DOUBLE" }]);
    expect(json.rows).toHaveLength(3);
    expect(String(json.rows[0]?.[1])).toMatch(/ray|tracing|bounding volume|hierarch/i);
    expect(json.similarity).toMatchObject({ model: resolveEmbedding().spec.name, modelSha256: resolveEmbedding().spec.sha256, rankedIn: "engine", on: ["title", "abstract"], top: 3 });
  });

  it("exits 2 with a hint for an empty text", async () => {
    const { code, stderr } = await streamlink("sql", "--db", DEMO, "--similar-to", " ", "--on", "title", "SELECT title FROM patents");
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: --similar-to has an empty text/m);
    expect(stderr).toMatch(/^hint: /m);
  });
});

describe("bad input to the semantic filter", () => {
  it("refuses an empty text, a missing --on and a column that is not text", async () => {
    expect(() => similarityRequest("   ", "title", undefined)).toThrow(UsageError);
    expect(() => similarityRequest("gpu", undefined, undefined)).toThrow(/needs --on/);
    const error = await runSimilar(demo, "SELECT publication_number, grant_date FROM patents LIMIT 10", { text: "gpu", on: ["grant_date"], top: 5 }, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(/not a text column/);
  });

  it(`refuses more than ${KERNEL_RANK_CAP} rows without precomputed embeddings, naming the command that makes them`, async () => {
    const error = await runSimilar(demo, "SELECT publication_number, title FROM patents UNION ALL SELECT publication_number, title FROM patents", { text: "gpu", on: ["title"], top: 5 }, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamLinkError);
    expect((error as StreamLinkError).code).toBe("similarity-too-many-rows");
    expect((error as StreamLinkError).hint).toContain(`streamlink data embed --db ${DEMO} --table patents --on title`);
  });

  it("names the set-up command when the model is missing, and refuses a damaged model file", async () => {
    const empty = path.join(tmp, "no-models");
    expect(() => resolveEmbedding(undefined, undefined, empty)).toThrow(expect.objectContaining({ code: "embedding-model-missing", hint: expect.stringContaining("scripts/setup-models.sh") }));
    const damaged = path.join(tmp, "damaged");
    const { paths, spec } = resolveEmbedding();
    for (const file of spec.files) {
      const target = path.join(damaged, file.file);
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(paths[file.role], target);
    }
    const model = path.join(damaged, spec.files.find((f) => f.role === "model")?.file ?? "");
    const fd = openSync(model, "r+");
    writeSync(fd, Buffer.from("damaged"), 0, 7, 1000);
    closeSync(fd);
    await expect(loadOnnxEmbedder(resolveEmbedding(undefined, undefined, damaged))).rejects.toMatchObject({ code: "embedding-model-corrupt" });
  });
});
