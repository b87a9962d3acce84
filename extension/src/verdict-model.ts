/**
 * What the extension shows for a verdict, as plain data: no DOM and no JupyterLab objects, so the rules
 * (which badge, when stale, what the summary counts) are unit-tested on their own.
 */
import type { Provenance } from "../../core/llm.js";
import type { Dialect } from "../../core/engine.js";
import type { QueryExplanation } from "../../core/explain.js";
import {
  ALLOWED_MEANS,
  VERDICT_MIME,
  type Finding,
  type RunOutcome,
  type Severity,
  type Verdict,
  type VerdictBundle,
  type VerdictCategory,
  type VerdictKind,
} from "../../core/verdict.js";
import { isObject } from "./json.js";

/** Cell metadata key under which a cell's last verdict is kept in the saved notebook. */
export const METADATA_KEY = "streamlink";

export type BadgeKind = "allowed" | "warnings" | "run-failed" | "blocked-security" | "blocked-syntax" | "blocked-policy";

/** What a badge shows for one cell. */
export interface BadgeState {
  readonly kind: BadgeKind;
  /** The cell was edited after it ran: the verdict describes other SQL. */
  readonly stale: boolean;
  /** The visible text, e.g. `blocked (security)` or `stale: allowed`. */
  readonly label: string;
  /** A full sentence for screen readers and the tooltip. */
  readonly description: string;
}

/** A bundle read from untrusted JSON (kernel output, or metadata of a notebook someone shared). */
export type BundleRead =
  | { readonly ok: true; readonly bundle: VerdictBundle }
  | { readonly ok: false; readonly error: string };

// Records keyed by the core unions: adding a member there fails to compile here until it is handled.
const VERDICT_KINDS: Record<VerdictKind, true> = { allow: true, block: true };
const CATEGORIES: Record<VerdictCategory, true> = { ok: true, syntax: true, policy: true, injection: true };
const OUTCOMES: Record<RunOutcome["status"], true> = { failed: true, empty: true };
const SEVERITIES: Record<Severity, true> = { error: true, warning: true, info: true };
const DIALECTS: Record<Dialect, true> = { duckdb: true, spark: true };
const MAGICS: Record<VerdictBundle["magic"], true> = { sql: true, ask: true };

class Invalid extends Error {}

type Fields = Readonly<Record<string, unknown>>;

function fields(value: unknown, where: string): Fields {
  if (!isObject(value)) throw new Invalid(`${where} is not an object`);
  return value;
}

function text(o: Fields, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new Invalid(`${where}.${key} is not a string`);
  return v;
}

function optionalText(o: Fields, key: string, where: string): string | undefined {
  return o[key] === undefined || o[key] === null ? undefined : text(o, key, where);
}

function num(o: Fields, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Invalid(`${where}.${key} is not a finite number`);
  return v;
}

function optionalNum(o: Fields, key: string, where: string): number | undefined {
  return o[key] === undefined || o[key] === null ? undefined : num(o, key, where);
}

function member<T extends string>(o: Fields, key: string, allowed: Record<T, true>, where: string): T {
  const v = text(o, key, where);
  if (!Object.hasOwn(allowed, v)) {
    throw new Invalid(`${where}.${key} is "${v}", expected one of ${Object.keys(allowed).join(", ")}`);
  }
  return v as T;
}

function readFinding(value: unknown, where: string): Finding {
  const o = fields(value, where);
  const line = optionalNum(o, "line", where);
  const column = optionalNum(o, "column", where);
  const hint = optionalText(o, "hint", where);
  return {
    rule: text(o, "rule", where),
    severity: member(o, "severity", SEVERITIES, where),
    message: text(o, "message", where),
    ...(line === undefined ? {} : { line }),
    ...(column === undefined ? {} : { column }),
    ...(hint === undefined ? {} : { hint }),
  };
}

function readVerdict(value: unknown): Verdict {
  const o = fields(value, "verdict");
  const findings = o["findings"];
  if (!Array.isArray(findings)) throw new Invalid("verdict.findings is not a list");
  return {
    verdict: member(o, "verdict", VERDICT_KINDS, "verdict"),
    // Checkers before 1.1 said "security" for both kinds of refusal; notebooks saved then still open.
    category: o["category"] === "security" ? "policy" : member(o, "category", CATEGORIES, "verdict"),
    findings: findings.map((f, i) => readFinding(f, `verdict.findings[${i}]`)),
    checker: text(o, "checker", "verdict"),
    sql: text(o, "sql", "verdict"),
    executedSql: text(o, "executedSql", "verdict"),
    dialect: member(o, "dialect", DIALECTS, "verdict"),
    elapsedMs: num(o, "elapsedMs", "verdict"),
  };
}

function readExplanation(value: unknown): QueryExplanation {
  const o = fields(value, "explanation");
  if (typeof o["complete"] !== "boolean") throw new Invalid("explanation.complete is not a boolean");
  return { sentence: text(o, "sentence", "explanation"), complete: o["complete"] };
}

function readOutcome(value: unknown): RunOutcome {
  const o = fields(value, "outcome");
  const message = optionalText(o, "message", "outcome");
  return { status: member(o, "status", OUTCOMES, "outcome"), ...(message === undefined ? {} : { message }) };
}

function readProvenance(value: unknown): Provenance {
  const o = fields(value, "provenance");
  const timings = fields(o["timings"], "provenance.timings");
  const adapter = o["adapter"] === undefined ? undefined : fields(o["adapter"], "provenance.adapter");
  return {
    model: text(o, "model", "provenance"),
    modelSha256: text(o, "modelSha256", "provenance"),
    ...(adapter ? { adapter: { name: text(adapter, "name", "provenance.adapter"), sha256: text(adapter, "sha256", "provenance.adapter") } } : {}),
    promptVersion: text(o, "promptVersion", "provenance"),
    tries: num(o, "tries", "provenance"),
    timings: Object.fromEntries(Object.keys(timings).map((k) => [k, num(timings, k, "provenance.timings")])),
  };
}

/**
 * Reads a {@link VerdictBundle} from JSON nobody vouched for. Only known fields are copied, so the result
 * is safe to store back into the notebook.
 */
export function readBundle(value: unknown): BundleRead {
  try {
    const o = fields(value, "bundle");
    const question = optionalText(o, "question", "bundle");
    const provenance = o["provenance"] === undefined || o["provenance"] === null ? undefined : readProvenance(o["provenance"]);
    const explanation = o["explanation"] === undefined || o["explanation"] === null ? undefined : readExplanation(o["explanation"]);
    const outcome = o["outcome"] === undefined || o["outcome"] === null ? undefined : readOutcome(o["outcome"]);
    const bundle: VerdictBundle = {
      verdict: readVerdict(o["verdict"]),
      magic: member(o, "magic", MAGICS, "bundle"),
      cellSource: text(o, "cellSource", "bundle"),
      ranAt: text(o, "ranAt", "bundle"),
      ...(question === undefined ? {} : { question }),
      ...(provenance === undefined ? {} : { provenance }),
      ...(explanation === undefined ? {} : { explanation }),
      ...(outcome === undefined ? {} : { outcome }),
    };
    return { ok: true, bundle };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.message };
    throw e;
  }
}

/** The shape of a notebook output that matters here (nbformat's display_data / execute_result). */
export interface OutputLike {
  readonly output_type: string;
  readonly data?: unknown;
  readonly metadata?: unknown;
  readonly ename?: unknown;
  readonly evalue?: unknown;
}

/**
 * The newest readable verdict among a cell's outputs, if the cell published one; for an allowed query, with
 * how its run ended when the outputs after the verdict show an error or an empty result.
 */
export function latestBundle(outputs: readonly OutputLike[]): VerdictBundle | undefined {
  for (let i = outputs.length - 1; i >= 0; i--) {
    const data = outputs[i]?.data;
    if (!isObject(data) || data[VERDICT_MIME] === undefined) continue;
    const read = readBundle(data[VERDICT_MIME]);
    if (!read.ok) continue;
    const outcome = read.bundle.verdict.verdict === "allow" ? outcomeOf(outputs.slice(i + 1)) : undefined;
    return outcome ? { ...read.bundle, outcome } : read.bundle;
  }
  return undefined;
}

/** A failed run shows an error output; an empty one a result whose metadata counts 0 rows (kernel/display.ts). */
function outcomeOf(after: readonly OutputLike[]): RunOutcome | undefined {
  const error = after.find((o) => o.output_type === "error");
  if (error) return { status: "failed", message: `${String(error.ename ?? "Error")}: ${String(error.evalue ?? "")}` };
  const empty = after.some((o) => isObject(o.metadata) && isObject(o.metadata["streamlink"]) && o.metadata["streamlink"]["rows"] === 0);
  return empty ? { status: "empty" } : undefined;
}

/** Whether `cellSource` (what ran) still matches the cell; line endings and trailing blanks do not count. */
export function isStale(bundle: VerdictBundle, currentSource: string): boolean {
  const normalise = (s: string): string => s.replace(/\r\n?/g, "\n").trimEnd();
  return normalise(bundle.cellSource) !== normalise(currentSource);
}

function countOf(findings: readonly Finding[], severity: Severity): number {
  return findings.filter((f) => f.severity === severity).length;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The badge for a cell whose last verdict is `bundle` and whose source is now `currentSource`. */
export function badgeFor(bundle: VerdictBundle, currentSource: string): BadgeState {
  const { verdict } = bundle;
  const warnings = countOf(verdict.findings, "warning") + countOf(verdict.findings, "error");
  const failed = bundle.outcome?.status === "failed";
  const kind: BadgeKind =
    verdict.verdict === "block"
      ? verdict.category === "syntax"
        ? "blocked-syntax"
        : verdict.category === "policy"
          ? "blocked-policy"
          : "blocked-security"
      : failed
        ? "run-failed"
        : warnings > 0
          ? "warnings"
          : "allowed";
  const named = {
    allowed: "allowed",
    warnings: `allowed with ${plural(warnings, "warning")}`,
    "run-failed": "allowed · run failed",
    "blocked-security": "blocked (security)",
    "blocked-syntax": "blocked (syntax)",
    "blocked-policy": "refused (policy)",
  }[kind];
  const base = bundle.outcome?.status === "empty" ? `${named} · no rows` : named;
  const stale = isStale(bundle, currentSource);
  const label = stale ? `stale: ${base}` : base;
  const findings = verdict.findings.length === 0 ? "no findings" : plural(verdict.findings.length, "finding");
  // Starts with the visible label, so speech input ("click blocked") finds the button by what it shows.
  const description =
    `${label}. StreamLink verdict for this %%${bundle.magic} cell, ${findings}.` +
    (stale ? " The cell changed after it ran; run it again to check the current SQL." : "") +
    (verdict.verdict === "allow" ? ` ${ALLOWED_MEANS}` : "") +
    (failed ? ` Running it failed: ${bundle.outcome?.message ?? "see the error below the cell"}.` : "") +
    (bundle.outcome?.status === "empty" ? " It returned no rows; the note under the result gives likely reasons." : "") +
    " Activate for details.";
  return { kind, stale, label, description };
}

/** Settings from `schema/plugin.json`. */
export interface VerdictSettings {
  /** Show badges for allowed cells too (blocked, warning and stale badges always show). */
  readonly showAllowed: boolean;
  /** Show the notebook-level count in the toolbar. */
  readonly showSummary: boolean;
}

export const DEFAULT_SETTINGS: VerdictSettings = { showAllowed: true, showSummary: true };

/** Settings from the registry's composite value; a missing or mistyped key keeps its default. */
export function readSettings(composite: unknown): VerdictSettings {
  const o = isObject(composite) ? composite : {};
  const flag = (key: keyof VerdictSettings): boolean => {
    const v = o[key];
    return typeof v === "boolean" ? v : DEFAULT_SETTINGS[key];
  };
  return { showAllowed: flag("showAllowed"), showSummary: flag("showSummary") };
}

/** Whether a badge is drawn at all under the current settings. */
export function isBadgeVisible(state: BadgeState, settings: VerdictSettings): boolean {
  return settings.showAllowed || state.kind !== "allowed" || state.stale;
}

/** Notebook-level counts; a stale verdict counts as stale only, since it no longer describes the cell. */
export interface VerdictSummary {
  readonly allowed: number;
  readonly warnings: number;
  readonly blocked: number;
  /** Allowed by the checker, but the run failed. */
  readonly failed: number;
  readonly stale: number;
}

export function summarize(states: readonly BadgeState[]): VerdictSummary {
  const fresh = states.filter((s) => !s.stale);
  return {
    allowed: fresh.filter((s) => s.kind === "allowed" || s.kind === "warnings").length,
    warnings: fresh.filter((s) => s.kind === "warnings").length,
    blocked: fresh.filter((s) => s.kind.startsWith("blocked-")).length,
    failed: fresh.filter((s) => s.kind === "run-failed").length,
    stale: states.length - fresh.length,
  };
}

/** The toolbar text, e.g. `StreamLink: 2 allowed (1 with warnings) · 1 blocked · 1 stale`, and `· 1 run failed` when one did. */
export function formatSummary(summary: VerdictSummary): string {
  const { allowed, warnings, blocked, failed, stale } = summary;
  if (allowed + blocked + failed + stale === 0) return "StreamLink: no verdicts yet";
  const withWarnings = warnings > 0 ? ` (${warnings} with warnings)` : "";
  return `StreamLink: ${allowed} allowed${withWarnings} · ${blocked} blocked${failed > 0 ? ` · ${failed} run failed` : ""} · ${stale} stale`;
}

/** `1.23 s` or `45 ms`. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** `line 3, column 7`, `line 3`, or `—` when the checker gave no position. */
export function formatLocation(finding: Finding): string {
  if (finding.line === undefined) return "—";
  return finding.column === undefined ? `line ${finding.line}` : `line ${finding.line}, column ${finding.column}`;
}

/** A labelled value in the details view. */
export type Row = readonly [label: string, value: string];

/** Everything the details view shows, in order; the widget only lays it out. */
export interface VerdictDetails {
  readonly title: string;
  readonly stale: boolean;
  readonly summary: readonly Row[];
  readonly findings: readonly Finding[];
  readonly question?: string;
  /** `The SQL checked`, or for %%ask `The generated SQL (checked)`. */
  readonly sqlHeading: string;
  readonly sql: string;
  /** Present only when the checker changed what runs (e.g. added a row cap). */
  readonly executedSql?: string;
  readonly provenance: readonly Row[];
  /** What the query does in plain words, when the cell has it (every %%ask, %%sql --explain). */
  readonly explanation?: string;
}

/** The %%ask pipeline's timing keys (models/generator.ts) in words; other keys read as "Time: key". */
const TIMING_LABELS: Readonly<Record<string, string>> = {
  loadMs: "Loading the model",
  profileMs: "Reading the schema",
  linkMs: "Finding the values named",
  generateMs: "Writing the SQL",
  checkMs: "Checking",
  totalMs: "In all",
};

function timingLabel(key: string): string {
  return TIMING_LABELS[key] ?? `Time: ${key}`;
}

export function detailsFor(bundle: VerdictBundle, currentSource: string): VerdictDetails {
  const state = badgeFor(bundle, currentSource);
  const { verdict, provenance } = bundle;
  const provenanceRows: Row[] = provenance
    ? [
        ["Model", provenance.model],
        ["Model SHA-256", provenance.modelSha256],
        ...(provenance.adapter ? [["LoRA adapter", `${provenance.adapter.name} (SHA-256 ${provenance.adapter.sha256})`] as Row] : []),
        ["Prompt version", provenance.promptVersion],
        ["Tries", String(provenance.tries)],
        ...Object.entries(provenance.timings).map(([k, v]): Row => [timingLabel(k), formatMs(v)]),
      ]
    : [];
  return {
    title: `StreamLink verdict: ${state.label}`,
    stale: state.stale,
    summary: [
      ["Verdict", verdict.verdict === "allow" ? "allowed" : "blocked"],
      ["Category", verdict.category],
      ["Cell", `%%${bundle.magic}`],
      ["Dialect", verdict.dialect],
      ["Checker", verdict.checker],
      ["Check time", formatMs(verdict.elapsedMs)],
      ["Ran at", bundle.ranAt],
      ...(verdict.verdict === "allow" ? [["What “allowed” means", ALLOWED_MEANS] as const] : []),
      ...(bundle.outcome ? [["Run", bundle.outcome.status === "failed" ? `failed: ${bundle.outcome.message ?? ""}` : "returned no rows (see the note under the result)"] as const] : []),
    ],
    findings: verdict.findings,
    ...(bundle.question === undefined ? {} : { question: bundle.question }),
    sqlHeading: verdict.sql === "" ? "No SQL was written" : bundle.magic === "ask" ? "The generated SQL (checked)" : "The SQL checked",
    sql: verdict.sql,
    ...(verdict.executedSql === verdict.sql ? {} : { executedSql: verdict.executedSql }),
    provenance: provenanceRows,
    ...(bundle.explanation ? { explanation: bundle.explanation.sentence } : {}),
  };
}

/** Whether the metadata already holds exactly this bundle (so saving it again would only dirty the notebook). */
export function sameBundle(stored: unknown, bundle: VerdictBundle): boolean {
  const read = readBundle(stored);
  return read.ok && JSON.stringify(read.bundle) === JSON.stringify(bundle);
}
