import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { ALLOWED_MEANS, VERDICT_MIME } from "../../core/verdict.js";
import { renderDetails } from "./details.js";
import { badgeFor, formatLocation, formatMs, readBundle } from "./verdict-model.js";

/**
 * Renders a `%%sql`/`%%ask` cell's verdict output compactly: one line with the verdict, one line per
 * finding, and the full details folded away. The output shows what ran, so it is never stale.
 */
export class VerdictRenderer extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass("sl-VerdictOutput");
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const read = readBundle(model.data[VERDICT_MIME]);
    this.node.replaceChildren();
    if (!read.ok) {
      const error = document.createElement("p");
      error.className = "sl-VerdictOutput-error";
      error.textContent = `This StreamLink verdict could not be read (${read.error}). Run the cell again with a current StreamLink kernel.`;
      this.node.append(error);
      return;
    }
    const { bundle } = read;
    const state = badgeFor(bundle, bundle.cellSource);
    const line = document.createElement("p");
    line.className = "sl-VerdictOutput-line";
    const pill = document.createElement("span");
    pill.className = "sl-Badge";
    pill.dataset["verdict"] = state.kind;
    pill.textContent = state.label;
    const meta = document.createElement("span");
    meta.className = "sl-VerdictOutput-meta";
    meta.textContent = ` ${bundle.verdict.checker} · ${bundle.verdict.dialect} · checked in ${formatMs(bundle.verdict.elapsedMs)}`;
    line.append(pill, meta);
    this.node.append(line);
    if (bundle.verdict.verdict === "allow") {
      const means = document.createElement("p");
      means.className = "sl-VerdictOutput-means";
      means.textContent = ALLOWED_MEANS;
      this.node.append(means);
    }
    if (bundle.verdict.findings.length > 0) {
      const list = document.createElement("ul");
      list.className = "sl-VerdictOutput-findings";
      for (const f of bundle.verdict.findings) {
        const item = document.createElement("li");
        const where = f.line === undefined ? "" : ` (${formatLocation(f)})`;
        item.textContent = `${f.severity} ${f.rule}: ${f.message}${where}${f.hint ? ` — ${f.hint}` : ""}`;
        list.append(item);
      }
      this.node.append(list);
    }
    const fold = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = bundle.verdict.sql === "" ? "Checks" : bundle.magic === "ask" ? "Generated SQL, checks and provenance" : "SQL and checks";
    fold.append(summary, renderDetails(bundle, bundle.cellSource));
    this.node.append(fold);
  }
}

/** Safe in untrusted notebooks: it only ever sets text. */
export const verdictRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [VERDICT_MIME],
  defaultRank: 10,
  createRenderer: () => new VerdictRenderer(),
};
