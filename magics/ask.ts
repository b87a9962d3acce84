import { UsageError } from "../core/errors.js";
import { askQuestion, describeStage, type AskRequest, type AskStage } from "../session/ask.js";
import { askByAgreement, candidateCount, DEFAULT_CANDIDATES } from "../session/candidates.js";
import { MAX_CANDIDATES } from "../session/config.js";
import { blockedError } from "../session/session.js";
import type { Magic, MagicContext, MagicInvocation } from "./magic.js";
import { checkVariableName, flagOption, intOption, stringOption, type OptionSpecs } from "./options.js";
import { readExamples } from "./remember.js";
import { planSimilarity, rankRun } from "../session/similar.js";
import { cellArguments, showResult, SIMILARITY_OPTIONS, similarityOption, verdictBundle } from "./run-checked.js";

const OPTIONS: OptionSpecs = {
  engine: { type: "string", help: "connection to ask (see %tables)", metavar: "NAME" },
  "sql-only": { type: "flag", help: "show the checked SQL without running it" },
  out: { type: "string", help: "variable that receives the Arrow table", metavar: "VAR" },
  candidates: { type: "int", help: `write and run N candidates, answer with the result most agree on (default: %config ask_candidates; at most ${MAX_CANDIDATES})`, metavar: "N" },
  ...SIMILARITY_OPTIONS,
};

/** `%%ask`: the cell body is a question; a local model writes the SQL, which is checked and run like `%%sql`. */
export const askMagic: Magic = {
  name: "ask",
  kind: "cell",
  body: "question",
  summary: "Ask a question in plain language: a local model writes checked SQL, then it runs as %%sql",
  options: OPTIONS,
  async run(invocation: MagicInvocation, context: MagicContext): Promise<void> {
    const { args, body: question } = cellArguments(invocation, "%%ask", OPTIONS, "question");
    const out = stringOption(args, "out");
    if (out !== undefined) checkVariableName(out);
    const sqlOnly = flagOption(args, "sql-only");
    const similarity = similarityOption(args);
    const option = intOption(args, "candidates");
    const asked = option === undefined ? undefined : candidateCount(option, "%%ask --candidates");
    if (asked !== undefined && asked > 1 && sqlOnly) {
      throw new UsageError("%%ask --candidates and --sql-only do not go together",
        "Candidates are compared by the rows they return, and --sql-only runs nothing; drop one of the two.", { option: "candidates", value: asked });
    }
    // Candidates vote with their rows: with --sql-only (nothing runs) %config ask_candidates gives way to one answer.
    const candidates = sqlOnly ? 1 : asked ?? context.session.config.ask_candidates;
    context.display({ kind: "markdown", markdown: `**Question:** ${question.replace(/\s+/g, " ")}` });
    // The model itself loads with the first SQL it writes, so a refused request or a connection without tables
    // answers at once.
    const generator = await context.session.generator();
    const progress = (message: string) => context.display({ kind: "progress", progress: { message } });
    const request: AskRequest = {
      question,
      engine: stringOption(args, "engine"),
      sqlOnly,
      ...readExamples(context.cwd),
      onStage: throttled((stage) => progress(stageLine(stage))),
    };
    const agreed = candidates > 1 ? await askByAgreement(context.session, generator, request, { ...DEFAULT_CANDIDATES, count: candidates }) : undefined;
    const answer = agreed ?? await askQuestion(context.session, generator, request);
    // A request to change data or read files was refused as such: no model was asked, nothing ran.
    if (answer.kind === "refused") {
      context.display({ kind: "verdict", bundle: { verdict: answer.verdict, magic: "ask", cellSource: invocation.cellSource, question, ranAt: new Date().toISOString() } });
      throw blockedError(answer.verdict);
    }
    const { provenance, run, error, explanation } = answer;
    progress(`Answered in ${(answer.timings["askMs"] ?? 0) / 1000} s.`);
    const kept = answer.chosenTry < answer.tries ? `, try ${answer.chosenTry} kept` : "";
    context.display({ kind: "sql", title: `Generated SQL (${provenance.model}, ${answer.tries} ${answer.tries === 1 ? "try" : "tries"}${kept})`, sql: answer.sql });
    context.display({ kind: "explanation", explanation });
    if (agreed?.kind === "answer") context.display({ kind: "agreement", agreement: agreed.agreement });
    const plan = similarity && run && !sqlOnly ? await planSimilarity(context.session, run.engine, similarity, run.verdict) : undefined;
    context.display({
      kind: "verdict",
      bundle: verdictBundle({ magic: "ask", cellSource: invocation.cellSource, question, provenance, explanation }, answer.verdict, plan?.provenance),
    });
    if (answer.verdict.verdict === "block") throw blockedError(answer.verdict);
    if (error) throw error;
    if (sqlOnly) {
      // Cost before running: the engine's plan of the answer, with its estimates.
      context.display({ kind: "plan", plan: (await context.session.plan(answer.sql, { engine: stringOption(args, "engine"), author: "model" })).plan });
      return;
    }
    if (!run) return;
    await showResult(context, plan ? await rankRun(context.session, run, plan) : run, out, undefined, plan === undefined);
  },
};

/** What the cell shows while it works: the stage, and the SQL as the model writes it. */
function stageLine(stage: AskStage): string {
  const words = describeStage(stage);
  const line = `${words.charAt(0).toUpperCase()}${words.slice(1)}…`;
  return stage.kind === "writing" && stage.text !== "" ? `${line} ${stage.text.replace(/\s+/g, " ")}` : line;
}

/** The tokens of an answer arrive tens of times a second; the display is updated at most every 200 ms, and always on a new stage. */
function throttled(show: (stage: AskStage) => void): (stage: AskStage) => void {
  let shownAt = 0;
  let kind = "";
  return (stage) => {
    const now = performance.now();
    if (stage.kind === kind && stage.kind === "writing" && now - shownAt < 200) return;
    kind = stage.kind;
    shownAt = now;
    show(stage);
  };
}
