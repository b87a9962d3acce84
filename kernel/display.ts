import type { Table } from "apache-arrow";
import { UsageError } from "../core/errors.js";
import { columnSqlType, textRows, textTable } from "../core/format.js";
import type { ChartSpec, ResultView, View } from "../core/output.js";
import { VERDICT_MIME, type Verdict, type VerdictBundle } from "../core/verdict.js";
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

function htmlTable(header: readonly string[], subheader: readonly string[] | undefined, rows: readonly (readonly string[])[]): string {
  const head = header.map((h, c) => `<th title="${escapeHtml(subheader?.[c] ?? "")}">${escapeHtml(h)}${subheader ? `<br><small style="font-weight:normal;opacity:.7">${escapeHtml(subheader[c] ?? "")}</small>` : ""}</th>`);
  const body = rows.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(v)}</td>`).join("")}</tr>`);
  return `<table class="streamlink-table"><thead><tr>${head.join("")}</tr></thead><tbody>${body.join("")}</tbody></table>`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** The line under a table: size, then whatever the caller adds (time, truncation, variable). */
function tableFooter(table: Table, shown: number, extra: readonly string[]): string {
  const parts = [`${table.numRows.toLocaleString("en-US")} row${table.numRows === 1 ? "" : "s"} × ${table.numCols} column${table.numCols === 1 ? "" : "s"}`, ...extra];
  if (shown < table.numRows) parts.push(`showing the first ${shown} (%config display_rows=N shows more)`);
  return parts.join(" · ");
}

/** An Arrow table as HTML and text: names with SQL types, the first `display_rows` rows, and a footer. */
export function tableBundle(table: Table, config: Config, extra: readonly string[] = [], metadata: Record<string, unknown> = {}): MimeBundle {
  const header = table.schema.fields.map((f) => f.name);
  const types = header.map((_h, c) => columnSqlType(table, c));
  const rows = textRows(table, config.display_rows);
  const footer = tableFooter(table, rows.length, extra);
  return {
    data: {
      "text/plain": `${textTable(header.map((h, c) => `${h} (${types[c]})`), rows)}\n${footer}`,
      "text/html": `${htmlTable(header, types, rows)}<p class="streamlink-footer"><small>${escapeHtml(footer)}</small></p>`,
    },
    metadata,
  };
}

function resultBundle(view: ResultView, config: Config): MimeBundle {
  const extra = [`${formatMs(view.elapsedMs)} on ${view.engine}`];
  if (view.truncated) {
    extra.push(`stopped at ${view.maxRows.toLocaleString("en-US")} rows: the query has more; aggregate, add a LIMIT, or raise --limit`);
  }
  if (view.variable) extra.push(`saved as ${view.variable}`);
  const { table } = view;
  return tableBundle(table, config, extra, {
    streamlink: { rows: table.numRows, columns: table.numCols, truncated: view.truncated, elapsedMs: view.elapsedMs },
  });
}

function columnValues(table: Table, name: string): unknown[] {
  const vector = table.getChild(name);
  if (!vector) {
    throw new UsageError(`--plot names column '${name}', which the result does not have (columns: ${table.schema.fields.map((f) => f.name).join(", ")})`, "Name result columns in --plot KIND X Y.");
  }
  return Array.from(vector, (v: unknown) => (typeof v === "bigint" ? Number(v) : v));
}

/** A plotly figure ({data, layout}) for the result; plotly.js renders it in JupyterLab through the extension. */
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
  const figure = { data: [trace], layout: { title: { text: title }, xaxis: { title: { text: chart.x } }, yaxis: { title: { text: chart.y ?? "count" } } } };
  return { data: { [PLOTLY_MIME]: figure, "text/plain": `<${chart.kind} chart: ${title}, ${x.length} points>` }, metadata: {} };
}

function verdictText(verdict: Verdict): string {
  const head = verdict.verdict === "allow"
    ? `✔ allowed by ${verdict.checker}${verdict.findings.length > 0 ? ` with ${verdict.findings.length} note(s)` : ""}`
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
      return view.chart ? [resultBundle(view, config), chartBundle(view.table, view.chart)] : [resultBundle(view, config)];
    case "verdict":
      return [verdictBundle(view.bundle)];
    case "sql":
      return [{ data: { "text/markdown": `**${view.title}**\n\n\`\`\`sql\n${view.sql}\n\`\`\``, "text/plain": `${view.title}:\n${view.sql}` }, metadata: {} }];
    case "text":
      return [{ data: { "text/plain": view.text }, metadata: {} }];
    case "markdown":
      return [{ data: { "text/markdown": view.markdown, "text/plain": view.markdown }, metadata: {} }];
    case "progress": {
      const { progress } = view;
      const tasks = progress.totalTasks ? ` (${progress.completedTasks ?? 0}/${progress.totalTasks} tasks)` : "";
      return [{ data: { "text/plain": `${progress.message}${tasks}` }, metadata: {} }];
    }
    case "records": {
      const rows = view.rows.map((r) => r.map((v) => (v === null || v === undefined ? "" : String(v))));
      return [{
        data: { "text/plain": `${view.title}\n${textTable(view.columns, rows)}`, "text/html": `<p><b>${escapeHtml(view.title)}</b></p>${htmlTable(view.columns, undefined, rows)}` },
        metadata: {},
      }];
    }
  }
}
