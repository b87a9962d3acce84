/**
 * What a query does, in plain words, rendered from its parse tree (never by the model, so it cannot invent
 * anything). Shown under the SQL of every `%%ask` answer, for `%%sql --explain`, in the verdict details and in
 * the saved metadata. Named as one part of an explanation so that an engine plan can sit beside the sentence.
 */
export interface QueryExplanation {
  /** One or a few sentences: what is counted, filtered, grouped, ranked and kept. */
  readonly sentence: string;
  /** False when some part was not described: the sentence then says "(this part is not described)". */
  readonly complete: boolean;
}
