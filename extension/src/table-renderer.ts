import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { TABLE_MIME, type TableOutput } from "../../core/output.js";
import { isObject } from "./json.js";

/** Reads a saved table output defensively (a notebook is untrusted input); undefined when it is malformed. */
export function readTable(value: unknown): TableOutput | undefined {
  if (!isObject(value) || !Array.isArray(value["columns"]) || !Array.isArray(value["rows"]) || typeof value["footer"] !== "string") return undefined;
  const columns = value["columns"].map((c: unknown) => (isObject(c) && typeof c["name"] === "string" && typeof c["type"] === "string" ? { name: c["name"], type: c["type"] } : undefined));
  const rows = value["rows"].map((r: unknown) => (Array.isArray(r) && r.every((v) => typeof v === "string") ? (r as string[]) : undefined));
  if (columns.some((c) => c === undefined) || rows.some((r) => r === undefined)) return undefined;
  return { columns: columns as TableOutput["columns"], rows: rows as string[][], footer: value["footer"] };
}

/** A result table in JupyterLab: names with their SQL types in the header, then the rows and the footer. */
export class TableRenderer extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    // JupyterLab's own table look (borders, zebra rows), as for an HTML table output.
    this.addClass("jp-RenderedHTMLCommon");
    this.addClass("sl-Table");
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const cell = (tag: "th" | "td", content: string): HTMLElement => {
      const node = document.createElement(tag);
      node.textContent = content;
      return node;
    };
    const table = readTable(model.data[TABLE_MIME]);
    if (!table) {
      const error = document.createElement("p");
      error.textContent = "This StreamLink table could not be read. Run the cell again with a current StreamLink kernel.";
      this.node.replaceChildren(error);
      return;
    }
    const head = document.createElement("tr");
    for (const column of table.columns) {
      const th = cell("th", column.name);
      th.title = column.type;
      const type = document.createElement("small");
      type.className = "sl-Table-type";
      type.textContent = column.type;
      th.append(document.createElement("br"), type);
      head.append(th);
    }
    const body = table.rows.map((row) => {
      const tr = document.createElement("tr");
      tr.append(...row.map((v) => cell("td", v)));
      return tr;
    });
    const element = document.createElement("table");
    element.createTHead().append(head);
    element.createTBody().append(...body);
    const footer = document.createElement("p");
    footer.className = "sl-Table-footer";
    footer.textContent = table.footer;
    this.node.replaceChildren(element, footer);
  }
}

/** Safe in untrusted notebooks: it only ever sets text. */
export const tableRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [TABLE_MIME],
  defaultRank: 10,
  createRenderer: () => new TableRenderer(),
};
