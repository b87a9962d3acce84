import { writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";

async function cli(argv: string[], input = ""): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(argv, { stdin: Readable.from([input]), stdout, stderr });
  return { code, out, err };
}

describe("streamlink check", () => {
  it("writes one verdict line per input line", async () => {
    const input = ['{"id": 1, "sql": "SELECT 1"}', '{"id": "b", "sql": "SELECT 1; DROP TABLE t"}', '{"id": 3, "sql": "admin\' or 1=1 --"}', '{"id": 4, "sql": "INSERT INTO t VALUES (1)"}'].join("\n");
    const { code, out } = await cli(["check"], input);
    expect(code).toBe(0);
    const lines = out.trim().split("\n").map((l) => JSON.parse(l) as { id: unknown; verdict: string; category: string; rule?: string; findings: { rule: string }[] });
    // A write stacked after a SELECT is an attack shape; the same write alone is refused by the read-only policy.
    expect(lines.map((l) => [l.id, l.verdict, l.category, l.rule])).toEqual([
      [1, "allow", "ok", undefined],
      ["b", "block", "injection", "injection.stacked-write"],
      [3, "block", "injection", "injection.fragment"],
      [4, "block", "policy", "security.write"],
    ]);
    expect(lines[1]?.findings.map((f) => f.rule)).toContain("security.multiple-statements");
    expect(Object.keys(lines[0] ?? {})).toEqual(["id", "verdict", "category", "findings"]);
    expect(Object.keys(lines[3] ?? {})).toEqual(["id", "verdict", "category", "rule", "findings"]);
  });

  it("checks Spark SQL with --dialect spark", async () => {
    const { out } = await cli(["check", "--dialect", "spark"], '{"id": 1, "sql": "SELECT reflect(\'java.lang.Runtime\', \'getRuntime\')"}\n');
    expect(JSON.parse(out)).toMatchObject({ verdict: "block", category: "policy", rule: "security.code-execution" });
  });

  it("answers a bad line with an error and a hint, goes on, and exits 1", async () => {
    const { code, out } = await cli(["check"], 'not json\n{"id": 2}\n{"id": 3, "sql": "SELECT 1"}\n');
    const lines = out.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ line: 1, error: "line 1 is not JSON" });
    expect(lines[1]).toMatchObject({ line: 2, error: 'line 2 has no "sql" string' });
    expect(lines[2]).toMatchObject({ id: 3, verdict: "allow" });
    expect(code).toBe(1);
  });

  it("rejects an unknown dialect with a hint", async () => {
    const { code, err } = await cli(["check", "--dialect", "oracle"]);
    expect(code).toBe(2);
    expect(err).toMatch(/hint: Use --dialect duckdb or --dialect spark/);
  });
});

describe("streamlink eval sqli", () => {
  it("prints the paper's four rates and the counts", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "sl-sqli-"));
    try {
      const file = path.join(dir, "tiny.csv");
      await writeFile(file, '"Query","Label"\n"admin\' or 1=1 --",1\n"SELECT name FROM people",0\n"ronda sant antoni 144,",0\n"1 UNION SELECT @@version",1\n"INSERT INTO people VALUES (1)",0\n');
      const { code, out } = await cli(["eval", "sqli", "--file", file]);
      expect(code).toBe(0);
      expect(out).toMatch(/5 queries \(2 malicious, 3 normal\)/);
      expect(out).toMatch(/\ninjection\s+precision 100\.00% {2}recall 100\.00% {2}escape 0\.00% {2}misintercept 0\.00% {2}\(TP 2, FP 0, TN 3, FN 0\)/);
      // The well-formed INSERT is labelled normal: only the reading that counts policy refusals calls it a hit.
      expect(out).toMatch(/every refusal \(policy too\)\s+precision 66\.67% {2}recall 100\.00% {2}escape 0\.00% {2}misintercept 33\.33% {2}\(TP 2, FP 1, TN 2, FN 0\)/);
      expect(out).toMatch(/checks\/s/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("explains a missing or malformed file", async () => {
    expect((await cli(["eval", "sqli"])).err).toMatch(/No --file given/);
    expect((await cli(["eval", "sqli", "--file", "/nonexistent.csv"])).err).toMatch(/Cannot read \/nonexistent.csv: ENOENT/);
  });
});
