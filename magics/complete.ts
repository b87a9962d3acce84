/**
 * Completion and inspection inside magic cells, from the live catalog: in a SQL body, the columns of the
 * tables its FROM clause names come first, then the engine's functions and tables; on the magic line, its
 * options and connection names. The body is read as tokens of our SQL lexer (a half-typed query rarely parses),
 * never with regular expressions over the SQL text.
 */
import { lex, type Token } from "../checks/index.js";
import { findColumn, findTable, type Catalog, type TableInfo } from "../core/catalog.js";
import type { Engine } from "../core/engine.js";
import { quotedIdentifier } from "../core/sql-text.js";
import { quoteValue } from "../models/values.js";
import type { Session } from "../session/session.js";
import type { Magic } from "./magic.js";
import { tokenize } from "./options.js";
import type { MagicRegistry } from "./registry.js";

/** A `complete_reply` in our terms: matches replace `code.slice(start, end)`; `types` feed JupyterLab's popup. */
export interface Completion {
  readonly matches: readonly string[];
  readonly start: number;
  readonly end: number;
  readonly types: readonly { readonly text: string; readonly type: string; readonly start: number; readonly end: number }[];
}

/** Values an inspection shows for a column. */
const SAMPLE_VALUES = 5;

/** Words after which a name is an alias of the table before it, not the next table. */
const CLAUSE_WORDS = new Set([
  "where", "join", "inner", "left", "right", "full", "outer", "cross", "natural", "semi", "anti", "on", "using",
  "group", "order", "having", "limit", "offset", "union", "except", "intersect", "window", "qualify", "lateral",
  "select", "from", "as", "tablesample", "pivot", "unpivot", "sample",
]);

/** Keywords that start a clause: the last one before the cursor says whether a table or a column comes next. */
const TABLE_CLAUSES = new Set(["from", "join"]);
const OTHER_CLAUSES = new Set(["select", "where", "on", "by", "having", "using", "qualify", "and", "or", "not", "when", "then", "else"]);

/** A cell whose first line is a cell magic: where its line and body start. */
interface MagicCell {
  readonly magic: Magic;
  readonly tokens: readonly string[];
  /** Offsets in the cell of the magic line's end and the body's start. */
  readonly lineEnd: number;
  readonly bodyStart: number;
  readonly body: string;
}

export class CellAssistant {
  constructor(
    private readonly session: Session,
    private readonly magics: MagicRegistry,
  ) {}

  /**
   * Completion for a magic cell, or undefined when the cell is not one (TypeScript completion then answers).
   * `runValues` is false while a cell runs: an engine runs one query at a time.
   */
  async complete(code: string, cursor: number): Promise<Completion | undefined> {
    const cell = magicCellOf(code, this.magics);
    if (!cell) return undefined;
    if (cursor <= cell.lineEnd) return this.completeMagicLine(code, cursor, cell);
    if (cell.magic.body !== "sql") return none(cursor);
    const engine = await this.engineOf(cell);
    if (!engine) return none(cursor);
    const catalog = await this.session.catalog(engine);
    const at = completionPoint(cell.body, cursor - cell.bodyStart);
    if (!at) return none(cursor);
    const start = cell.bodyStart + at.start;
    const candidates = candidatesAt(cell.body, at, catalog);
    const prefix = at.prefix.toLowerCase();
    const seen = new Set<string>();
    const chosen = candidates.filter((c) => {
      const key = c.text.toLowerCase();
      if (!key.startsWith(prefix) || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    // A function typed in capitals stays in capitals (COUNT, not count).
    const upper = at.prefix !== "" && at.prefix === at.prefix.toUpperCase() && at.prefix !== at.prefix.toLowerCase();
    const texts = chosen.map((c) => (c.type === "function" && upper ? c.text.toUpperCase() : c.text));
    return {
      matches: texts,
      start,
      end: cursor,
      types: chosen.map((c, i) => ({ text: texts[i] as string, type: c.type, start, end: cursor })),
    };
  }

  /**
   * What Shift+Tab shows on a table or column of a SQL body: its type and, when `withValues`, a few of its
   * values, read through the checked session. Undefined when the cell is not a SQL magic cell or the word is
   * not a table or column.
   */
  async inspect(code: string, cursor: number, withValues: boolean): Promise<string | undefined> {
    const cell = magicCellOf(code, this.magics);
    if (!cell || cell.magic.body !== "sql" || cursor <= cell.lineEnd) return undefined;
    const engine = await this.engineOf(cell);
    if (!engine) return undefined;
    const catalog = await this.session.catalog(engine);
    const tokens = lex(cell.body);
    const offset = cursor - cell.bodyStart;
    const index = tokens.findIndex((t) => t.start <= offset && offset <= t.end && isName(t));
    const token = tokens[index];
    if (!token) return undefined;
    const sources = fromTables(tokens, catalog);
    const qualifier = qualifierBefore(tokens, index);
    if (qualifier === undefined) {
      const table = findTable(catalog, token.value);
      if (table) return describeTable(table);
    }
    const owners = qualifier !== undefined ? sources.filter((s) => s.alias === qualifier.toLowerCase()).map((s) => s.table) : [...sources.map((s) => s.table), ...catalog.tables];
    const owner = owners.find((t) => findColumn(t, token.value));
    const column = owner && findColumn(owner, token.value);
    if (!owner || !column) return undefined;
    const lines = [`${column.name}: ${column.type}${column.nullable ? "" : " NOT NULL"}, a column of ${owner.name}`];
    if (withValues) {
      const values = await this.sampleValues(engine, owner.name, column.name);
      if (values.length > 0) lines.push(`Values: ${values.join(", ")}`);
    }
    return lines.join("\n");
  }

  private async sampleValues(engine: Engine, table: string, column: string): Promise<string[]> {
    const name = quotedIdentifier(column, engine.dialect);
    const probe = `SELECT ${name} FROM ${quotedIdentifier(table, engine.dialect)} WHERE ${name} IS NOT NULL LIMIT ${SAMPLE_VALUES * 4}`;
    try {
      const { result } = await this.session.run(probe, { engine: engine.name, maxRows: SAMPLE_VALUES * 4 });
      const values = [...(result.table.getChildAt(0) ?? [])].map(quoteValue);
      return [...new Set(values)].slice(0, SAMPLE_VALUES);
    } catch {
      // A blocked or failed probe only means no examples: the type is still worth showing.
      return [];
    }
  }

  /** The cell's connection (`--engine NAME` or the default); undefined when the name is not connected. */
  private async engineOf(cell: MagicCell): Promise<Engine | undefined> {
    const at = cell.tokens.indexOf("--engine");
    const name = at >= 0 ? cell.tokens[at + 1] : undefined;
    return this.session.engine(name).catch(() => undefined);
  }

  private completeMagicLine(code: string, cursor: number, cell: MagicCell): Completion {
    let start = cursor;
    while (start > 0 && !/\s/.test(code.charAt(start - 1))) start--;
    const word = code.slice(start, cursor);
    const before = tokenize(code.slice(0, start).replace(/^\s*%%\S*/, ""));
    const candidates: { text: string; type: string }[] = before.at(-1) === "--engine"
      ? this.session.connectionNames().map((name) => ({ text: name, type: "connection" }))
      : word.startsWith("-")
        ? Object.keys(cell.magic.options).map((name) => ({ text: `--${name}`, type: "option" }))
        : [];
    const chosen = candidates.filter((c) => c.text.startsWith(word));
    return { matches: chosen.map((c) => c.text), start, end: cursor, types: chosen.map((c) => ({ ...c, start, end: cursor })) };
  }
}

function none(cursor: number): Completion {
  return { matches: [], start: cursor, end: cursor, types: [] };
}

function magicCellOf(code: string, magics: MagicRegistry): MagicCell | undefined {
  const leading = code.length - code.trimStart().length;
  if (!code.startsWith("%%", leading)) return undefined;
  const newline = code.indexOf("\n", leading);
  const lineEnd = newline < 0 ? code.length : newline;
  let tokens: string[];
  try {
    tokens = tokenize(code.slice(leading + 2, lineEnd));
  } catch {
    // An unclosed quote on a half-typed magic line: nothing to complete yet.
    return undefined;
  }
  const [name = "", ...rest] = tokens;
  const magic = magics.get(`%%${name}`);
  if (!magic) return undefined;
  const bodyStart = Math.min(lineEnd + 1, code.length);
  return { magic, tokens: rest, lineEnd, bodyStart, body: code.slice(bodyStart) };
}

/** Where the word being typed starts in the body, what is typed of it, and the tokens before it. */
interface CompletionPoint {
  readonly start: number;
  readonly prefix: string;
  readonly before: readonly Token[];
}

function completionPoint(body: string, offset: number): CompletionPoint | undefined {
  const tokens = lex(body);
  const inside = tokens.find((t) => t.start < offset && offset <= t.end);
  // Inside a string or a comment nothing is completed; inside a name, its typed part is the prefix.
  if (inside && (inside.kind === "string" || inside.kind === "comment" || (inside.kind === "quoted" && offset < inside.end))) return undefined;
  const typing = inside && inside.kind === "word" ? inside : undefined;
  const start = typing ? typing.start : offset;
  return { start, prefix: body.slice(start, offset), before: tokens.filter((t) => t.end <= start && t.kind !== "comment") };
}

interface Candidate {
  readonly text: string;
  readonly type: "column" | "table" | "function";
}

/** Candidates in the order a user wants them at this point of the query (filtered by prefix afterwards). */
function candidatesAt(body: string, at: CompletionPoint, catalog: Catalog): Candidate[] {
  const sources = fromTables(lex(body), catalog);
  const columnsOf = (tables: readonly TableInfo[]): Candidate[] => tables.flatMap((t) => t.columns.map((c) => ({ text: c.name, type: "column" as const })));
  const tables = catalog.tables.map((t): Candidate => ({ text: t.name, type: "table" }));
  const functions = (catalog.functions ?? []).map((f): Candidate => ({ text: f, type: "function" }));
  const last = at.before.at(-1);
  if (last?.kind === "op" && last.value === ".") {
    const qualifier = at.before.at(-2);
    if (!qualifier || !isName(qualifier)) return [];
    const named = sources.filter((s) => s.alias === qualifier.value.toLowerCase()).map((s) => s.table);
    const table = named.length > 0 ? named : [findTable(catalog, qualifier.value)].filter((t) => t !== undefined);
    return columnsOf(table);
  }
  const clause = [...at.before].reverse().find((t) => t.kind === "word" && (TABLE_CLAUSES.has(t.value) || OTHER_CLAUSES.has(t.value)));
  if (clause && TABLE_CLAUSES.has(clause.value)) return tables;
  const inFrom = sources.map((s) => s.table);
  const others = catalog.tables.filter((t) => !inFrom.includes(t));
  return [...columnsOf(inFrom), ...functions, ...tables, ...columnsOf(others)];
}

/** A table the query reads, under the name its columns may be qualified with (its alias, else its name). */
interface Source {
  readonly table: TableInfo;
  readonly alias: string;
}

/** The catalog tables named after FROM and JOIN (and commas in a FROM list), with their aliases. */
function fromTables(tokens: readonly Token[], catalog: Catalog): Source[] {
  const code = tokens.filter((t) => t.kind !== "comment");
  const sources: Source[] = [];
  for (let i = 0; i < code.length; i++) {
    const word = code[i] as Token;
    if (word.kind !== "word" || !TABLE_CLAUSES.has(word.value)) continue;
    let j = i + 1;
    for (;;) {
      const parts: string[] = [];
      while (code[j] && isName(code[j] as Token)) {
        parts.push((code[j] as Token).value);
        if (code[j + 1]?.value !== ".") break;
        j += 2;
      }
      if (parts.length === 0) break;
      j++;
      const table = findTable(catalog, parts.join(".")) ?? findTable(catalog, parts.at(-1) as string);
      if (code[j]?.kind === "word" && code[j]?.value === "as") j++;
      const aliasToken = code[j];
      const alias = aliasToken && isName(aliasToken) && !CLAUSE_WORDS.has(aliasToken.value) ? aliasToken.value : undefined;
      if (alias !== undefined) j++;
      if (table) sources.push({ table, alias: (alias ?? table.name).toLowerCase() });
      if (code[j]?.value !== ",") break;
      j++;
    }
  }
  return sources;
}

function isName(token: Token): boolean {
  return token.kind === "word" || token.kind === "quoted";
}

/** `x` in `x.name` when the token at `index` is `name`. */
function qualifierBefore(tokens: readonly Token[], index: number): string | undefined {
  const dot = tokens[index - 1];
  const qualifier = tokens[index - 2];
  return dot?.value === "." && qualifier && isName(qualifier) ? qualifier.value : undefined;
}

function describeTable(table: TableInfo): string {
  const rows = table.rowCount !== undefined ? `, ${table.rowCount.toLocaleString("en-US")} rows` : "";
  const width = Math.max(...table.columns.map((c) => c.name.length));
  return [`${table.name}: a table of ${table.columns.length} columns${rows}`, ...table.columns.map((c) => `  ${c.name.padEnd(width)}  ${c.type}`)].join("\n");
}
