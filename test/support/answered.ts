import type { AskRefusal, AskResult } from "../../session/ask.js";

/** The answer of an `%%ask` result that a test expects to be answered; a refusal fails the test with its reason
 * (reading `.sql` off a refusal would only fail later, as a puzzling `undefined`). */
export function answered<T extends AskResult>(result: T): Exclude<T, AskRefusal> {
  if (result.kind === "refused") throw new Error(`expected an answer, the question was refused: ${JSON.stringify(result.verdict)}`);
  return result as Exclude<T, AskRefusal>;
}
