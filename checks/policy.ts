/**
 * The security policy: a walk over the whole tree, not the first keyword. One read-only statement,
 * tables from the connection's allow-list, no file/network/secret/code functions, no recursion or
 * unbounded generators, no cartesian products; a row cap where the query has none.
 */
import type { Catalog } from "../core/catalog.js";
import type { Finding } from "../core/verdict.js";
import { findWord, lex, positionOf } from "./lexer.js";
import {
  DENIED_FUNCTION_PREFIXES,
  DENIED_FUNCTIONS,
  FILE_TABLE_FORMATS,
  GENERATOR_ROW_LIMIT,
  GENERATORS,
  CARTESIAN_ROW_LIMIT,
  ENGINE_SCHEMAS,
  SIZE_LIMIT,
  SIZED_FUNCTIONS,
  RULES,
  STATEMENT_RULES,
  SYSTEM_SCHEMAS,
  SYSTEM_TABLE_PREFIXES,
  type RuleId,
} from "./rules.js";
import { visitScopes, type BlockScope, type ResolvedSource } from "./scope.js";
import { allBlocks, allQueries, type FunctionCall, type ParsedSql, type QualifiedName, type Query, type Statement } from "./tree.js";

export interface PolicyOptions {
  readonly catalog?: Catalog;
  readonly allowedTables?: readonly string[];
  readonly rowCap?: number;
}

export interface PolicyResult {
  readonly findings: Finding[];
  readonly executedSql: string;
}

const HINTS: Readonly<Record<string, string>> = {
  [RULES.multipleStatements]: "Run one statement per cell.",
  [RULES.write]: "Connections are read-only: select the rows you need instead of changing them.",
  [RULES.ddl]: "Connections are read-only: derive what you need in a WITH clause instead of creating objects.",
  [RULES.fileAccess]: "Query the connection's tables; to add files, connect to their folder with %connect.",
  [RULES.network]: "Network access is off; download the data and connect to its folder.",
  [RULES.extension]: "Extensions and attached databases are fixed when the connection opens.",
  [RULES.config]: "Settings are locked; use %config for StreamLink's own options.",
  [RULES.secrets]: "Secrets and environment variables are not readable from queries.",
  [RULES.serverInfo]: "Server, user and version information is not exposed to queries.",
  [RULES.codeExecution]: "Queries cannot run code on the engine.",
  [RULES.dynamicSql]: "Write the query itself instead of building SQL inside SQL.",
  [RULES.systemCatalog]: "Use %schema to see the tables and columns you can query.",
  [RULES.tableNotAllowed]: "Use %schema to see the tables this connection allows.",
  [RULES.notReadOnly]: "Only SELECT queries run here.",
  [RULES.recursiveCte]: "Recursive queries are refused; express the walk with joins or window functions.",
  [RULES.generator]: `Generate at most ${GENERATOR_ROW_LIMIT.toLocaleString("en-US")} rows with literal bounds, or select from a table.`,
  [RULES.timeProbe]: "Delay and benchmark functions are refused: they are how blind injection reads data.",
  [RULES.unbounded]: "Keep sizes and delays literal and small, or select from a table.",
  [RULES.cartesian]: "Add a join condition (ON … or a WHERE equality) between these tables.",
};

function finding(rule: RuleId, message: string, position?: { line: number; column: number }): Finding {
  return { rule, severity: "error", message, hint: HINTS[rule], ...(position ?? {}) };
}

/** Applies the policy to a parsed statement list. */
export function applyPolicy(sql: string, tree: ParsedSql, options: PolicyOptions): PolicyResult {
  const findings: Finding[] = [];
  if (tree.statements.length > 1) {
    findings.push(
      finding(RULES.multipleStatements, `${tree.statements.length} statements found; exactly one is allowed.`, findSecond(sql)),
    );
  }
  for (const statement of tree.statements) checkStatement(sql, statement, options, findings);
  const only = tree.statements[0];
  const executedSql =
    findings.length === 0 && only?.query && options.rowCap !== undefined && !only.query.hasLimit && !singleRow(only.query)
      ? withRowCap(sql, options.rowCap)
      : sql;
  if (executedSql !== sql) {
    findings.push({
      rule: RULES.rowCap,
      severity: "info",
      message: `No LIMIT given: LIMIT ${options.rowCap} was added.`,
      hint: "Add your own LIMIT (or an aggregate) to choose how many rows come back.",
    });
  }
  return { findings: dedupe(findings), executedSql };
}

/** An aggregate without GROUP BY returns one row: a cap would change nothing. */
function singleRow(query: Query): boolean {
  return query.blocks.length === 1 && query.blocks[0]?.singleRow === true;
}

function checkStatement(sql: string, statement: Statement, options: PolicyOptions, findings: Finding[]): void {
  if (statement.kind !== "select") {
    const rule = STATEMENT_RULES[statement.kind];
    findings.push(finding(rule, `${statement.keyword} statements are not allowed: only read-only SELECT queries run.`, statement.position));
    return;
  }
  const query = statement.query;
  if (!query) return;
  const allowed = allowList(options);
  visitScopes(query, options.catalog, (scope) => checkBlock(sql, scope, allowed, options.catalog !== undefined, findings));
  for (const q of allQueries(query)) {
    for (const cte of q.ctes) {
      if (cte.bodyKind !== "select") {
        findings.push(finding(RULES.write, `The WITH clause "${cte.name}" contains a ${cte.bodyKind.toUpperCase()}: only SELECT is allowed.`, findWord(sql, cte.name)));
      }
    }
    if (q.recursive) findings.push(finding(RULES.recursiveCte, "WITH RECURSIVE can generate unbounded rows.", findWord(sql, "recursive")));
  }
  for (const block of allBlocks(statement)) {
    if (block.into) findings.push(finding(RULES.write, `SELECT … INTO ${block.into} writes a table.`, findWord(sql, "into")));
  }
}

function allowList(options: PolicyOptions): ReadonlySet<string> | undefined {
  if (options.allowedTables) return new Set(options.allowedTables.map((t) => t.toLowerCase()));
  if (options.catalog) return new Set(options.catalog.tables.map((t) => t.name.toLowerCase()));
  return undefined;
}

function checkBlock(sql: string, scope: BlockScope, allowed: ReadonlySet<string> | undefined, hasCatalog: boolean, findings: Finding[]): void {
  for (const resolved of scope.sources) checkSource(sql, resolved, allowed, hasCatalog, findings);
  for (const call of scope.block.functions) checkFunction(sql, call, findings);
  checkCartesian(sql, scope, findings);
}

function checkSource(sql: string, resolved: ResolvedSource, allowed: ReadonlySet<string> | undefined, hasCatalog: boolean, findings: Finding[]): void {
  const source = resolved.source;
  if (source.kind === "function") {
    checkFunction(sql, source.call, findings);
    return;
  }
  if (source.kind !== "table" || resolved.kind === "cte") return;
  const name = source.name;
  const display = name.parts.join(".");
  const at = source.position;
  if (isFilePath(name)) {
    findings.push(finding(RULES.fileAccess, `"${display}" names a file, not a table of this connection.`, at));
    return;
  }
  if (isSystemTable(name)) {
    findings.push(finding(RULES.systemCatalog, `"${display}" is a system catalog.`, at));
    return;
  }
  // A table the catalog lacks is the catalog check's to report; without a catalog the allow-list alone decides.
  const listed = resolved.kind === "catalog" ? resolved.table.name : resolved.kind === "table" && !hasCatalog ? (name.parts.at(-1) ?? "") : undefined;
  if (allowed && listed !== undefined && !allowed.has(listed.toLowerCase())) {
    findings.push(finding(RULES.tableNotAllowed, `Table "${display}" is not allowed on this connection.`, at));
  }
}

function isFilePath(name: QualifiedName): boolean {
  const last = name.parts.at(-1) ?? "";
  if (/[/\\:~]|\.(csv|tsv|parquet|json|jsonl|ndjson|txt|gz|zst|xlsx|db|duckdb|sqlite)$/i.test(last)) return true;
  const format = name.parts.at(-2);
  return format !== undefined && FILE_TABLE_FORMATS.has(format) && /[/.:]/.test(last);
}

/** A table of some engine's system catalog (by schema or name prefix). */
export function isSystemTable(name: QualifiedName): boolean {
  if (name.parts.slice(0, -1).some((p) => SYSTEM_SCHEMAS.has(p))) return true;
  const last = name.parts.at(-1) ?? "";
  return SYSTEM_TABLE_PREFIXES.some((p) => last.startsWith(p)) || last === "dual";
}

function checkFunction(sql: string, call: FunctionCall, findings: Finding[]): void {
  // The engine resolves `main.current_setting`, `system.main.query` and `"main"."getenv"` to its built-ins:
  // the deny-lists judge the name the engine will call, with the default schema and catalog removed.
  const parts = call.name.split(".");
  const base = parts.at(-1) ?? call.name;
  const qualifiers = parts.slice(0, -1);
  const builtin = qualifiers.every((q) => ENGINE_SCHEMAS.has(q));
  const name = builtin ? base : call.name;
  // Positions are looked up only for findings: most calls are allowed, and the lookup scans the text.
  const position = () => call.position ?? findWord(sql, base);
  const denied = DENIED_FUNCTIONS.get(name);
  if (denied) {
    findings.push(finding(denied, `Function ${call.name}() is not allowed.`, position()));
    return;
  }
  const prefixed = DENIED_FUNCTION_PREFIXES.find(([p]) => name.startsWith(p));
  if (prefixed) {
    findings.push(finding(prefixed[1], `Function ${call.name}() is not allowed.`, position()));
    return;
  }
  if (!builtin) {
    // Engine built-ins live in the default schemas; another qualifier names a package of another database or a UDF.
    findings.push(finding(RULES.codeExecution, `Function ${call.name}() is not a built-in of this engine.`, position()));
    return;
  }
  if (GENERATORS.has(name)) {
    const rows = generatorRows(call);
    if (rows === undefined || rows > GENERATOR_ROW_LIMIT) {
      findings.push(
        finding(
          RULES.generator,
          rows === undefined
            ? `${call.name}() without literal bounds can generate unbounded rows.`
            : `${call.name}() would generate ${rows.toExponential(1)} rows.`,
          position(),
        ),
      );
    }
    return;
  }
  const sizeArg = SIZED_FUNCTIONS.get(name);
  if (sizeArg !== undefined) {
    const size = call.args[sizeArg];
    if (size === undefined || size > SIZE_LIMIT) {
      findings.push(
        finding(
          RULES.unbounded,
          size === undefined
            ? `${call.name}() needs a literal size (at most ${SIZE_LIMIT.toLocaleString("en-US")}) to be bounded.`
            : `${call.name}() would build ${size.toExponential(1)} elements; at most ${SIZE_LIMIT.toLocaleString("en-US")} are allowed.`,
          position(),
        ),
      );
    }
  }
}

function generatorRows(call: FunctionCall): number | undefined {
  const args = call.args;
  if (args.length === 0 || args.some((a) => a === undefined)) return undefined;
  const [a = 0, b, step = 1] = args as readonly number[];
  const span = b === undefined ? a : b - a;
  if (step === 0) return Infinity;
  return Math.abs(span / step);
}

/**
 * A block with several sources must link them all with predicates (ON, USING, or WHERE comparisons);
 * a source left unlinked multiplies the row count. Single-row sources (aggregates without GROUP BY)
 * are harmless and skipped. Unqualified columns are attributed through the catalog; when a column
 * cannot be attributed the check stays silent rather than guess.
 */
function checkCartesian(sql: string, scope: BlockScope, findings: Finding[]): void {
  const { block, sources } = scope;
  if (sources.length < 2) return;
  const parent = sources.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] ?? i;
    return i;
  };
  const union = (a: number, b: number): void => {
    parent[find(a)] = find(b);
  };
  let uncertain = false;
  const owners = (refs: readonly { qualifier?: string; name: string }[]): number[] => {
    const out: number[] = [];
    for (const ref of refs) {
      const index = ownerOf(ref, sources);
      if (index === "outer") continue;
      if (index === undefined) uncertain = true;
      else out.push(index);
    }
    return out;
  };
  // USING/NATURAL/LATERAL link a source to those before it; ON links through the columns it names (a predicate).
  block.joins.forEach((join, i) => {
    if (i > 0 && join.hasCondition) union(i, i - 1);
  });
  for (const predicate of block.predicates) {
    const all = [...owners(predicate.left), ...owners(predicate.right)];
    for (let k = 1; k < all.length; k++) union(all[0] ?? 0, all[k] ?? 0);
  }
  sources.forEach((s, i) => {
    const src = s.source;
    if (src.kind === "subquery" && src.query.blocks.length === 1 && src.query.blocks[0]?.singleRow) union(i, 0);
    if (src.kind === "opaque") uncertain = true;
  });
  const roots = new Set(sources.map((_, i) => find(i)));
  if (roots.size < 2 || uncertain) return;
  const names = sources.map((s) => s.names[0] ?? "(subquery)");
  const message = `Cartesian product: ${[...roots].map((r) => names[r]).join(" × ")} are not linked by any join condition.`;
  const rows = productRows(sources);
  // Only row counts tell a harmless product of small tables (common in teaching SQL) from a runaway one:
  // without them the product is reported, with them one past the limit is refused.
  if (rows === undefined || rows <= CARTESIAN_ROW_LIMIT) {
    findings.push({ ...finding(RULES.cartesian, message, findWord(sql, "from")), severity: "warning" });
    return;
  }
  findings.push(finding(RULES.cartesian, message, findWord(sql, "from")));
}

/** Product of the catalog's row counts, when every source is a catalog table that has one. */
function productRows(sources: readonly ResolvedSource[]): number | undefined {
  let product = 1;
  for (const s of sources) {
    const count = s.kind === "catalog" ? s.table.rowCount : undefined;
    if (count === undefined) return undefined;
    product *= Math.max(count, 1);
  }
  return product;
}

function ownerOf(ref: { qualifier?: string; name: string }, sources: readonly ResolvedSource[]): number | "outer" | undefined {
  if (ref.qualifier) {
    const index = sources.findIndex((s) => s.names.includes(ref.qualifier ?? ""));
    return index >= 0 ? index : "outer";
  }
  const matches: number[] = [];
  sources.forEach((s, i) => {
    const columns = s.kind === "table" ? undefined : s.columns;
    if (columns?.has(ref.name)) matches.push(i);
  });
  if (matches.length === 1) return matches[0];
  if (matches.length === 0 && sources.every((s) => s.kind === "catalog" || (s.kind !== "table" && s.columns))) return "outer";
  return undefined;
}

/** Appends the row cap after the statement's last token (a trailing `;` and comments are dropped). */
export function withRowCap(sql: string, cap: number): string {
  return `${bareStatement(sql)}\nLIMIT ${cap}`;
}

/** The statement without the comments and semicolons after it (read from tokens), so that text can follow or wrap it. */
export function bareStatement(sql: string): string {
  const tokens = lex(sql);
  let end = sql.length;
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i];
    if (!t) continue;
    if (t.kind === "comment" || (t.kind === "op" && t.value === ";")) {
      end = t.start;
      continue;
    }
    end = t.end;
    break;
  }
  return sql.slice(0, end);
}

function findSecond(sql: string): { line: number; column: number } | undefined {
  const tokens = lex(sql);
  const semi = tokens.findIndex((t) => t.kind === "op" && t.value === ";");
  const next = semi >= 0 ? tokens.slice(semi + 1).find((t) => t.kind !== "comment") : undefined;
  if (!next) return undefined;
  return positionOf(sql, next.start);
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}|${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
