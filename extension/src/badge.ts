import { Widget } from "@lumino/widgets";
import type { BadgeKind, BadgeState } from "./verdict-model.js";

const ICONS: Record<BadgeKind, string> = {
  allowed: "✓",
  warnings: "⚠",
  "run-failed": "✕",
  "blocked-security": "✕",
  "blocked-syntax": "✕",
  "blocked-policy": "✕",
};

/**
 * The verdict badge shown above a cell's input: a real button (keyboard and screen readers reach it)
 * whose text says the verdict, so colour is never the only signal.
 */
export class VerdictBadge extends Widget {
  private readonly button: HTMLButtonElement;
  private readonly icon: HTMLSpanElement;
  private readonly text: HTMLSpanElement;

  constructor(onActivate: () => void) {
    super();
    this.addClass("sl-BadgeRow");
    this.button = document.createElement("button");
    this.button.type = "button";
    this.button.className = "sl-Badge";
    this.icon = document.createElement("span");
    this.icon.className = "sl-Badge-icon";
    this.icon.setAttribute("aria-hidden", "true");
    this.text = document.createElement("span");
    this.text.className = "sl-Badge-text";
    this.button.append(this.icon, this.text);
    this.button.addEventListener("click", onActivate);
    this.node.append(this.button);
    this.hide();
  }

  /** Shows `state`, or hides the badge when there is nothing to show. */
  render(state: BadgeState | undefined): void {
    if (state === undefined) {
      this.hide();
      return;
    }
    this.button.dataset["verdict"] = state.kind;
    this.button.dataset["stale"] = String(state.stale);
    this.icon.textContent = state.stale ? "↻" : ICONS[state.kind];
    this.text.textContent = state.label;
    this.button.title = state.description;
    this.button.setAttribute("aria-label", state.description);
    this.show();
  }
}
