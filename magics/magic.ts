import type { View } from "../core/output.js";
import type { Session } from "../session/session.js";
import type { OptionSpecs } from "./options.js";

/** What a magic may touch: the session, the notebook's folder, the TypeScript scope and the display. */
export interface MagicContext {
  readonly session: Session;
  /** Folder of the notebook (the kernel's working folder); relative paths resolve against it. */
  readonly cwd: string;
  /** Shows a view now, in order (verdict before result, progress while running). */
  display(view: View): void;
  /** Makes `value` a variable of the TypeScript scope (e.g. `--out top`, and `_`). */
  assign(name: string, value: unknown, typeName: string): Promise<void>;
  /** Usage line and summary of every registered magic, for `%lsmagic`. */
  readonly magicHelp: () => readonly string[];
}

export interface MagicInvocation {
  /** The tokens after the magic name on its line. */
  readonly tokens: readonly string[];
  /** The cell body below the `%%name` line (empty for line magics). */
  readonly body: string;
  /** The whole cell as the user wrote it. */
  readonly cellSource: string;
}

export interface Magic {
  readonly name: string;
  /** `cell` magics own the whole cell (`%%sql`); `line` magics one line (`%connect`). */
  readonly kind: "line" | "cell";
  readonly summary: string;
  readonly options: OptionSpecs;
  /** Positional arguments as shown in the usage line. */
  readonly positionals?: string;
  /** What a cell magic's body holds: SQL gets completion from the live catalog; a question gets none. */
  readonly body?: "sql" | "question";
  run(invocation: MagicInvocation, context: MagicContext): Promise<void>;
}
