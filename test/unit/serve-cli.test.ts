import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { helpText } from "../../cli/main.js";
import { cli } from "../support/cli.js";

const stateDir = mkdtempSync(path.join(tmpdir(), "streamlink-serve-cli-"));
const previous = process.env["STREAMLINK_SERVE_DIR"];
process.env["STREAMLINK_SERVE_DIR"] = stateDir;
afterAll(() => {
  if (previous === undefined) delete process.env["STREAMLINK_SERVE_DIR"];
  else process.env["STREAMLINK_SERVE_DIR"] = previous;
  rmSync(stateDir, { recursive: true, force: true });
});

describe("streamlink serve (no service running)", () => {
  it("is listed in the help", () => {
    expect(helpText()).toMatch(/^\s+serve\s+shared model service \(with --class: JupyterHub behind nginx\): serve start\|stop\|status \[--class FILE\]/m);
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

  it("refuses a missing or malformed class list before starting anything", async () => {
    const missing = await cli("serve", "start", "--class", path.join(stateDir, "no-such-class.txt"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No class list at .*no-such-class\.txt/);
    const file = path.join(stateDir, "class.txt");
    writeFileSync(file, "teacher admin\nann\nBob Smith\n");
    const malformed = await cli("serve", "start", "--class", file);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/Line 3 of .*class\.txt is not 'NAME' or 'NAME admin': Bob Smith/);
    expect(await cli("serve", "status", "--format", "json")).toMatchObject({ stdout: '{"service":"stopped"}\n' });
  });
});
