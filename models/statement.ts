/**
 * The SQL in what the model writes and in what a user saves, read with the checker's own lexer (checks/lexer.ts):
 * a `;` or a run of spaces inside a string literal or a comment is part of it, not the end of a statement or
 * spacing to squeeze, so no regular expression is run over SQL text here.
 */
import { lex, type Token } from "../checks/lexer.js";

const FENCE = "```";

const isSemicolon = (token: Token) => token.kind === "op" && token.value === ";";

/**
 * The one statement in a model's answer: the body of its first Markdown code fence (an optional `sql` tag after the
 * opening fence; an unclosed fence runs to the end), else the whole text, up to its first `;` outside strings and
 * comments.
 */
export function extractSql(text: string): string {
  const body = fencedBody(text) ?? text;
  const end = lex(body).find(isSemicolon);
  return (end ? body.slice(0, end.start) : body).trim();
}

function fencedBody(text: string): string | undefined {
  const open = text.indexOf(FENCE);
  if (open < 0) return undefined;
  let start = open + FENCE.length;
  if (text.slice(start, start + 3).toLowerCase() === "sql") start += 3;
  const close = text.indexOf(FENCE, start);
  return text.slice(start, close < 0 ? undefined : close);
}

/** `sql` without the `;` (and anything after it but spaces) that ends it, as a saved example is stored. */
export function withoutFinalSemicolon(sql: string): string {
  const last = lex(sql).at(-1);
  return (last && isSemicolon(last) ? sql.slice(0, last.start) : sql).trim();
}

/**
 * `sql` on one line, for a prompt that shows one example per line: the tokens joined by one space where spaces
 * were, literals kept as written, comments dropped (a `--` comment would otherwise swallow the rest of the line).
 */
export function sqlOnOneLine(sql: string): string {
  let line = "";
  let previous: Token | undefined;
  for (const token of lex(sql)) {
    if (token.kind === "comment") continue;
    if (previous && token.start > previous.end) line += " ";
    line += sql.slice(token.start, token.end);
    previous = token;
  }
  return line;
}

/** The value a rendered literal stands for (`'US-123'` → `US-123`, `''` unescaped), or undefined when not one literal. */
export function literalValue(literal: string): string | undefined {
  const [token, ...rest] = lex(literal);
  return token && rest.length === 0 && (token.kind === "string" || token.kind === "number") ? token.value : undefined;
}
