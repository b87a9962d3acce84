import type { Catalog } from "../core/catalog.js";

/**
 * A GBNF grammar for one read-only SQL statement over a catalog, for constrained decoding.
 *
 * What it guarantees, whatever the model wants to write:
 * - one statement that starts with SELECT or WITH and ends at the first `;` (nothing can be stacked after it);
 * - no comments (`--`, `/*`) and no double-quoted identifiers, so nothing can hide from the checker;
 * - a table named right after FROM or JOIN is a real catalog table (or a subquery);
 * - a qualified column `alias.column` names a real catalog column.
 * Unqualified names stay free (output aliases, CTE names, `ORDER BY alias`); the checker resolves them and the
 * repair loop feeds its findings back. A grammar cannot track which aliases were declared, so this is the
 * strictest rule that does not forbid ordinary SQL.
 */
export function buildSqlGrammar(catalog: Catalog): string {
  const tables = uniqueNames(catalog.tables.map((t) => t.name));
  const columns = uniqueNames(catalog.tables.flatMap((t) => t.columns.map((c) => c.name)));
  if (tables.length === 0) throw new Error("buildSqlGrammar: the catalog has no tables");
  const rules = [
    `root ::= start body ";"`,
    `start ::= ("SELECT" | "select" | "WITH" | "with") sep`,
    // A word is always followed by a separator, so words can never be glued together into another name.
    `body ::= (sep | word sep)* word?`,
    `word ::= fromjoin | extract | ident qualified? | number`,
    `qualified ::= "." (column | "*")`,
    `fromjoin ::= ("FROM" | "from" | "JOIN" | "join") ws (table | "(")`,
    // EXTRACT(YEAR FROM col) is the one common FROM that is not followed by a table.
    `extract ::= ("EXTRACT" | "extract") ws? "(" ws? ident ws ("FROM" | "from") ws ident qualified?`,
    `table ::= ${alternatives(tables)}`,
    `column ::= ${alternatives(columns)}`,
    `ident ::= ${complementOfWords(["from", "join"], "idchar")}`,
    `idchar ::= [a-zA-Z0-9_]`,
    // One character per separator keeps the grammar unambiguous, so the sampler tracks a single parse.
    `sep ::= [ \\t\\n] | punct | string`,
    `ws ::= [ \\t\\n]+`,
    // `-` and `/` need a following space or digit so that `--` and `/*` comments cannot be formed.
    `punct ::= "(" | ")" | "," | "*" | "+" | "%" | "=" | "<" | ">" | "!=" | "||" | "::" | "-" ([ 0-9]) | "/" [ (0-9]`,
    `string ::= "'" ([^'\\n\\\\] | "''")* "'"`,
    `number ::= [0-9]+ ("." [0-9]+)?`,
  ];
  return rules.join("\n") + "\n";
}

function uniqueNames(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}

function alternatives(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(" | ");
}

/**
 * GBNF for every identifier except the given words (case-insensitive), built as the complement of their trie:
 * at each prefix of an excluded word a character either continues toward that word or leaves the trie for good.
 */
function complementOfWords(words: readonly string[], charClass: string): string {
  const lower = words.map((w) => w.toLowerCase());
  const anyTail = `${charClass}*`;
  const node = (prefix: string): string => {
    const nextChars = [...new Set(lower.filter((w) => w.startsWith(prefix) && w.length > prefix.length).map((w) => w[prefix.length] ?? ""))];
    const first = prefix.length === 0;
    const leave = leavingClass(nextChars, first);
    if (lower.includes(prefix)) return `${charClass} ${anyTail}`;
    const branches = nextChars.map((c) => `[${c}${c.toUpperCase()}] (${node(prefix + c)})`);
    branches.push(`${leave} ${anyTail}`);
    // A proper prefix of an excluded word is itself a fine identifier ("fro"), so the rest is optional there.
    return first ? branches.join(" | ") : `(${branches.join(" | ")})?`;
  };
  return node("");
}

function leavingClass(excludedChars: readonly string[], first: boolean): string {
  const base = first ? "a-zA-Z_" : "a-zA-Z0-9_";
  if (excludedChars.length === 0) return `[${base}]`;
  const banned = excludedChars.flatMap((c) => [c, c.toUpperCase()]).join("");
  // GBNF has no set difference: list what remains of the base class explicitly.
  const all = expandClass(base).filter((ch) => !banned.includes(ch));
  return `[${compressClass(all)}]`;
}

function expandClass(spec: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i] ?? "";
    if (spec[i + 1] === "-" && i + 2 < spec.length) {
      const end = spec.charCodeAt(i + 2);
      for (let code = c.charCodeAt(0); code <= end; code++) out.push(String.fromCharCode(code));
      i += 2;
    } else {
      out.push(c);
    }
  }
  return out;
}

function compressClass(chars: readonly string[]): string {
  const codes = [...new Set(chars)].map((c) => c.charCodeAt(0)).sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < codes.length) {
    let j = i;
    while (j + 1 < codes.length && codes[j + 1] === (codes[j] ?? 0) + 1) j++;
    const lo = String.fromCharCode(codes[i] ?? 0);
    const hi = String.fromCharCode(codes[j] ?? 0);
    parts.push(j > i + 1 ? `${lo}-${hi}` : j === i + 1 ? `${lo}${hi}` : lo);
    i = j + 1;
  }
  return parts.join("");
}
