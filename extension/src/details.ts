import { Dialog, showDialog } from "@jupyterlab/apputils";
import { Widget } from "@lumino/widgets";
import type { VerdictBundle } from "../../core/verdict.js";
import { detailsFor, formatLocation, type Row, type VerdictDetails } from "./verdict-model.js";

// Everything here comes from kernel output or a shared notebook, so text goes in through textContent only.
function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function rowsList(rows: readonly Row[]): HTMLDListElement {
  const list = el("dl", "sl-Details-rows");
  for (const [label, value] of rows) {
    list.append(el("dt", "", label), el("dd", "", value));
  }
  return list;
}

function section(heading: string, ...content: Node[]): HTMLElement {
  const node = el("section", "sl-Details-section");
  node.append(el("h3", "sl-Details-heading", heading), ...content);
  return node;
}

function sqlBlock(sql: string): HTMLPreElement {
  const pre = el("pre", "sl-Details-sql");
  pre.append(el("code", "", sql));
  return pre;
}

function findingsTable(details: VerdictDetails): HTMLElement {
  if (details.findings.length === 0) return el("p", "sl-Details-empty", "No findings.");
  const table = el("table", "sl-Details-findings");
  const head = table.createTHead().insertRow();
  for (const label of ["Severity", "Rule", "Message", "Where", "Hint"]) {
    const th = el("th", "", label);
    th.scope = "col";
    head.append(th);
  }
  const body = table.createTBody();
  for (const f of details.findings) {
    const row = body.insertRow();
    row.className = `sl-Finding sl-Finding-${f.severity}`;
    for (const value of [f.severity, f.rule, f.message, formatLocation(f), f.hint ?? "—"]) {
      row.append(el("td", "", value));
    }
  }
  return table;
}

/** The details of one verdict as a DOM tree (used by the dialog and by the output renderer). */
export function renderDetails(bundle: VerdictBundle, currentSource: string): HTMLElement {
  const details = detailsFor(bundle, currentSource);
  const root = el("div", "sl-Details");
  if (details.stale) {
    const note = el("p", "sl-Details-stale", "Stale: the cell was edited after it ran. Run it again to check the current SQL.");
    note.setAttribute("role", "note");
    root.append(note);
  }
  root.append(rowsList(details.summary));
  root.append(section(`Findings (${details.findings.length})`, findingsTable(details)));
  if (details.question !== undefined) root.append(section("Question", el("p", "sl-Details-question", details.question)));
  // A refused request never reached a model: there is no SQL to show, and the section says why.
  const refused = el("p", "sl-Details-empty", "The request was refused before any model was asked; nothing ran.");
  root.append(section(details.sqlHeading, details.sql === "" ? refused : sqlBlock(details.sql)));
  if (details.explanation !== undefined) root.append(section("What this query does", el("p", "sl-Details-explanation", details.explanation)));
  if (details.executedSql !== undefined) root.append(section("The SQL that ran", sqlBlock(details.executedSql)));
  if (details.provenance.length > 0) root.append(section("Provenance", rowsList(details.provenance)));
  return root;
}

/** Opens the details of a cell's verdict in a modal dialog (focus-trapped, closes on Escape). */
export async function showVerdictDetails(bundle: VerdictBundle, currentSource: string): Promise<void> {
  const body = new Widget({ node: renderDetails(bundle, currentSource) });
  await showDialog({
    title: detailsFor(bundle, currentSource).title,
    body,
    buttons: [Dialog.okButton({ label: "Close" })],
  });
}
