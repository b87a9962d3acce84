import { describe, expect, it } from "vitest";
import { UsageError } from "../../core/errors.js";
import { parseArgs, tokenize, usageOf, checkVariableName } from "../../magics/options.js";
import { MagicRegistry } from "../../magics/registry.js";
import { sqlMagic, chartOption } from "../../magics/sql.js";
import { connectMagic, tablesMagic } from "../../magics/connect.js";
import { applyConfig, DEFAULT_CONFIG } from "../../session/config.js";

const SPECS = {
  engine: { type: "string", help: "connection" },
  limit: { type: "int", help: "rows" },
  plot: { type: "strings", arity: 3, help: "chart" },
  quiet: { type: "flag", help: "less output" },
} as const;

describe("tokenize", () => {
  it.each([
    ["duckdb data/patents      # every file becomes a table", ["duckdb", "data/patents"]],
    ["duckdb 'my data/x' --as a", ["duckdb", "my data/x", "--as", "a"]],
    ['sql --plot bar "grant year" n', ["sql", "--plot", "bar", "grant year", "n"]],
    ["a#b c", ["a#b", "c"]],
    ["", []],
  ])("%s", (line, tokens) => {
    expect(tokenize(line)).toEqual(tokens);
  });

  it("rejects an unclosed quote with a hint", () => {
    expect(() => tokenize("duckdb 'data")).toThrow(/Unclosed ' quote/);
  });
});

describe("parseArgs", () => {
  it("reads every option type and keeps positionals", () => {
    const args = parseArgs("%%sql", ["--engine", "spark", "--limit=5", "--plot", "bar", "x", "y", "--quiet", "rest"], SPECS);
    expect(Object.fromEntries(args.options)).toEqual({ engine: "spark", limit: 5, plot: ["bar", "x", "y"], quiet: true });
    expect(args.positionals).toEqual(["rest"]);
  });

  it.each([
    [["--nope"], /Unknown option --nope for %%sql[\s\S]*/],
    [["--limit", "-3"], /non-negative whole number/],
    [["--limit", "ten"], /non-negative whole number/],
    [["--engine"], /--engine needs a value/],
    [["--plot", "bar", "x"], /--plot needs 3 values/],
    [["--engine", "--limit"], /--engine needs a value/],
  ])("%j is a usage error", (tokens, message) => {
    let caught: unknown;
    try { parseArgs("%%sql", tokens, SPECS); } catch (error) { caught = error; }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).message).toMatch(message);
    expect((caught as UsageError).hint.length).toBeGreaterThan(0);
  });

  it("names the valid options when one is unknown", () => {
    expect(() => parseArgs("%%sql", ["--nope"], SPECS)).toThrow(UsageError);
    try { parseArgs("%%sql", ["--nope"], SPECS); } catch (error) {
      expect((error as UsageError).hint).toBe("Valid options: --engine, --limit, --plot, --quiet.");
    }
  });

  it("builds the usage line from the specs", () => {
    expect(usageOf("%%sql", SPECS)).toBe("%%sql [--engine ENGINE] [--limit LIMIT] [--plot PLOT] [--quiet]");
  });

  it.each(["top", "_x", "$a1"])("accepts variable name %s", (name) => expect(checkVariableName(name)).toBe(name));
  it.each(["1x", "a-b", "x y", ""])("refuses variable name %j", (name) => expect(() => checkVariableName(name)).toThrow(UsageError));
  it.each(["class", "const", "let", "await", "undefined", "enum"])("refuses the reserved word %s as a variable name", (name) => {
    expect(() => checkVariableName(name)).toThrow(new RegExp(`'${name}' is a reserved word`));
  });
});

describe("MagicRegistry.plan", () => {
  const registry = new MagicRegistry([sqlMagic, connectMagic, tablesMagic]);

  it("gives a %% cell to its magic with the body", () => {
    const [step, ...rest] = registry.plan("\n%%sql --out top\nSELECT 1\nFROM t");
    expect(rest).toEqual([]);
    expect(step).toMatchObject({ kind: "magic", tokens: ["--out", "top"], body: "SELECT 1\nFROM t" });
  });

  it("runs leading line magics, then the TypeScript below them", () => {
    const steps = registry.plan("%connect duckdb data  # note\n// comment\n%tables\nconst x = 1;\nx");
    expect(steps.map((s) => s.kind)).toEqual(["magic", "magic", "code"]);
    expect(steps[2]).toEqual({ kind: "code", code: "const x = 1;\nx" });
  });

  it("leaves plain TypeScript alone, including a modulo operator", () => {
    expect(registry.plan("const a = 7\n% 2")).toEqual([{ kind: "code", code: "const a = 7\n% 2" }]);
  });

  it("names the valid magics for an unknown one", () => {
    expect(() => registry.plan("%%sqll\nSELECT 1")).toThrow(/Unknown magic %%sqll/);
    try { registry.plan("%%sqll"); } catch (error) { expect((error as UsageError).hint).toBe("Valid magics: %%sql, %connect, %tables."); }
  });

  it("says how to write a cell magic used as a line magic", () => {
    expect(() => registry.plan("%sql SELECT 1")).toThrow(/%sql is not a line magic/);
  });
});

describe("chartOption", () => {
  it("reads bar/line/scatter and a histogram without Y", () => {
    expect(chartOption(["bar", "cpc", "n"])).toEqual({ kind: "bar", x: "cpc", y: "n" });
    expect(chartOption(["hist", "claims", "-"])).toEqual({ kind: "hist", x: "claims", y: undefined });
    expect(chartOption(undefined)).toBeUndefined();
    expect(() => chartOption(["pie", "a", "b"])).toThrow(/Unknown chart kind 'pie'/);
  });
});

describe("%config values", () => {
  it("sets known options and refuses others", () => {
    const config = { ...DEFAULT_CONFIG };
    applyConfig(config, ["display_rows=5", "timeout_s=30"]);
    expect(config.display_rows).toBe(5);
    expect(config.timeout_s).toBe(30);
    expect(() => applyConfig(config, ["rows=5"])).toThrow(/Unknown option 'rows'/);
    expect(() => applyConfig(config, ["display_rows=-1"])).toThrow(/display_rows needs a whole number from 1 to 1,000, got '-1'/);
    expect(() => applyConfig(config, ["display_rows="])).toThrow(/whole number/);
  });

  it.each([
    ["row_cap=1e23", /row_cap needs a whole number from 0 to/],
    ["row_cap=99999999999999999999", /row_cap needs a whole number/],
    ["max_rows=1.5", /max_rows needs a whole number/],
    ["max_rows=0", /max_rows needs a whole number from 1 to/],
    ["max_rows=99999999999", /max_rows needs a whole number from 1 to [\d,]+, got '99999999999'/],
    ["timeout_s=0x10", /timeout_s needs a whole number from 0 to 86,400/],
    ["timeout_s=100000", /timeout_s needs a whole number from 0 to 86,400/],
    ["ask_candidates=0", /ask_candidates needs a whole number from 1 to 9, got '0'/],
    ["ask_candidates=10", /ask_candidates needs a whole number from 1 to 9, got '10'/],
    ["display_rows", /display_rows needs a whole number/],
    ["display_rows=1000000", /display_rows needs a whole number from 1 to 1,000/],
  ])("refuses %s with its range and changes nothing", (assignment, message) => {
    const config = { ...DEFAULT_CONFIG };
    expect(() => applyConfig(config, ["display_rows=7", assignment])).toThrow(message);
    expect(config).toEqual(DEFAULT_CONFIG);
  });

  it("limits every query in time by default", () => {
    expect(DEFAULT_CONFIG.timeout_s).toBeGreaterThan(0);
  });
});
