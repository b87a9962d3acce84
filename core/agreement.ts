/**
 * How the candidates of one question voted (session/candidates.ts): the pipeline returns it as data, and the edges
 * (the `%%ask` cell, `streamlink ask`) render it with {@link agreementText}, so both say the same words.
 */
export interface Agreement {
  /** Share of all candidates whose rows equal the answer's (0 when no candidate ran). */
  readonly confidence: number;
  readonly candidates: number;
  readonly unsure: boolean;
  /** The SQL of the best-supported other result: "I also considered: …". */
  readonly runnerUp?: string;
}

/** The vote in words: how many candidates agree, and when unsure, what else was considered. */
export function agreementText(agreement: Agreement): { readonly summary: string; readonly runnerUp?: string } {
  const agreed = Math.round(agreement.confidence * agreement.candidates);
  const share = `${agreed} of ${agreement.candidates} candidates agree (confidence ${agreement.confidence.toFixed(2)})`;
  if (!agreement.unsure) return { summary: share };
  return { summary: `unsure: ${share}`, ...(agreement.runnerUp === undefined ? {} : { runnerUp: agreement.runnerUp }) };
}
