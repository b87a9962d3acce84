import { StreamLinkError, asError } from "../core/errors.js";
import type { JupyterError } from "./tslab.js";

const RED = "\u001b[0;31m";
const CYAN = "\u001b[0;36m";
const RESET = "\u001b[0m";

/** Any failure as a Jupyter error: our typed errors carry a hint line; others keep their stack. */
export function jupyterErrorOf(thrown: unknown): JupyterError {
  const error = asError(thrown);
  if (error instanceof StreamLinkError) {
    return {
      ename: error.name,
      evalue: error.message,
      traceback: [`${RED}${error.name}${RESET}: ${error.message}`, `${CYAN}Hint${RESET}: ${error.hint}`],
    };
  }
  return { ename: error.name, evalue: error.message, traceback: (error.stack ?? `${error.name}: ${error.message}`).split("\n") };
}
