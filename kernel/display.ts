import type { Table } from "apache-arrow";
import { UsageError } from "../core/errors.js";
import { agreementText } from "../core/agreement.js";
import { columnSqlType, textRows, textTable } from "../core/format.js";
import type { PlanOperator, QueryPlan } from "../core/plan.js";
import { PAGE_MIME, TABLE_MIME, type ChartSpec, type PageOutput, type ResultView, type TableOutput, type View } from "../core/output.js";
import { ALLOWED_MEANS, VERDICT_MIME, type Verdict, type VerdictBundle } from "../core/verdict.js";
import type { Config } from "../session/config.js";

/** A Jupyter MIME bundle, as `display_data` and `execute_result` carry it. */
export interface MimeBundle {
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/**
 * Characters of one value sent to the browser in a table: a 100 MB string (`repeat('x', 1e8)`) would otherwise be
 * escaped, sent and drawn whole. The value itself stays whole in the result variable.
 */
const MAX_HTML_CELL_CHARS = 1000;

function clipCell(text: string): string {
  return text.length > MAX_HTML_CELL_CHARS ? `${text.slice(0, MAX_HTML_CELL_CHARS - 1)}… (${text.length.toLocaleString("en-US")} characters)` : text;
}

function htmlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = header.map((h) => `<th>${escapeHtml(h)}</th>`);
  const body = rows.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(clipCell(v))}</td>`).join("")}</tr>`);
  return `<table class="streamlink-table"><thead><tr>${head.join("")}</tr></thead><tbody>${body.join("")}</tbody></table>`;
}

/**
 * Small print under an output, in a tag that JupyterLab's "Sanitize HTML" export keeps (nbconvert's `clean_html`
 * keeps div, pre, b, i, ul, li, code …; it shows p, small, thead, th and tbody — which its parser adds to every
 * table — as escaped markup).
 */
function footerHtml(text: string): string {
  return `<div class="streamlink-footer"><i>${escapeHtml(text)}</i></div>`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** The line under a table: size, then whatever the caller adds (time, truncation, variable). */
/** `rows` is the count the footer states: the table's own, or the rows so far of a query still running. */
function tableFooter(table: Table, shown: number, extra: readonly string[], rows: number): string {
  const parts = [`${rows.toLocaleString("en-US")} row${rows === 1 ? "" : "s"} × ${table.numCols} column${table.numCols === 1 ? "" : "s"}`, ...extra];
  if (shown < rows) parts.push(`showing the first ${shown} (%config display_rows=N shows more)`);
  return parts.join(" · ");
}

/** An Arrow table as HTML and text: names with SQL types, the first `display_rows` rows, and a footer. */
export function tableBundle(table: Table, config: Config, extra: readonly string[] = [], metadata: Record<string, unknown> = {}, page?: TableOutput["page"], rowCount = table.numRows): MimeBundle {
  const header = table.schema.fields.map((f) => f.name);
  const types = header.map((_h, c) => columnSqlType(table, c));
  const rows = textRows(table, config.display_rows);
  const footer = tableFooter(table, rows.length, extra, rowCount);
  const text = textTable(header.map((h, c) => `${h} (${types[c]})`), rows);
  const output: TableOutput = { columns: header.map((name, c) => ({ name, type: types[c] ?? "" })), rows: rows.map((r) => r.map(clipCell)), footer, ...(page ? { page } : {}) };
  return {
    data: {
      // JupyterLab's extension draws the table from this; exports and other front ends read the text table.
      [TABLE_MIME]: output,
      "text/plain": `${text}\n${footer}`,
      "text/html": `<pre class="streamlink-table"><code>${escapeHtml(text)}</code></pre>${footerHtml(footer)}`,
    },
    metadata,
  };
}

/** Estimated rows as the engine gives them, rounded for reading (`~9,282 rows`). */
function estimate(rows: number): string {
  return `~${Math.round(rows).toLocaleString("en-US")} row${Math.round(rows) === 1 ? "" : "s"}`;
}

/**
 * An engine's plan as indented text: one operator a line with its estimate and what the engine says of it (the
 * files and filters of a scan among them); Spark's printed plan as Spark wrote it.
 */
function planText(plan: QueryPlan): { title: string; body: string; footer?: string } {
  const lines: string[] = [];
  const visit = (op: PlanOperator, depth: number): void => {
    const details = op.details.filter((d) => d.value.trim() !== "").map((d) => `${d.key}: ${d.value.replaceAll("\n", " ")}`);
    lines.push([`${"  ".repeat(depth)}${op.name}`, ...(op.estimatedRows !== undefined ? [estimate(op.estimatedRows)] : []), ...details].join("  ·  "));
    for (const child of op.children) visit(child, depth + 1);
  };
  for (const op of plan.operators) visit(op, 0);
  return {
    title: `The engine's plan on ${plan.engine} (estimates; nothing ran):`,
    body: plan.text ?? lines.join("\n"),
    ...(plan.scanRows !== undefined ? { footer: `The scans are estimated to read ${estimate(plan.scanRows)}.` } : {}),
  };
}

function resultExtras(view: ResultView): string[] {
  const extra = [`${formatMs(view.elapsedMs)} on ${view.engine}`];
  if (view.truncated) {
    extra.push(`stopped at ${view.maxRows.toLocaleString("en-US")} rows: the query has more; aggregate, add a LIMIT, or raise --limit`);
  }
  if (view.variable) extra.push(`saved as ${view.variable}`);
  return extra;
}

/**
 * Above a histogram, the values it bins are noise (the first rows of one column): the footer line alone says
 * how many there are, how long they took and where they were saved.
 */
function histogramSummary(view: ResultView): MimeBundle {
  const footer = tableFooter(view.table, view.table.numRows, resultExtras(view), view.table.numRows);
  return {
    data: { "text/plain": footer, "text/html": footerHtml(footer) },
    metadata: { streamlink: { rows: view.table.numRows, columns: view.table.numCols, truncated: view.truncated, elapsedMs: view.elapsedMs } },
  };
}

function resultBundle(view: ResultView, config: Config): MimeBundle {
  const extra = resultExtras(view);
  const { table } = view;
  const page = view.page ? { ...view.page, ...(view.truncated ? {} : { total: table.numRows }) } : undefined;
  return tableBundle(table, config, extra, {
    streamlink: { rows: table.numRows, columns: table.numCols, truncated: view.truncated, elapsedMs: view.elapsedMs },
  }, page);
}

function columnValues(table: Table, name: string): unknown[] {
  const vector = table.getChild(name);
  if (!vector) {
    throw new UsageError(`--plot names column '${name}', which the result does not have (columns: ${table.schema.fields.map((f) => f.name).join(", ")})`, "Name result columns in --plot KIND X Y.");
  }
  return Array.from(vector, (v: unknown) => (typeof v === "bigint" ? Number(v) : v));
}

/** Bins for a histogram: about √n equal-width bins over the numeric values. */
function histogram(values: readonly number[]): { labels: string[]; counts: number[] } {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { labels: [], counts: [] };
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const bins = Math.max(1, Math.min(50, Math.ceil(Math.sqrt(finite.length))));
  const width = (max - min) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) counts[Math.min(bins - 1, Math.floor((v - min) / width))]! += 1;
  return { labels: counts.map((_c, i) => formatTick(min + i * width)), counts };
}

/** Room under the axis for a rotated label; a longer one ends in "…" and shows whole on hover. */
const LABEL_CHARS = 18;

function shortLabel(label: string): string {
  return [...label].length > LABEL_CHARS ? `${[...label].slice(0, LABEL_CHARS - 1).join("")}…` : label;
}

function formatTick(value: unknown): string {
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  return String(value ?? "NULL");
}

/**
 * A static SVG of the chart for places without plotly.js (an HTML export, GitHub's notebook view): bars or
 * points over the result's own values, axis labels and the title. JupyterLab shows the interactive figure.
 */
function chartSvg(chart: ChartSpec, x: readonly unknown[], y: readonly unknown[] | undefined, title: string): string {
  const [W, H, L, B, T] = [640, 320, 56, 64, 28];
  const bars = chart.kind === "hist" ? histogram(x.map(Number)) : { labels: x.map(formatTick), counts: (y ?? []).map(Number) };
  const values = bars.counts.map((v) => (Number.isFinite(v) ? v : 0));
  const top = Math.max(0, ...values) || 1;
  const step = (W - L - 8) / Math.max(1, values.length);
  const yOf = (v: number): number => H - B - (v / top) * (H - B - T);
  const marks = values.map((v, i) => {
    const cx = L + step * i + step / 2;
    if (chart.kind === "bar" || chart.kind === "hist") {
      return `<rect x="${(cx - step * 0.4).toFixed(1)}" y="${yOf(v).toFixed(1)}" width="${(step * 0.8).toFixed(1)}" height="${(H - B - yOf(v)).toFixed(1)}" fill="#4c78a8"><title>${escapeHtml(`${bars.labels[i]}: ${v}`)}</title></rect>`;
    }
    return `<circle cx="${cx.toFixed(1)}" cy="${yOf(v).toFixed(1)}" r="3" fill="#4c78a8"><title>${escapeHtml(`${bars.labels[i]}: ${v}`)}</title></circle>`;
  });
  const line = chart.kind === "line"
    ? `<polyline fill="none" stroke="#4c78a8" stroke-width="2" points="${values.map((v, i) => `${(L + step * i + step / 2).toFixed(1)},${yOf(v).toFixed(1)}`).join(" ")}"/>`
    : "";
  const every = Math.max(1, Math.ceil(values.length / 12));
  const ticks = bars.labels.map((label, i) => (i % every === 0
    ? `<text x="${(L + step * i + step / 2).toFixed(1)}" y="${H - B + 14}" font-size="10" text-anchor="end" transform="rotate(-35 ${(L + step * i + step / 2).toFixed(1)} ${H - B + 14})"><title>${escapeHtml(label)}</title>${escapeHtml(shortLabel(label))}</text>`
    : ""));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}" font-family="sans-serif">`,
    `<text x="${W / 2}" y="18" font-size="14" text-anchor="middle">${escapeHtml(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - 8}" y2="${H - B}" stroke="#888"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#888"/>`,
    `<text x="${L - 6}" y="${T + 4}" font-size="10" text-anchor="end">${escapeHtml(formatTick(top))}</text><text x="${L - 6}" y="${H - B}" font-size="10" text-anchor="end">0</text>`,
    line, ...marks, ...ticks, "</svg>",
  ].join("");
}

/**
 * A plotly figure ({data, layout}) for the result; plotly.js renders it in JupyterLab through the extension,
 * and a static SVG travels beside it for exports.
 */
export function chartBundle(table: Table, chart: ChartSpec): MimeBundle {
  const x = columnValues(table, chart.x);
  const y = chart.y ? columnValues(table, chart.y) : undefined;
  const trace =
    chart.kind === "hist"
      ? { type: "histogram", x }
      : chart.kind === "bar"
        ? { type: "bar", x, y }
        : { type: "scatter", mode: chart.kind === "line" ? "lines+markers" : "markers", x, y };
  const title = chart.title ?? (chart.y ? `${chart.y} by ${chart.x}` : chart.x);
  // automargin: plotly otherwise cuts long category labels (assignee names) at its fixed bottom margin.
  const figure = {
    data: [trace],
    layout: { title: { text: title }, xaxis: { title: { text: chart.x }, automargin: true }, yaxis: { title: { text: chart.y ?? "count" }, automargin: true } },
  };
  return {
    data: {
      [PLOTLY_MIME]: figure,
      // An image, not text/html: a sanitized HTML export shows an SVG in text/html as its source text.
      "image/svg+xml": chartSvg(chart, x, y, title),
      "text/plain": `<${chart.kind} chart: ${title}, ${x.length} points>`,
    },
    metadata: {},
  };
}

function verdictText(verdict: Verdict): string {
  const head = verdict.verdict === "allow"
    ? `✔ allowed by ${verdict.checker}${verdict.findings.length > 0 ? ` with ${verdict.findings.length} note(s)` : ""}\n  ${ALLOWED_MEANS}`
    : verdict.category === "policy"
      ? `✖ refused (policy) by ${verdict.checker}`
      : `✖ blocked (${verdict.category}) by ${verdict.checker}`;
  const lines = verdict.findings.map((f) => {
    const where = f.line !== undefined ? ` [line ${f.line}${f.column !== undefined ? `:${f.column}` : ""}]` : "";
    return `  ${f.severity} ${f.rule}${where}: ${f.message}${f.hint ? ` — ${f.hint}` : ""}`;
  });
  if (verdict.executedSql !== verdict.sql) lines.push(`  ran as: ${verdict.executedSql.replace(/\s+/g, " ")}`);
  return [head, ...lines].join("\n");
}

function verdictBundle(bundle: VerdictBundle): MimeBundle {
  const { verdict } = bundle;
  const color = verdict.verdict === "allow" ? "#1a7f37" : "#cf222e";
  const text = verdictText(verdict);
  return {
    data: {
      [VERDICT_MIME]: bundle,
      "text/plain": text,
      "text/html": `<pre class="streamlink-verdict" style="border-left:4px solid ${color};padding-left:8px;margin:0">${escapeHtml(text)}</pre>`,
    },
    metadata: { streamlink: { verdict: verdict.verdict, category: verdict.category } },
  };
}

/** The MIME bundles that show one view; a result with a chart gives two. */
export function bundlesFor(view: View, config: Config): MimeBundle[] {
  switch (view.kind) {
    case "result":
      if (view.chart?.kind === "hist") return [histogramSummary(view), chartBundle(view.table, view.chart)];
      return view.chart ? [resultBundle(view, config), chartBundle(view.table, view.chart)] : [resultBundle(view, config)];
    case "verdict":
      return [verdictBundle(view.bundle)];
    case "sql":
      return [{ data: { "text/markdown": `**${view.title}**\n\n\`\`\`sql\n${view.sql}\n\`\`\``, "text/plain": `${view.title}:\n${view.sql}` }, metadata: {} }];
    case "text":
      return [{ data: { "text/plain": view.text }, metadata: {} }];
    case "markdown":
      return [{ data: { "text/markdown": view.markdown, "text/plain": view.markdown }, metadata: {} }];
    case "explanation": {
      const { sentence } = view.explanation;
      return [{
        data: { "text/plain": `What this query does: ${sentence}`, "text/html": `<div class="streamlink-explanation"><b>What this query does:</b> ${escapeHtml(sentence)}</div>` },
        metadata: { streamlink: { explanation: view.explanation } },
      }];
    }
    case "agreement": {
      const { summary, runnerUp } = agreementText(view.agreement);
      const title = `${summary.charAt(0).toUpperCase()}${summary.slice(1)}`;
      const color = view.agreement.unsure ? "#bf8700" : "#1a7f37";
      return [{
        data: {
          "text/plain": [title, ...(runnerUp === undefined ? [] : [`I also considered: ${runnerUp}`])].join("\n"),
          "text/html": `<div class="streamlink-agreement" style="border-left:4px solid ${color};padding-left:8px"><div><b>${escapeHtml(title)}</b></div>${runnerUp === undefined ? "" : `<div>I also considered:</div><pre>${escapeHtml(runnerUp)}</pre>`}</div>`,
        },
        metadata: { streamlink: { agreement: view.agreement } },
      }];
    }
    case "page": {
      const rows = textRows(view.table, view.table.numRows).map((r) => r.map(clipCell));
      const output: PageOutput = { id: view.id, offset: view.offset, total: view.total, rows };
      const header = view.table.schema.fields.map((f, c) => `${f.name} (${columnSqlType(view.table, c)})`);
      return [{ data: { [PAGE_MIME]: output, "text/plain": `rows ${view.offset + 1}–${view.offset + rows.length} of ${view.total}\n${textTable(header, rows)}` }, metadata: {} }];
    }
    case "download":
      return "text" in view
        ? [{ data: { [view.mime]: view.text, "text/plain": `${view.text.length.toLocaleString("en-US")} characters of ${view.mime}` }, metadata: {} }]
        : [{ data: { [view.mime]: Buffer.from(view.bytes).toString("base64"), "text/plain": `${view.bytes.length.toLocaleString("en-US")} bytes of ${view.mime}` }, metadata: {} }];
    case "plan": {
      const { title, body, footer } = planText(view.plan);
      return [{
        data: {
          "text/plain": [title, body, ...(footer ? [footer] : [])].join("\n"),
          "text/html": `<div class="streamlink-plan"><div><b>${escapeHtml(title)}</b></div><pre>${escapeHtml(body)}</pre>${footer ? footerHtml(footer) : ""}</div>`,
        },
        metadata: { streamlink: { plan: view.plan } },
      }];
    }
    case "note":
      return [{
        data: {
          "text/plain": [`⚠ ${view.title}`, ...view.lines.map((l) => `  - ${l}`)].join("\n"),
          "text/html": `<div class="streamlink-note" role="note" style="border-left:4px solid #bf8700;padding-left:8px"><div><b>⚠ ${escapeHtml(view.title)}</b></div><ul>${view.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join("")}</ul></div>`,
        },
        metadata: { streamlink: { note: view.title } },
      }];
    case "partial": {
      const { table, rowsSoFar, elapsedMs } = view.partial;
      return [tableBundle(table, config, [`so far: still running after ${formatMs(elapsedMs)}`], { streamlink: { partial: true, rowsSoFar, elapsedMs } }, undefined, rowsSoFar)];
    }
    case "progress": {
      const { progress } = view;
      const tasks = progress.totalTasks ? ` (${progress.completedTasks ?? 0}/${progress.totalTasks} tasks)` : "";
      return [{ data: { "text/plain": `${progress.message}${tasks}` }, metadata: {} }];
    }
    case "records": {
      const rows = view.rows.map((r) => r.map((v) => (v === null || v === undefined ? "" : String(v))));
      return [{
        data: { "text/plain": `${view.title}\n${textTable(view.columns, rows)}`, "text/html": `<div><b>${escapeHtml(view.title)}</b></div>${htmlTable(view.columns, rows)}` },
        metadata: {},
      }];
    }
  }
}
