import { UsageError } from "../core/errors.js";
import { maxRowsLimit } from "../core/memory.js";

/** Most candidates a question may ask for, in `%config ask_candidates` and `%%ask --candidates`. */
export const MAX_CANDIDATES = 9;

/** User-adjustable options, shown and set with `%config`. */
export interface Config {
  /** Rows shown in a result's table. */
  display_rows: number;
  /** Rows materialised into the Arrow table; more are never held in memory. */
  max_rows: number;
  /** Stop a query on the engine after this many seconds (0 = no limit). */
  timeout_s: number;
  /** A LIMIT the checker adds to a query that has none (0 = none). */
  row_cap: number;
  /** Stop each query `%%ask` generates after this many seconds and tell the model it is too expensive (0 = no limit). */
  ask_timeout_s: number;
  /** Ask for `--yes` before a query the engine estimates to read more rows than this (0 = never ask). */
  confirm_rows: number;
  /** Candidates `%%ask` writes and runs per question, the answer chosen by agreement of their rows (1 = the greedy one only). */
  ask_candidates: number;
}

export const DEFAULT_CONFIG: Readonly<Config> = {
  display_rows: 20,
  max_rows: 1_000_000,
  /**
   * Five minutes: a scan of 100 M patent rows with ILIKE takes under a minute on two cores and a Spark query at
   * that scale a few, while a cross join or a runaway generator is stopped before it holds the kernel for long.
   */
  timeout_s: 300,
  row_cap: 1_000_000,
  ask_timeout_s: 30,
  /** Off by default: asking needs the engine's plan first, one more round trip per query. */
  confirm_rows: 0,
  /** One: every further candidate is another model answer and run, so a question takes about that many times as long. */
  ask_candidates: 1,
};

interface OptionRule {
  readonly help: string;
  readonly min: number;
  /** Read when a value is set: `max_rows` follows this process's heap. */
  readonly max: () => number;
  readonly why: string;
}

const RULES: Readonly<Record<keyof Config, OptionRule>> = {
  display_rows: {
    help: "rows shown in a result table",
    min: 1, max: () => 1000,
    why: "a table is drawn in the notebook; the whole result stays in the variable",
  },
  max_rows: {
    help: "rows materialised into the result variable (the rest are not fetched)",
    min: 1, max: maxRowsLimit,
    why: "a result is held in the kernel's memory, and more rows would not fit",
  },
  timeout_s: {
    help: "seconds before a query is stopped on the engine (0 = no limit)",
    min: 0, max: () => 86_400,
    why: "a day at most; 0 turns the limit off",
  },
  row_cap: {
    help: "LIMIT added by the checker to a query without one (0 = none)",
    min: 0, max: () => Number.MAX_SAFE_INTEGER,
    why: "the LIMIT must be an exact whole number",
  },
  ask_timeout_s: {
    help: "seconds before a query %%ask generated is stopped as too expensive (0 = no limit)",
    min: 0, max: () => 3_600,
    why: "an hour at most; 0 turns the limit off",
  },
  confirm_rows: {
    help: "ask for --yes before a query the engine estimates to read more rows than this (0 = never ask)",
    min: 0, max: () => Number.MAX_SAFE_INTEGER,
    why: "a whole number of rows; 0 turns the question off",
  },
  ask_candidates: {
    help: "candidates %%ask writes and runs per question; the answer is the result most agree on (1 = one answer)",
    min: 1, max: () => MAX_CANDIDATES,
    why: `each candidate is one more model answer and query, so ${MAX_CANDIDATES} at most keeps a question within minutes`,
  },
};

export const CONFIG_HELP: Readonly<Record<keyof Config, string>> = Object.fromEntries(
  Object.entries(RULES).map(([name, rule]) => [name, rule.help]),
) as Record<keyof Config, string>;

function isKey(name: string): name is keyof Config {
  return Object.hasOwn(DEFAULT_CONFIG, name);
}

/**
 * Applies `name=value` pairs: each value is written in digits (no exponent, sign or fraction) and lies in its
 * option's range. All pairs are checked before any is set, so a bad one changes nothing.
 */
export function applyConfig(config: Config, assignments: readonly string[]): void {
  const changes: [keyof Config, number][] = [];
  for (const assignment of assignments) {
    const [name = "", raw] = assignment.split("=", 2);
    if (!isKey(name)) {
      throw new UsageError(`Unknown option '${name}' for %config`, `Valid options: ${Object.keys(DEFAULT_CONFIG).join(", ")}.`, { option: name });
    }
    const rule = RULES[name];
    const max = rule.max();
    const value = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < rule.min || value > max) {
      const range = `${rule.min.toLocaleString("en-US")} to ${max.toLocaleString("en-US")}`;
      throw new UsageError(
        `%config ${name} needs a whole number from ${range}, got '${raw ?? ""}'`,
        `${rule.why[0]?.toUpperCase()}${rule.why.slice(1)}. Example: %config ${name}=${DEFAULT_CONFIG[name]}`,
        { option: name, value: raw, min: rule.min, max },
      );
    }
    changes.push([name, value]);
  }
  for (const [name, value] of changes) config[name] = value;
}
