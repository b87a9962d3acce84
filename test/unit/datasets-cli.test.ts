/** `streamlink data`: help text and usage errors, as a user sees them (no data is read or written here). */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { helpText, main } from "../../cli/main.js";
import { USAGE } from "../../cli/commands/data.js";

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

describe("streamlink data", () => {
  it("is listed in the top-level help", () => {
    expect(helpText()).toMatch(/^\s+data\s+patent data: data import patentsview/m);
  });

  it("prints its usage for --help, covering every documented form", async () => {
    const { code, stdout } = await cli("data", "--help");
    expect(code).toBe(0);
    expect(stdout).toBe(`${USAGE}\n`);
    for (const form of ["data import patentsview DIR --out DIR", "data import google-patents FILE… --out DIR", "data generate --rows N --out DIR [--seed S]"]) expect(stdout).toContain(form);
  });

  it.each([
    [["data", "frobnicate"], /Unknown data action 'frobnicate'/, /data import/],
    [["data", "import", "uspto", "x", "--out", "o"], /Unknown import source 'uspto'/, /patentsview DIR/],
    [["data", "import", "patentsview", "raw"], /--out is required/, /--out/],
    [["data", "generate", "--out", "o"], /--rows is required/, /--rows 1M/],
    [["data", "generate", "--rows", "lots", "--out", "o"], /Cannot read 'lots'/, /10M/],
    [["data", "generate", "--rows", "10", "--out", "o", "--colour", "red"], /Unknown option --colour/, /--rows/],
  ])("%j fails with exit 2, the problem and a hint", async (args, problem, hint) => {
    const { code, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(problem);
    expect(stderr.split("\n").find((l) => l.startsWith("hint: "))).toMatch(hint);
  });
});
