import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { SHARED_DATA } from "../support/paths.js";
import { main } from "../../cli/main.js";

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  stdout.on("data", (c: Buffer) => chunks.stdout.push(c));
  stderr.on("data", (c: Buffer) => chunks.stderr.push(c));
  const code = await main(argv, { stdin: new PassThrough(), stdout, stderr });
  return { code, stdout: Buffer.concat(chunks.stdout).toString(), stderr: Buffer.concat(chunks.stderr).toString() };
}

// What a user sees from `streamlink eval …` before any model is loaded: help and clear usage errors.
describe("streamlink eval", () => {
  it("lists its suites", async () => {
    const { code, stdout } = await cli("eval", "--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(/spider\s+execution accuracy on Spider dev/);
    expect(stdout).toMatch(/questions\s+execution accuracy on a question file/);
  });

  it("documents each suite's options", async () => {
    const spider = await cli("eval", "spider", "--help");
    expect(spider.code).toBe(0);
    for (const option of ["--data DIR", "--limit N", "--ids ID,…", "--prompts FILE.jsonl", "--seed S", "--model NAME|PATH", "--format FORMAT", "--out FILE.jsonl"]) expect(spider.stdout).toContain(option);
    const questions = await cli("eval", "questions", "--help");
    expect(questions.stdout).toContain("--db PATH");
    expect(questions.stdout).toContain("--file FILE.jsonl");
  });

  it("names an --ids id that is not in the run, before any model loads", async () => {
    const { code, stderr } = await cli("eval", "spider", "--data", path.join(SHARED_DATA, "spider"), "--limit", "5", "--seed", "2", "--ids", "dev-52,dev-nope");
    expect(code).toBe(2);
    expect(stderr).toContain("No question with id dev-nope in this run");
  });

  it("rejects an unknown suite with the valid ones", async () => {
    const { code, stderr } = await cli("eval", "bird");
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown evaluation 'bird'");
    expect(stderr).toMatch(/hint: Valid: .*spider.*questions/);
  });

  it("says where Spider should be when --data is wrong", async () => {
    const { code, stderr } = await cli("eval", "spider", "--data", "/nonexistent/spider");
    expect(code).toBe(2);
    expect(stderr).toMatch(/Cannot read \/nonexistent\/spider\/dev\.json/);
    expect(stderr).toContain("hint: Pass --data");
  });

  it("asks for both --db and --file", async () => {
    const { code, stderr } = await cli("eval", "questions", "--db", path.join(SHARED_DATA, "patents", "canonical"));
    expect(code).toBe(2);
    expect(stderr).toContain("eval questions needs --db and --file");
  });

  it("names a broken question file line", async () => {
    const { code, stderr } = await cli("eval", "questions", "--db", path.join(SHARED_DATA, "patents", "canonical"), "--file", path.join(SHARED_DATA, "patents", "README.md"));
    expect(code).toBe(2);
    expect(stderr).toMatch(/README\.md:1 is not JSON/);
  });

  it("rejects an unknown --format before loading a model", async () => {
    const { code, stderr } = await cli("eval", "spider", "--data", path.join(SHARED_DATA, "spider"), "--limit", "1", "--format", "xml");
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown --format 'xml'");
  });
});
