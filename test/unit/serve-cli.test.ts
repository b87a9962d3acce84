import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { helpText, main } from "../../cli/main.js";

const stateDir = mkdtempSync(path.join(tmpdir(), "streamlink-serve-cli-"));
const previous = process.env["STREAMLINK_SERVE_DIR"];
process.env["STREAMLINK_SERVE_DIR"] = stateDir;
afterAll(() => {
  if (previous === undefined) delete process.env["STREAMLINK_SERVE_DIR"];
  else process.env["STREAMLINK_SERVE_DIR"] = previous;
  rmSync(stateDir, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => { out += c.toString(); });
  stderr.on("data", (c: Buffer) => { err += c.toString(); });
  const code = await main(argv, { stdin: new PassThrough(), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

describe("streamlink serve (no service running)", () => {
  it("is listed in the help", () => {
    expect(helpText()).toMatch(/^\s+serve\s+shared model service: serve start\|stop\|status/m);
  });

  it("reports a stopped service as JSON and in words", async () => {
    expect(await cli("serve", "status", "--format", "json")).toEqual({ code: 0, stdout: '{"service":"stopped"}\n', stderr: "" });
    expect((await cli("serve", "status")).stdout).toBe("No model service is running (start one with `streamlink serve start`).\n");
    expect((await cli("serve", "stop")).stdout).toBe("No model service was running.\n");
  });

  it("rejects an unknown action and a worker count below one with a usage error", async () => {
    const unknown = await cli("serve", "restart");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown serve action 'restart'/);
    const none = await cli("serve", "start", "--workers", "0");
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--workers must be at least 1/);
  });
});
