import { StreamLinkError, asError } from "../core/errors.js";
import type { JupyterError } from "./tslab.js";

/**
 * The TypeScript compiler itself failed on a cell, most often a stack overflow in its parser, which recurses once
 * per nesting level. The runner has replaced the compiler by then; the user's variables and declarations are kept.
 */
export class CompilerFailedError extends StreamLinkError {
  constructor(cause: Error) {
    const overflow = cause instanceof RangeError && /call stack/i.test(cause.message);
    super(
      overflow ? "cell-too-deep" : "compiler-failed",
      overflow
        ? "The TypeScript compiler ran out of stack on this cell: it nests too deeply. The compiler was restarted; your variables are kept."
        : `The TypeScript compiler failed on this cell: ${cause.message}. The compiler was restarted; your variables are kept.`,
      overflow ? "Build deep structures in a loop or from data (JSON.parse) instead of writing them out nested." : "Simplify the cell and run it again.",
      { overflow },
      { cause },
    );
  }
}

/** The stop button was pressed before the cell's TypeScript started; it was not run. */
export class CellInterruptedError extends StreamLinkError {
  constructor() {
    super("interrupted", "Interrupted before the cell's code started; it was not run.", "Run the cell again.");
  }
}

/** A result variable (`--out NAME`, `_`) that TypeScript would not declare. */
export class VariableNotCreatedError extends StreamLinkError {
  constructor(name: string, reason: string) {
    super("variable-not-created", `The result could not be stored in '${name}': ${reason}`, "Pick another name for --out (letters, digits and _).", { name, reason });
  }
}

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
