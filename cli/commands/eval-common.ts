import { appendFileSync, writeFileSync } from "node:fs";
import { UsageError } from "../../core/errors.js";
import { createChecker } from "../../checks/index.js";
import { modelLoader } from "../../kernel/compose.js";
import { ExampleStore, LocalSqlGenerator, embeddingRanker, loadOnnxEmbedder, resolveEmbedding, type PromptRecord } from "../../models/index.js";
import type { Embedder } from "../../core/embedder.js";
import type { EvalCase, EvalSource } from "../../evals/harness.js";
import { runAndReport } from "../../evals/run.js";
import { intOption, stringOption, type ParsedArgs } from "../../magics/options.js";
import { EXIT, formatOption, type CommandIO } from "../io.js";

/** Options every `eval` suite takes. */
export const EVAL_OPTIONS = {
  limit: { type: "int", help: "ask only a fixed seeded sample of N questions", metavar: "N" },
  seed: { type: "int", help: "seed of the sample (default 1)", metavar: "S" },
  ids: { type: "string", help: "ask only the questions with these ids, comma-separated (from the sample when --limit is given)", metavar: "ID,…" },
  model: { type: "string", help: "a registered model name or a path to a .gguf file (default: the bundled model)", metavar: "NAME|PATH" },
  lora: { type: "string", help: "a LoRA adapter loaded with the model: a registered name (models/registry.json) or a GGUF adapter file", metavar: "NAME|FILE" },
  format: { type: "string", help: "table (default) or json (JSON lines, then {\"summary\": …})", metavar: "FORMAT" },
  out: { type: "string", help: "also write the JSON lines to this file as each question finishes", metavar: "FILE.jsonl" },
  prompts: { type: "string", help: "also write every prompt the model reads to this file, one JSON line per model call ({\"id\",\"try\",\"messages\",\"temperature\",\"seed\"}), to compare two runs' prompts", metavar: "FILE.jsonl" },
  examples: { type: "string", help: "saved question→SQL pairs (a %remember file) offered to the model; pairs whose question is asked are left out", metavar: "FILE.json" },
  "budget-min": { type: "int", help: "ask no new question after N minutes; the summary covers those asked", metavar: "N" },
  "timeout-s": { type: "int", help: "time limit for each query on the engine (default 30)", metavar: "N" },
  help: { type: "flag", help: "show this help" },
} as const;

/** One line per option with its help, under a command's usage line. */
export function optionLines(specs: Readonly<Record<string, { readonly help: string; readonly metavar?: string; readonly type: string }>>): string {
  const rows = Object.entries(specs).map(([name, spec]) => [`--${name}${spec.type === "flag" ? "" : ` ${spec.metavar ?? name.toUpperCase()}`}`, spec.help] as const);
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`).join("\n");
}

/**
 * The cases whose ids are listed, in the run's order (re-asking a few questions, e.g. those an earlier run lost,
 * without the rest of the sample); an id that is not among the cases is a usage error naming it.
 */
export function onlyIds(cases: readonly EvalCase[], list: string): EvalCase[] {
  const wanted = new Set(list.split(",").map((id) => id.trim()).filter((id) => id !== ""));
  const unknown = [...wanted].filter((id) => !cases.some((c) => c.id === id));
  if (unknown.length > 0) {
    throw new UsageError(`No question with id ${unknown.join(", ")} in this run`, "Ids are those of the JSON lines (\"id\"); with --limit, only the sample's questions can be chosen.", { unknown });
  }
  return cases.filter((c) => wanted.has(c.id));
}

/** `--prompts FILE`: each model call as a JSON line, named by the id of the question it belongs to. */
function promptLog(file: string | undefined, cases: readonly EvalCase[]): { onPrompt?: (prompt: PromptRecord) => void } {
  if (file === undefined) return {};
  writeFileSync(file, "");
  const ids = new Map(cases.map((c) => [c.question, c.id]));
  return { onPrompt: ({ question, ...call }) => appendFileSync(file, `${JSON.stringify({ id: ids.get(question) ?? null, ...call })}\n`) };
}

/** Questions compared as the same request whatever their case and spacing. */
function normalQuestion(question: string): string {
  return question.trim().toLowerCase().replace(/\s+/g, " ");
}

/**
 * Loads the model and the checker, runs the cases and prints the report. Exits 0 when the run completed, whatever
 * the accuracy: the figures are the result.
 */
export async function runEvalCommand(
  args: ParsedArgs,
  io: CommandIO,
  cases: readonly EvalCase[],
  openSource: (name: string) => Promise<EvalSource>,
  run: Record<string, unknown>,
): Promise<number> {
  const format = formatOption(args);
  const ids = stringOption(args, "ids");
  const asking = ids === undefined ? cases : onlyIds(cases, ids);
  if (asking.length === 0) throw new UsageError("No questions to ask", "Raise --limit, or check the data path.");
  const timeout = intOption(args, "timeout-s") ?? 30;
  const budget = intOption(args, "budget-min");
  // Resolving the model fails fast on a wrong name or path; loading it (seconds) happens on the first question.
  const examplesFile = stringOption(args, "examples");
  // Pairs of the whole sample stay out with --ids too, so a re-asked question sees the examples it saw in the full run.
  const asked = new Set(cases.map((c) => normalQuestion(c.question)));
  const store = examplesFile ? new ExampleStore(examplesFile) : undefined;
  const saved = store?.list() ?? [];
  const examples = saved.filter((e) => !asked.has(normalQuestion(e.question)));
  // Examples are picked by meaning, as in %%ask: the embedding model loads with the first question that has more
  // saved pairs than the prompt shows.
  let embedder: Promise<Embedder> | undefined;
  const loadEmbedder = () => (embedder ??= loadOnnxEmbedder(resolveEmbedding()));
  const generator = new LocalSqlGenerator({
    model: stringOption(args, "model"), lora: stringOption(args, "lora"), examples, notes: store?.notes(), rankExamples: embeddingRanker(loadEmbedder), load: modelLoader("batch"),
    ...promptLog(stringOption(args, "prompts"), asking),
  });
  try {
    const model = await generator.model();
    await runAndReport(asking, {
      generator,
      checker: createChecker(),
      openSource,
      queryTimeoutMs: timeout * 1000,
      ...(budget === undefined ? {} : { budgetMs: budget * 60_000 }),
      format,
      stdout: io.stdout,
      outFile: stringOption(args, "out"),
      run: {
        ...run,
        ...(ids === undefined ? {} : { ids: asking.map((c) => c.id) }),
        model: model.name,
        modelSha256: model.sha256,
        ...(model.adapter ? { adapter: model.adapter } : {}),
        ...(examplesFile ? { examples: `${examples.length} from ${examplesFile} (${saved.length - examples.length} left out: asked here)` } : {}),
      },
    });
    return EXIT.ok;
  } finally {
    await generator.close();
    await (await embedder?.catch(() => undefined))?.close();
  }
}
