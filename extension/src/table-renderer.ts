import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { PAGE_MIME, PARQUET_MIME, TABLE_MIME, type TableOutput } from "../../core/output.js";
import { readPage, readTable } from "./table-model.js";

/** A file the viewer downloads: the `%page` option that asks for it and how its content arrives in the bundle. */
interface DownloadFormat {
  readonly label: string;
  readonly option: string;
  readonly mime: string;
  readonly file: string;
  readonly decode: (content: string) => BlobPart;
}

const CSV: DownloadFormat = { label: "CSV", option: "--csv", mime: "text/csv", file: "result.csv", decode: (text) => text };
/** Jupyter carries binary output as base64 text. */
const PARQUET: DownloadFormat = {
  label: "Parquet",
  option: "--parquet",
  mime: PARQUET_MIME,
  file: "result.parquet",
  decode: (base64) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)),
};

/**
 * Runs a line of kernel code for the output at `node` (its notebook's kernel) without adding to the history, and
 * returns the MIME data it displayed; rejects with the kernel's error. Wired in index.ts.
 */
export type KernelRequest = (node: HTMLElement, code: string) => Promise<Readonly<Record<string, unknown>>>;

/** Where the viewer stands: the first row shown and the sort the engine applied. */
interface ViewState {
  offset: number;
  total: number | undefined;
  sort: { column: number; descending: boolean } | undefined;
  rows: readonly (readonly string[])[];
}

/**
 * A result table in JupyterLab: names with their SQL types in the header, the rows and the footer. When the kernel
 * can page the result, a toolbar pages it and a header click sorts it, both on the engine (`%page`); a cell click
 * copies its value; "Copy SQL" and "Download CSV" act on the whole result.
 */
export class TableRenderer extends Widget implements IRenderMime.IRenderer {
  private table: TableOutput | undefined;
  private state: ViewState = { offset: 0, total: undefined, sort: undefined, rows: [] };
  private readonly status = document.createElement("span");

  constructor(private readonly request: KernelRequest | undefined) {
    super();
    // JupyterLab's own table look (borders, zebra rows), as for an HTML table output.
    this.addClass("jp-RenderedHTMLCommon");
    this.addClass("sl-Table");
    this.status.className = "sl-Table-status";
    this.status.setAttribute("role", "status");
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const table = readTable(model.data[TABLE_MIME]);
    if (!table) {
      const error = document.createElement("p");
      error.textContent = "This StreamLink table could not be read. Run the cell again with a current StreamLink kernel.";
      this.node.replaceChildren(error);
      return;
    }
    this.table = table;
    this.state = { offset: 0, total: table.page?.total, sort: undefined, rows: table.rows };
    this.draw();
  }

  private get pageSize(): number {
    return Math.max(1, this.table?.rows.length ?? 1);
  }

  private draw(): void {
    const table = this.table;
    if (!table) return;
    const pageable = table.page !== undefined && this.request !== undefined;
    const head = document.createElement("tr");
    table.columns.forEach((column, c) => {
      const th = document.createElement("th");
      th.title = pageable ? `${column.type} · click to sort on the engine` : column.type;
      const name = document.createElement("span");
      name.textContent = column.name;
      const type = document.createElement("small");
      type.className = "sl-Table-type";
      type.textContent = column.type;
      th.append(name);
      if (this.state.sort?.column === c) th.append(` ${this.state.sort.descending ? "▼" : "▲"}`);
      th.append(document.createElement("br"), type);
      if (pageable) {
        th.classList.add("sl-Table-sortable");
        th.addEventListener("click", () => {
          const descending = this.state.sort?.column === c ? !this.state.sort.descending : false;
          void this.load(0, { column: c, descending });
        });
      }
      head.append(th);
    });
    const body = this.state.rows.map((row) => {
      const tr = document.createElement("tr");
      tr.append(...row.map((value) => {
        const td = document.createElement("td");
        td.textContent = value;
        td.title = "Click to copy";
        td.addEventListener("click", () => void this.copy(value, "value"));
        return td;
      }));
      return tr;
    });
    const element = document.createElement("table");
    element.createTHead().append(head);
    element.createTBody().append(...body);
    const footer = document.createElement("p");
    footer.className = "sl-Table-footer";
    footer.textContent = table.footer;
    this.node.replaceChildren(...(pageable ? [this.toolbar()] : []), element, footer);
  }

  private toolbar(): HTMLElement {
    const bar = document.createElement("div");
    bar.className = "sl-Table-toolbar";
    const button = (label: string, action: () => void, disabled = false): HTMLButtonElement => {
      const b = document.createElement("button");
      b.className = "jp-Button jp-mod-styled jp-mod-reject sl-Table-button";
      b.textContent = label;
      b.disabled = disabled;
      b.addEventListener("click", action);
      return b;
    };
    const { offset, total, rows } = this.state;
    const last = offset + rows.length;
    const range = document.createElement("span");
    range.className = "sl-Table-range";
    range.textContent = `rows ${rows.length === 0 ? 0 : offset + 1}–${last}${total !== undefined ? ` of ${total.toLocaleString("en-US")}` : ""}`;
    bar.append(
      button("◀ Previous", () => void this.load(Math.max(0, offset - this.pageSize), this.state.sort), offset === 0),
      range,
      button("Next ▶", () => void this.load(last, this.state.sort), total !== undefined ? last >= total : rows.length < this.pageSize),
      button("Copy SQL", () => void this.copy(this.table?.page?.sql ?? "", "SQL")),
      button("Download CSV", () => void this.download(CSV)),
      button("Download Parquet", () => void this.download(PARQUET)),
      this.status,
    );
    return bar;
  }

  /** Asks the kernel for rows `offset…` under `sort`; the engine sorts and cuts, the viewer only draws. */
  private async load(offset: number, sort: ViewState["sort"]): Promise<void> {
    const page = this.table?.page;
    if (!page || !this.request) return;
    this.status.textContent = "loading…";
    const order = sort ? ` --sort ${sort.column}${sort.descending ? " --desc" : ""}` : "";
    try {
      const data = await this.request(this.node, `%page ${page.id} ${offset} ${this.pageSize}${order}`);
      const answer = readPage(data[PAGE_MIME]);
      if (!answer) throw new Error("the kernel's answer is not a page");
      this.state = { offset: answer.offset, total: answer.total, sort, rows: answer.rows };
      this.status.textContent = "";
      this.draw();
    } catch (error) {
      this.status.textContent = String(error instanceof Error ? error.message : error);
    }
  }

  /** Asks the kernel for the whole result in `format` and hands the file to the browser. */
  private async download(format: DownloadFormat): Promise<void> {
    const page = this.table?.page;
    if (!page || !this.request) return;
    this.status.textContent = `preparing ${format.label}…`;
    try {
      const data = await this.request(this.node, `%page ${page.id} ${format.option}`);
      const content = data[format.mime];
      if (typeof content !== "string") throw new Error(`the kernel sent no ${format.label}`);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([format.decode(content)], { type: format.mime }));
      link.download = format.file;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      this.status.textContent = "";
    } catch (error) {
      this.status.textContent = String(error instanceof Error ? error.message : error);
    }
  }

  private async copy(text: string, what: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      this.status.textContent = `${what} copied`;
    } catch {
      this.status.textContent = `the browser did not allow copying the ${what}`;
    }
  }
}

/** Safe in untrusted notebooks: it only ever sets text, and runs only `%page` with the id the output carries. */
export function tableRendererFactory(request: KernelRequest | undefined): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [TABLE_MIME],
    defaultRank: 10,
    createRenderer: () => new TableRenderer(request),
  };
}
