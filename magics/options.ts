import { UsageError } from "../core/errors.js";

/** How one `--option` is read: a flag, one value, or a fixed number of values. */
export interface OptionSpec {
  readonly type: "flag" | "string" | "int" | "strings";
  /** For `strings`: how many values follow the option. */
  readonly arity?: number;
  readonly help: string;
  readonly metavar?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface ParsedArgs {
  readonly options: ReadonlyMap<string, string | number | boolean | readonly string[]>;
  readonly positionals: readonly string[];
}

/**
 * Splits a magic line like a shell does: whitespace separates, single or double quotes group, and an unquoted
 * `#` starts a comment (so `%connect duckdb data  # note` works as written in notebooks).
 */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let quote: string | undefined;
  let inToken = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
      continue;
    }
    if (ch === "'" || ch === '"') { quote = ch; inToken = true; continue; }
    if (ch === "#" && !inToken) break;
    if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = "";
      inToken = false;
      continue;
    }
    current += ch;
    inToken = true;
  }
  if (quote) throw new UsageError(`Unclosed ${quote} quote in: ${line}`, "Close the quote, or remove it.");
  if (inToken) tokens.push(current);
  return tokens;
}

/** The usage line of a magic, built from its options so it never drifts from what the parser accepts. */
export function usageOf(prefix: string, specs: OptionSpecs, positionals = ""): string {
  const parts = Object.entries(specs).map(([name, spec]) => {
    if (spec.type === "flag") return `[--${name}]`;
    const meta = spec.metavar ?? name.toUpperCase();
    return `[--${name} ${meta}]`;
  });
  return [prefix, ...parts, positionals].filter(Boolean).join(" ");
}

export function parseArgs(command: string, tokens: readonly string[], specs: OptionSpecs): ParsedArgs {
  const options = new Map<string, string | number | boolean | readonly string[]>();
  const positionals: string[] = [];
  const valid = Object.keys(specs).map((n) => `--${n}`).join(", ") || "(none)";
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (!token.startsWith("--")) {
      positionals.push(token);
      continue;
    }
    const [name = "", inline] = token.slice(2).split("=", 2);
    const spec = specs[name];
    if (!spec) throw new UsageError(`Unknown option --${name} for ${command}`, `Valid options: ${valid}.`);
    if (spec.type === "flag") {
      options.set(name, true);
      continue;
    }
    const count = spec.type === "strings" ? (spec.arity ?? 1) : 1;
    const values = inline !== undefined ? [inline] : tokens.slice(i + 1, i + 1 + count);
    if (inline === undefined) i += values.length;
    if (values.length < count || values.some((v) => v.startsWith("--"))) {
      throw new UsageError(`--${name} needs ${count === 1 ? "a value" : `${count} values`} (${spec.help})`, `Example: ${command} --${name} ${spec.metavar ?? name.toUpperCase()}`);
    }
    if (spec.type === "int") {
      const value = Number(values[0]);
      if (!Number.isInteger(value) || value < 0) {
        throw new UsageError(`--${name} needs a non-negative whole number, got '${values[0]}'`, `Example: ${command} --${name} 100`);
      }
      options.set(name, value);
    } else if (spec.type === "strings") {
      options.set(name, values);
    } else {
      options.set(name, values[0] as string);
    }
  }
  return { options, positionals };
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  return typeof value === "string" ? value : undefined;
}

export function intOption(args: ParsedArgs, name: string): number | undefined {
  const value = args.options.get(name);
  return typeof value === "number" ? value : undefined;
}

export function flagOption(args: ParsedArgs, name: string): boolean {
  return args.options.get(name) === true;
}

export function stringsOption(args: ParsedArgs, name: string): readonly string[] | undefined {
  const value = args.options.get(name);
  return Array.isArray(value) ? value : undefined;
}

/**
 * Words a variable cannot be named in TypeScript (reserved, strict-mode reserved, or read-only globals that a
 * declaration would not replace): `--out class` would otherwise report success and leave no variable.
 */
const RESERVED_NAMES = new Set([
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum",
  "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null",
  "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield",
  "let", "static", "implements", "interface", "package", "private", "protected", "public", "await", "arguments",
  "eval", "undefined", "NaN", "Infinity", "globalThis",
]);

/** A valid TypeScript identifier for `--out`, so the variable can be used in the next cell. */
export function checkVariableName(name: string): string {
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) {
    throw new UsageError(`'${name}' is not a valid variable name for --out`, "Use letters, digits and _ (not starting with a digit), e.g. --out top", { name });
  }
  if (RESERVED_NAMES.has(name)) {
    throw new UsageError(`'${name}' is a reserved word in TypeScript and cannot name a variable for --out`, `Pick another name, e.g. --out ${name}_rows`, { name });
  }
  return name;
}
