import { spawn } from "node:child_process";
import path from "node:path";
import { REPO, VENV_BIN } from "./paths.js";

export interface KernelStep {
  readonly code: string;
  readonly interrupt_after_s?: number;
  readonly timeout_s?: number;
  readonly queue?: readonly string[];
  /** Wait before sending, as a person would between cells. */
  readonly pause_s?: number;
  /** Send Tab (`complete`) or Shift+Tab (`inspect`) at `cursor_pos` of `code` instead of running it. */
  readonly request?: "complete" | "inspect";
  readonly cursor_pos?: number;
}

export interface IopubMessage {
  readonly type: string;
  readonly content: Record<string, unknown> & { data?: Record<string, unknown>; text?: string; name?: string };
}

/** The results of exactly `N` cells, so a test can name each one (runKernel returns one result per step). */
export type Steps<N extends number, R extends StepResult[] = []> = R["length"] extends N ? R : Steps<N, [...R, StepResult]>;

export interface StepResult {
  readonly reply: Record<string, unknown> & { status: string };
  readonly iopub: readonly IopubMessage[];
  readonly seconds: number;
  readonly queued: readonly { reply: Record<string, unknown> & { status: string }; iopub: readonly IopubMessage[] }[];
}

/**
 * Starts the real `streamlink` kernel through jupyter_client, runs the steps in order, and shuts it down. `env` is
 * added to the kernel's environment (e.g. `NODE_OPTIONS` for a small heap).
 */
export function runKernel(steps: readonly KernelStep[], cwd = path.join(REPO, "notebooks"), env: Readonly<Record<string, string>> = {}): Promise<StepResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(VENV_BIN, "python"), [path.join(REPO, "test/kernel/driver.py"), cwd], {
      cwd,
      env: { ...process.env, ...env, PATH: `${VENV_BIN}:${process.env.PATH ?? ""}` },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    child.on("error", reject);
    child.on("close", (code) => {
      const lines = stdout.trim().split("\n").filter(Boolean);
      if (code !== 0 || lines.length !== steps.length) {
        reject(new Error(`kernel driver exited ${code} after ${lines.length}/${steps.length} steps:\n${stderr.slice(-3000)}`));
        return;
      }
      resolve(lines.map((l) => JSON.parse(l) as StepResult));
    });
    child.stdin.end(JSON.stringify(steps));
  });
}

/** Everything the user sees as text in one cell's outputs (streams, text/plain, errors). */
export function visibleText(messages: readonly IopubMessage[]): string {
  return messages
    .map((m) => {
      if (m.type === "stream") return String(m.content.text ?? "");
      if (m.type === "error") return `${String(m.content.ename)}: ${String(m.content.evalue)}\n${(m.content.traceback as string[]).join("\n")}`;
      if (m.type === "display_data" || m.type === "execute_result") return String(m.content.data?.["text/plain"] ?? "");
      return "";
    })
    .join("\n");
}

export function outputsOfType(messages: readonly IopubMessage[], mime: string): unknown[] {
  return messages.filter((m) => m.content.data?.[mime] !== undefined).map((m) => m.content.data?.[mime]);
}
