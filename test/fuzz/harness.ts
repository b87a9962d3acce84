import { spawn } from "node:child_process";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO, VENV_BIN } from "../support/paths.js";
import { setupCells, type FuzzCell } from "./cells.js";

/** What the driver says about one cell. */
export interface CellReport {
  readonly i: number;
  readonly status: "ok" | "error" | "aborted" | "none";
  readonly seconds: number;
  readonly hung: boolean;
  readonly died: boolean;
  /** An error reply came with ename, evalue and traceback, in the reply and on IOPub (ok replies: true). */
  readonly error_ok: boolean;
  readonly ename: string | null;
  /** The kernel's peak resident memory so far. */
  readonly peak_rss_kb: number;
}

export interface FuzzFigures {
  /** The connection and the query limit were set before the fuzz. */
  readonly setupOk: boolean;
  readonly cells: number;
  readonly deaths: number;
  readonly hangs: number;
  /** Failures without a proper Jupyter error (or with another status than ok/error). */
  readonly improper: number;
  readonly errors: number;
  readonly worstLatency: { readonly seconds: number; readonly kind: string; readonly code: string };
  readonly peakRssMb: number;
  readonly wallSeconds: number;
  /** What `1+1` printed at the end. */
  readonly final: string | null;
  /** The cells that died, hung or failed improperly, for replay. */
  readonly bad: readonly (CellReport & { readonly kind: string; readonly code: string })[];
  readonly errorNames: Readonly<Record<string, number>>;
}

/**
 * Runs the setup cells, then `cells`, through one real kernel (restarted only if it dies or stays silent), from a
 * scratch notebook folder that sees the sample data, so `%%remember` and the like write nowhere that matters.
 */
export async function runFuzz(cells: readonly FuzzCell[], onCell?: (report: CellReport, cell: FuzzCell) => void, onLog?: (text: string) => void): Promise<FuzzFigures> {
  const all = [...setupCells(), ...cells];
  const folder = await mkdtemp(path.join(tmpdir(), "streamlink-fuzz-"));
  await symlink(path.join(REPO, "notebooks", "data"), path.join(folder, "data"));
  const started = performance.now();
  try {
    const lines = await drive(all, folder, (line) => {
      if ("i" in line) onCell?.(line, all[line.i] as FuzzCell);
    }, onLog);
    const first = all.length - cells.length;
    const reports = lines.filter((l): l is CellReport => "i" in l);
    const summary = lines.find((l): l is { summary: { final: string | null; peak_rss_kb: number } } => "summary" in l)?.summary;
    const fuzzed = reports.filter((r) => r.i >= first).map((r) => ({ ...r, kind: all[r.i]?.kind ?? "?", code: all[r.i]?.code ?? "" }));
    const worst = fuzzed.reduce((a, b) => (b.seconds > a.seconds ? b : a), fuzzed[0] ?? { seconds: 0, kind: "-", code: "" });
    const errorNames: Record<string, number> = {};
    for (const r of fuzzed) if (r.ename) errorNames[r.ename] = (errorNames[r.ename] ?? 0) + 1;
    return {
      setupOk: reports.filter((r) => r.i < first).every((r) => r.status === "ok"),
      cells: fuzzed.length,
      deaths: fuzzed.filter((r) => r.died).length,
      hangs: fuzzed.filter((r) => r.hung).length,
      improper: fuzzed.filter((r) => !r.error_ok).length,
      errors: fuzzed.filter((r) => r.status === "error").length,
      worstLatency: { seconds: worst.seconds, kind: worst.kind, code: worst.code.slice(0, 120) },
      peakRssMb: Math.round((summary?.peak_rss_kb ?? 0) / 1024),
      wallSeconds: Math.round((performance.now() - started) / 1000),
      final: summary?.final ?? null,
      bad: fuzzed.filter((r) => r.died || r.hung || !r.error_ok).map((r) => ({ ...r, code: r.code.slice(0, 200) })),
      errorNames,
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

type DriverLine = CellReport | { summary: { final: string | null; peak_rss_kb: number } };

/** `onLog` receives what the driver and the kernels it started wrote to stderr. */
function drive(cells: readonly FuzzCell[], cwd: string, onLine: (line: DriverLine) => void, onLog?: (text: string) => void): Promise<DriverLine[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(VENV_BIN, "python"), [path.join(REPO, "test/fuzz/driver.py"), cwd], {
      cwd,
      env: { ...process.env, PATH: `${VENV_BIN}:${process.env.PATH ?? ""}` },
    });
    const lines: DriverLine[] = [];
    let pending = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      pending += d.toString();
      const complete = pending.split("\n");
      pending = complete.pop() ?? "";
      for (const text of complete.filter(Boolean)) {
        const line = JSON.parse(text) as DriverLine;
        lines.push(line);
        onLine(line);
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      onLog?.(d.toString());
      stderr = (stderr + d.toString()).slice(-5000);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0 || !lines.some((l) => "summary" in l)) reject(new Error(`fuzz driver exited ${code} after ${lines.length} lines:\n${stderr}`));
      else resolve(lines);
    });
    child.stdin.end(JSON.stringify(cells.map(({ code, limit_s, interrupt_after_s }) => ({ code, limit_s, ...(interrupt_after_s === undefined ? {} : { interrupt_after_s }) }))));
  });
}
