import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createChecker } from "../../checks/index.js";
import { StreamLinkError, UsageError } from "../../core/errors.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { tableRows } from "../../evals/compare.js";
import { intOption, parseArgs, stringOption, usageOf } from "../../magics/options.js";
import { loadPrompts } from "../../models/prompts.js";
import { profileCatalog } from "../../models/profile.js";
import { registerAdapter, resolveModel, sha256File, type ResolvedModel } from "../../models/registry.js";
import { mixOneToOne, spiderPublicPairs, trainingRecords, type SchemaPair, type TrainingRecord } from "../../adapt/train-data.js";
import { ensureTrainingEnv, fetchModel, trainLora, type TrainEvent } from "../../adapt/trainer.js";
import { EXIT, formatOption, type CommandIO } from "../io.js";
import { optionLines } from "./eval-common.js";

const DEFAULTS = { budgetMin: 30, rank: 4, learningRate: 2e-4, targets: "q_proj,v_proj", seed: 1 } as const;

export const OPTIONS = {
  pairs: { type: "string", help: "the domain pairs: a library written by `adapt build` ({examples: [{question, sql}]})", metavar: "FILE" },
  db: { type: "string", help: "the data the pairs were built on (default: the library's provenance.data)", metavar: "PATH" },
  model: { type: "string", help: "the registered base model (default: the bundled one)", metavar: "NAME" },
  spider: { type: "string", help: "Spider's folder, for the public pairs (default ../shared/data/spider)", metavar: "DIR" },
  "budget-min": { type: "int", help: `wall-clock minutes for the run, loading included (default ${DEFAULTS.budgetMin})`, metavar: "N" },
  rank: { type: "int", help: `LoRA rank (default ${DEFAULTS.rank})`, metavar: "R" },
  steps: { type: "int", help: "most optimiser steps, one pair each (default: one pass over the mix)", metavar: "N" },
  records: { type: "int", help: "train on the first N pairs of the mix only, cycling (a small adapter for a test)", metavar: "N" },
  lr: { type: "string", help: `learning rate (default ${DEFAULTS.learningRate})`, metavar: "X" },
  targets: { type: "string", help: `the model's matrices that get a LoRA (default ${DEFAULTS.targets})`, metavar: "A,B" },
  seed: { type: "int", help: `order of the pairs (default ${DEFAULTS.seed})`, metavar: "S" },
  name: { type: "string", help: "the adapter's registry name (default: the --out folder's name)", metavar: "NAME" },
  out: { type: "string", help: "a folder for NAME.gguf and the mix (train.jsonl); the checkpoint goes to DIR/.work, and a rerun resumes from it", metavar: "DIR" },
  format: { type: "string", help: "table (default: a summary line) or json", metavar: "FORMAT" },
  help: { type: "flag", help: "show this help" },
} as const;

export const USAGE = `${usageOf("usage: streamlink adapt train", OPTIONS)}
Domain adaptation by LoRA (paper §3.1): the domain pairs are mixed 1:1 with public NL→SQL pairs (Spider's dev
questions less those of the Spider samples StreamLink's reports evaluate), each asked with the generator's own
prompt and the schema trimmed to the tables its SQL reads. A LoRA is trained on the model (read from its GGUF by
transformers, dequantised) within the budget, a checkpoint every 10 steps, then converted to a GGUF adapter and
registered on the model's entry in models/registry.json; \`--lora NAME\` (ask, eval, %model) loads it.
The first run builds the training environment in .cache/train-venv: ~5.6 GB from PyPI (torch brings its CUDA
wheels), a few minutes. Progress (step, loss, time left) goes to stderr. Example:
  streamlink adapt train --pairs adapt/built/patents-canonical.json --model qwen2.5-coder-0.5b --budget-min 30 --out .cache/lora/patents-0.5b
${optionLines(OPTIONS)}`;

export async function run(argv: readonly string[], io: CommandIO): Promise<number> {
  const args = parseArgs("streamlink adapt train", argv, OPTIONS);
  if (args.options.get("help")) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const format = formatOption(args);
  const pairsFile = stringOption(args, "pairs");
  const out = stringOption(args, "out");
  if (!pairsFile || !out) throw new UsageError("adapt train needs --pairs and --out", "Example: streamlink adapt train --pairs adapt/built/patents-canonical.json --out .cache/lora/patents");
  const model = await baseModel(stringOption(args, "model"));
  if (!model.spec) throw new UsageError("adapt train needs a registered model", "Name one of models/registry.json (the adapter is registered on its entry).", { model: model.name });
  const library = readLibrary(pairsFile);
  const db = stringOption(args, "db") ?? library.data;
  if (!db) throw new UsageError(`${pairsFile} does not say which data it was built on`, "Pass --db with the data folder.", { file: pairsFile });
  const seed = intOption(args, "seed") ?? DEFAULTS.seed;
  const learningRate = Number(stringOption(args, "lr") ?? DEFAULTS.learningRate);
  if (!(learningRate > 0 && learningRate < 1)) throw new UsageError("--lr must be a number between 0 and 1", "Example: --lr 2e-4");
  const budgetMin = intOption(args, "budget-min") ?? DEFAULTS.budgetMin;
  const name = stringOption(args, "name") ?? path.basename(path.resolve(out));

  // The mix first: a wrong --pairs or --spider fails before the environment or the model costs minutes.
  const checker = createChecker();
  const prompts = loadPrompts();
  const domain = await trainingRecords(await domainPairs(db, library.examples), "domain", checker, prompts);
  const spider = path.resolve(stringOption(args, "spider") ?? "../shared/data/spider");
  const publicRecords = await trainingRecords(await spiderPublicPairs(spider), "public", checker, prompts);
  const mix = mixOneToOne(domain, publicRecords, seed);
  const records = intOption(args, "records");
  const used = records === undefined ? mix : mix.slice(0, records);
  if (used.length === 0) throw new UsageError("No training pairs", "Check --pairs (its SQL must read the data's tables) and --spider.", { pairsFile, spider });
  mkdirSync(out, { recursive: true });
  const dataFile = path.join(out, "train.jsonl");
  // The checkpoint and the conversion's inputs stay apart from what a user keeps (the adapter and its mix).
  const workDir = path.resolve(out, ".work");
  writeFileSync(dataFile, used.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const counts = (list: readonly TrainingRecord[]) => ({ domain: list.filter((r) => r.source === "domain").length, public: list.filter((r) => r.source === "public").length });

  await ensureTrainingEnv();
  const adapterFile = path.resolve(out, `${name}.gguf`);
  const maxSteps = intOption(args, "steps") ?? used.length;
  const started = Date.now();
  const progress = progressReporter(io, budgetMin * 60, started);
  const result = await trainLora({
    gguf: model.path, dataFile, workDir, adapterFile,
    rank: intOption(args, "rank") ?? DEFAULTS.rank,
    targets: (stringOption(args, "targets") ?? DEFAULTS.targets).split(","),
    learningRate, maxSteps, budgetSeconds: budgetMin * 60, seed,
  }, progress);
  const sha256 = await sha256File(adapterFile);
  const mixed = counts(used);
  const data = `${path.relative(process.cwd(), path.resolve(pairsFile))} (${counts(domain).domain} usable domain pairs) mixed 1:1 with ${publicRecords.length} Spider dev pairs (less the eval samples); ${mixed.domain}+${mixed.public} in the mix`;
  const entry = { name, file: adapterFile, sha256, base: model.name, data, steps: result.steps, loss: result.loss };
  registerAdapter(entry);
  const summary = { ...entry, seconds: result.seconds, trainSeconds: result.trainSeconds, mix: mixed, out: path.resolve(out), checkpoint: path.join(workDir, "checkpoint") };
  io.stdout.write(format === "json" ? `${JSON.stringify(summary)}\n`
    : `adapter ${name} for ${model.name}: ${result.steps} steps, loss ${result.loss ?? "-"}, ${Math.round(result.seconds)} s; ${adapterFile} (registered)\n`);
  return EXIT.ok;
}

/** The registered model, fetched first when the set-up left it out (the 0.5B is fetched only on demand). */
async function baseModel(name: string | undefined): Promise<ResolvedModel> {
  try {
    return resolveModel(name);
  } catch (error) {
    if (!(error instanceof StreamLinkError) || error.code !== "model-missing" || typeof error.data["model"] !== "string") throw error;
    await fetchModel(error.data["model"]);
    return resolveModel(name);
  }
}

function readLibrary(file: string): { data?: string; examples: { question: string; sql: string }[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`Cannot read the pairs file ${file}: ${(error as Error).message}`, "Pass a library written by `streamlink adapt build`.", { file });
  }
  const value = (typeof parsed === "object" && parsed !== null ? parsed : {}) as { examples?: unknown; provenance?: { data?: unknown } };
  const examples = Array.isArray(value.examples) ? value.examples.filter((e): e is { question: string; sql: string } =>
    typeof e === "object" && e !== null && typeof (e as { question?: unknown }).question === "string" && typeof (e as { sql?: unknown }).sql === "string") : [];
  if (examples.length === 0) throw new UsageError(`${file} holds no {question, sql} pairs`, "Pass a library written by `streamlink adapt build`.", { file });
  return { examples, ...(typeof value.provenance?.data === "string" ? { data: value.provenance.data } : {}) };
}

/** The pairs with the data's schema as the generator profiles it (types, ranges, sample values). */
async function domainPairs(db: string, examples: readonly { question: string; sql: string }[]): Promise<SchemaPair[]> {
  const engine = await duckdbConnector.connect({ kind: "duckdb", target: db, name: path.basename(path.resolve(db)) });
  try {
    const catalog = await engine.catalog();
    const profile = await profileCatalog(catalog, engine.dialect, async (sql) => tableRows((await engine.execute(sql, { maxRows: 100_000 })).table).rows);
    return examples.map((e, i) => ({ id: `domain-${i + 1}`, question: e.question, sql: e.sql, catalog, profile }));
  } finally {
    await engine.close();
  }
}

/** One line per step on stderr: the step, its loss, and the time left (the budget's or the steps', whichever ends first). */
function progressReporter(io: CommandIO, budgetSeconds: number, started: number): (event: TrainEvent) => void {
  const times: number[] = [];
  return (event) => {
    if (event.event === "loaded") {
      io.stderr.write(`adapt train: model loaded in ${event.seconds} s, ${event.trainable.toLocaleString("en-US")} trainable weights${event.resumedAt > 0 ? `, resuming at step ${event.resumedAt}` : ""}\n`);
    } else if (event.event === "step") {
      times.push(event.seconds);
      const perStep = times.reduce((a, b) => a + b, 0) / times.length;
      const left = Math.min((event.of - event.step) * perStep, budgetSeconds - (Date.now() - started) / 1000);
      io.stderr.write(`adapt train: step ${event.step}/${event.of} loss ${event.loss.toFixed(3)} · ${event.seconds} s/step · ${Math.max(0, Math.round(left / 60))} min left\n`);
    } else if (event.event === "saved") {
      io.stderr.write(`adapt train: checkpoint at step ${event.step}\n`);
    }
  };
}
