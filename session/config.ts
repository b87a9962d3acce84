import { UsageError } from "../core/errors.js";

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
}

export const DEFAULT_CONFIG: Readonly<Config> = {
  display_rows: 20,
  max_rows: 1_000_000,
  timeout_s: 0,
  row_cap: 1_000_000,
  ask_timeout_s: 30,
};

export const CONFIG_HELP: Readonly<Record<keyof Config, string>> = {
  display_rows: "rows shown in a result table",
  max_rows: "rows materialised into the result variable (the rest are not fetched)",
  timeout_s: "seconds before a query is stopped on the engine (0 = no limit)",
  row_cap: "LIMIT added by the checker to a query without one (0 = none)",
  ask_timeout_s: "seconds before a query %%ask generated is stopped as too expensive (0 = no limit)",
};

function isKey(name: string): name is keyof Config {
  return Object.hasOwn(DEFAULT_CONFIG, name);
}

/** Applies `name=value` pairs; every value is a non-negative integer. */
export function applyConfig(config: Config, assignments: readonly string[]): void {
  for (const assignment of assignments) {
    const [name = "", raw = ""] = assignment.split("=", 2);
    if (!isKey(name)) {
      throw new UsageError(`Unknown option '${name}' for %config`, `Valid options: ${Object.keys(DEFAULT_CONFIG).join(", ")}.`);
    }
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isInteger(value) || value < 0) {
      throw new UsageError(`%config ${name} needs a non-negative whole number, got '${raw}'`, `Example: %config ${name}=${DEFAULT_CONFIG[name]}`);
    }
    config[name] = value;
  }
}
