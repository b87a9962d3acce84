/**
 * Candidates chosen by execution: the question is answered several times (the greedy try, then sampled ones), each
 * candidate checked and run under the same row cap and time limit as any `%%ask` try, and the answer is the result
 * most candidates agree on. The share that agrees is the answer's confidence; below a threshold the answer says it
 * is unsure and names the runner-up, so a user sees when the model could not make up its mind.
 */
import type { Agreement } from "../core/agreement.js";
import { UsageError } from "../core/errors.js";
import type { SqlGenerator } from "../core/llm.js";
import { askQuestion, rowsOf, type AskAnswer, type AskRefusal, type AskRequest, type AskStage } from "./ask.js";
import { MAX_CANDIDATES } from "./config.js";
import type { Session } from "./session.js";

export interface CandidateOptions {
  /** Candidates per question, the greedy one included. */
  readonly count: number;
  /** Sampling temperature of the candidates after the first. */
  readonly temperature: number;
  /** Confidence below which an answer is marked unsure. */
  readonly unsureBelow: number;
}

/**
 * Three candidates: the fewest where a majority means something. Unsure below 0.6: with three, an answer only one
 * candidate gave is unsure, one two agree on is not.
 */
export const DEFAULT_CANDIDATES: CandidateOptions = { count: 3, temperature: 0.7, unsureBelow: 0.6 };

/**
 * A count of candidates a user asked for (`%%ask --candidates`, `streamlink ask --candidates`), checked against
 * {@link MAX_CANDIDATES}: each candidate is one more model answer and query.
 */
export function candidateCount(value: number, option: string): number {
  if (value >= 1 && value <= MAX_CANDIDATES) return value;
  throw new UsageError(`${option} needs a number from 1 to ${MAX_CANDIDATES}, got ${value}`,
    `Example: ${option} 3 (each candidate is one more model answer and query).`, { option, value });
}

export interface AgreedAnswer extends AskAnswer {
  readonly agreement: Agreement;
}

/** Asks `options.count` candidates, one after the other on the session's one model, and chooses among them. */
export async function askByAgreement(session: Session, generator: SqlGenerator, request: AskRequest, options: CandidateOptions = DEFAULT_CANDIDATES): Promise<AgreedAnswer | AskRefusal> {
  const results: AskAnswer[] = [];
  for (let i = 0; i < options.count; i++) {
    const sampling = i === 0 ? undefined : { temperature: options.temperature, seed: i };
    const candidate = { attempt: i + 1, of: options.count };
    const onStage = request.onStage && ((stage: AskStage) => request.onStage?.({ ...stage, candidate }));
    const result = await askQuestion(session, generator, { ...request, ...(sampling ? { sampling } : {}), ...(onStage ? { onStage } : {}) });
    // A refused request is refused before any model runs: another candidate would only be refused again.
    if (result.kind === "refused") return result;
    results.push(result);
  }
  return chooseByAgreement(results, options.unsureBelow);
}

/**
 * The answer whose rows most candidates share; among equally supported results the earlier candidate (the greedy
 * one first). Candidates that failed, were blocked or only checked do not vote.
 */
export function chooseByAgreement(results: readonly AskAnswer[], unsureBelow: number = DEFAULT_CANDIDATES.unsureBelow): AgreedAnswer {
  const first = results[0];
  if (!first) throw new RangeError("chooseByAgreement needs at least one candidate");
  const groups = new Map<string, AskAnswer[]>();
  for (const result of results) {
    if (!result.run || result.error) continue;
    const key = resultKey(result);
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  // Map order is first appearance, and the sort is stable: ties go to the earlier candidate.
  const ranked = [...groups.values()].sort((a, b) => b.length - a.length);
  const [best, second] = ranked;
  const chosen = best?.[0] ?? first;
  const confidence = (best?.length ?? 0) / results.length;
  const runnerUp = second?.[0]?.sql;
  return {
    ...chosen,
    agreement: { confidence, candidates: results.length, unsure: confidence < unsureBelow, ...(runnerUp !== undefined ? { runnerUp } : {}) },
  };
}

/**
 * What two candidates must share to agree: the same rows in any order with the same values in any column order
 * (candidates name and order their columns as they like), numbers to 10 significant digits.
 */
function resultKey(result: AskAnswer): string {
  const table = result.run?.result.table;
  if (!table) return "";
  const rows = rowsOf(table).map((row) => JSON.stringify(row.map(valueKey).sort()));
  return `${result.run?.result.truncated ? "cut:" : ""}${rows.sort().join("\n")}`;
}

function valueKey(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(10)));
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
