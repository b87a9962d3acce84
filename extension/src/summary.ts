import { Widget } from "@lumino/widgets";
import { formatSummary, type VerdictSummary } from "./verdict-model.js";

/** The notebook toolbar's count of allowed, blocked and stale cells; announced politely when it changes. */
export class VerdictSummaryItem extends Widget {
  constructor() {
    super();
    this.addClass("sl-Summary");
    this.node.setAttribute("role", "status");
    this.node.setAttribute("aria-live", "polite");
    this.render({ allowed: 0, warnings: 0, blocked: 0, failed: 0, stale: 0 });
  }

  render(summary: VerdictSummary): void {
    this.node.textContent = formatSummary(summary);
    this.node.dataset["blocked"] = String(summary.blocked);
    this.node.dataset["stale"] = String(summary.stale);
  }
}
