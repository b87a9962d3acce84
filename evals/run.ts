import { createWriteStream, type WriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { once } from "node:events";
import { availableParallelism, loadavg } from "node:os";
import { runEvaluation, type CaseResult, type EvalCase, type HarnessOptions } from "./harness.js";
import { formatCaseLine, formatSummary, summarise, type EvalSummary } from "./report.js";

export type EvalFormat = "table" | "json";

export interface ReportedRunOptions extends Omit<HarnessOptions, "onResult"> {
  readonly format: EvalFormat;
  readonly stdout: Writable;
  /** A JSON-lines file that receives one line per question as it finishes, then the summary line. */
  readonly outFile?: string;
  /** What describes the run in the summary (model, seed, sample size…). */
  readonly run: Record<string, unknown>;
}

/**
 * Runs the harness and prints as it goes: with `table`, one line per question and the summary table; with `json`,
 * one JSON object per question and a last line `{"summary": …}`. Lines reach `outFile` as soon as each question
 * is done, so a long run that is stopped keeps what it measured.
 */
export async function runAndReport(cases: readonly EvalCase[], options: ReportedRunOptions): Promise<EvalSummary> {
  const out: WriteStream | undefined = options.outFile ? createWriteStream(options.outFile, { flags: "w" }) : undefined;
  const onResult = (result: CaseResult): void => {
    out?.write(`${JSON.stringify(result)}\n`);
    options.stdout.write(options.format === "json" ? `${JSON.stringify(result)}\n` : `${formatCaseLine(result)}\n`);
  };
  // Timings mean little without the machine's load: other work on a shared machine slows every question.
  const loadAtStart = loadavg()[0] ?? 0;
  let summary: EvalSummary;
  try {
    const results = await runEvaluation(cases, { ...options, onResult });
    const load = `1-min load ${loadAtStart.toFixed(1)} at start, ${(loadavg()[0] ?? 0).toFixed(1)} at end, on ${availableParallelism()} cores`;
    const asked = results.length < cases.length ? { asked: `${results.length} of ${cases.length} (time budget spent)` } : {};
    summary = summarise(results, { ...options.run, ...asked, machine: load });
    out?.write(`${JSON.stringify({ summary })}\n`);
  } finally {
    if (out) {
      out.end();
      await once(out, "close");
    }
  }
  options.stdout.write(options.format === "json" ? `${JSON.stringify({ summary })}\n` : `\n${formatSummary(summary)}\n`);
  return summary;
}
