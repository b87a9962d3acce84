import { PassThrough } from "node:stream";
import { main } from "../../cli/main.js";

/** Runs `streamlink ARGV…` in this process and returns its exit code and what it printed. */
export async function runCli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => { out += d.toString(); });
  stderr.on("data", (d: Buffer) => { err += d.toString(); });
  const code = await main(argv, { stdin: new PassThrough(), stdout, stderr });
  return { code, stdout: out, stderr: err };
}
