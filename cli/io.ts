import type { Readable, Writable } from "node:stream";
import { StreamLinkError, UsageError, asError } from "../core/errors.js";
import { stringOption, type ParsedArgs } from "../magics/options.js";

/** The streams a command reads and writes; tests pass their own. */
export interface CommandIO {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** A `streamlink` sub-command: takes the arguments after its name, returns the exit code. */
export interface CommandModule {
  run(argv: string[], io: CommandIO): Promise<number>;
}

/** Exit codes the CLI documents: 0 ok, 1 failure, 2 bad usage, 3 query blocked by a checker. */
export const EXIT = { ok: 0, failure: 1, usage: 2, blocked: 3 } as const;

/** Prints an error and its hint to stderr and returns the exit code that goes with it. */
export function reportError(thrown: unknown, io: CommandIO): number {
  const error = asError(thrown);
  io.stderr.write(`error: ${error.message}\n`);
  if (error instanceof StreamLinkError) {
    io.stderr.write(`hint: ${error.hint}\n`);
    if (error instanceof UsageError) return EXIT.usage;
    if (error.code === "blocked") return EXIT.blocked;
  }
  return EXIT.failure;
}

/** `--format json|table` (table when absent), the output choice of every command that prints results. */
export function formatOption(args: ParsedArgs): "json" | "table" {
  const format = stringOption(args, "format") ?? "table";
  if (format !== "json" && format !== "table") throw new UsageError(`Unknown --format '${format}'`, "Use --format json or --format table.");
  return format;
}
