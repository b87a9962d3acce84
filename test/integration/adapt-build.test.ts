import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helpText } from "../../cli/main.js";
import { USAGE } from "../../cli/commands/adapt.js";
import { cli } from "../support/cli.js";
import { CANONICAL } from "../support/paths.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import type { Engine } from "../../core/engine.js";
import { tableRows } from "../../evals/compare.js";
import { profileCatalog, type SchemaProfile } from "../../models/profile.js";
import { buildLibrary, genericTemplates, loadTemplateLibrary, shippedLibraryFile, type Template } from "../../adapt/index.js";

// The data engine on the demo data: templates propagated to values from the data and to phrasings, kept only when
// the instantiated query runs and returns rows.
describe("adapt build on the patents sample", () => {
  let engine: Engine;
  let profile: SchemaProfile;
  const rows = async (sql: string) => tableRows((await engine.execute(sql, { maxRows: 100_000 })).table).rows;

  beforeAll(async () => {
    engine = await duckdbConnector.connect({ kind: "duckdb", target: CANONICAL, name: "patents" });
    profile = await profileCatalog(await engine.catalog(), engine.dialect, rows);
  });
  afterAll(() => engine.close());

  it("keeps pairs whose SQL runs and returns rows, with the phrasing filled from the same values as the SQL", async () => {
    const patents = loadTemplateLibrary(shippedLibraryFile("patents.json"));
    const templates = [...genericTemplates(profile), ...patents.templates];
    const library = await buildLibrary(engine, templates, { instances: 2, maxRows: 1000, timeoutMs: 10_000 });
    expect(library.summary.pairs).toBe(library.pairs.length);
    // every kind the patents library is written for gives verified pairs
    expect(Object.keys(library.summary.byKind)).toEqual(expect.arrayContaining([...new Set(patents.templates.map((t) => t.kind))]));
    for (const pair of library.pairs.filter((_, i) => i % 25 === 0)) {
      expect(pair.question).not.toContain("{{");
      expect((await rows(pair.sql)).length).toBeGreaterThan(0);
    }
    const company = library.pairs.find((p) => p.template === "company.granted_in_year");
    const [, name] = /assignee = '([^']+)'/.exec(company?.sql ?? "") ?? [];
    expect(company?.question).toContain(name);
  });

  it("rejects a template whose query fails or finds nothing, and quotes values from the data", async () => {
    const broken: Template[] = [
      { id: "bad.column", kind: "count", sql: "SELECT count(*) FROM patents WHERE no_such_column = 1", phrasings: ["?"], slots: {} },
      { id: "empty", kind: "listing", sql: "SELECT title FROM patents WHERE country = {{c}}", phrasings: ["Titles from {{c}}"],
        slots: { c: { type: "string", values: "SELECT 'Nowhere''s Land'" } } },
    ];
    const library = await buildLibrary(engine, broken, { instances: 2, maxRows: 10, timeoutMs: 5_000 });
    expect(library.pairs).toEqual([]);
    expect(library.summary.rejected.map((r) => r.template)).toEqual(["bad.column", "empty"]);
    expect(library.summary.rejected[0]?.error).toMatch(/no_such_column/);
    // the value with a quote ran as a string literal (no syntax error), it only matched nothing
    expect(library.summary.rejected[1]?.error).toBeUndefined();
    expect(library.summary.queriesRun).toBe(2);
  });
});

describe("streamlink adapt", () => {
  it("is listed in the top-level help and documents its options", async () => {
    expect(helpText()).toMatch(/^\s+adapt\s+domain adaptation: adapt build --db PATH --out FILE/m);
    const { code, stdout } = await cli("adapt", "build", "--help");
    expect(code).toBe(0);
    expect(stdout).toBe(`${USAGE}\n`);
  });

  it("writes an examples file that --examples reads and prints its summary as JSON", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "adapt-"));
    try {
      const out = path.join(dir, "library.json");
      const { code, stdout } = await cli("adapt", "build", "--db", CANONICAL, "--out", out, "--instances", "1");
      expect(code).toBe(0);
      const summary = JSON.parse(stdout) as { pairs: number; out: string; provenance: { templateFiles: string[] } };
      expect(summary.out).toBe(out);
      expect(summary.provenance.templateFiles).toEqual([path.join("adapt", "library", "patents.json")]);
      const written = JSON.parse(await readFile(out, "utf8")) as { examples: { question: string; sql: string }[] };
      expect(written.examples).toHaveLength(summary.pairs);
      expect(written.examples.length).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("fails with exit 2 and a hint on a wrong action or a missing --out", async () => {
    for (const [args, problem] of [[["adapt", "grow"], /Unknown adapt action 'grow'/], [["adapt", "build", "--db", CANONICAL], /needs --db and --out/]] as const) {
      const { code, stderr } = await cli(...args);
      expect(code).toBe(2);
      expect(stderr).toMatch(problem);
    }
  });
});
