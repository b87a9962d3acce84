import type { CodeCell } from "@jupyterlab/cells";
import type { DocumentRegistry } from "@jupyterlab/docregistry";
import type { INotebookModel, NotebookPanel } from "@jupyterlab/notebook";
import type { IDisposable } from "@lumino/disposable";
import type { PanelLayout } from "@lumino/widgets";
import type { VerdictBundle } from "../../core/verdict.js";
import { VerdictBadge } from "./badge.js";
import { CodeCellTracker } from "./cell-tracker.js";
import { showVerdictDetails } from "./details.js";
import type { SettingsState } from "./settings.js";
import { VerdictSummaryItem } from "./summary.js";
import {
  METADATA_KEY,
  badgeFor,
  isBadgeVisible,
  latestBundle,
  readBundle,
  sameBundle,
  summarize,
  type BadgeState,
} from "./verdict-model.js";

/**
 * One code cell's verdict. The cell's metadata is the single source of what the badge shows: a verdict
 * published in the outputs is copied there first, so the saved notebook shows the same badge without a kernel.
 */
class CellVerdict implements IDisposable {
  private readonly badge: VerdictBadge;
  private bundle: VerdictBundle | undefined;
  private current: BadgeState | undefined;
  private disposed = false;

  constructor(
    private readonly cell: CodeCell,
    private readonly settings: SettingsState,
    private readonly onChange: () => void,
  ) {
    this.badge = new VerdictBadge(() => void this.openDetails());
    // Right after the cell header, before the input: read before the SQL, never covered by the cell toolbar.
    (cell.layout as PanelLayout).insertWidget(1, this.badge);
    cell.model.outputs.changed.connect(this.onOutputs, this);
    cell.model.contentChanged.connect(this.refresh, this);
    cell.model.metadataChanged.connect(this.refresh, this);
    this.onOutputs();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The badge this cell shows now (hidden or not), or undefined when it has no verdict. */
  get state(): BadgeState | undefined {
    return this.current;
  }

  /** Re-draws after a settings change. */
  refresh(): void {
    const read = readBundle(this.cell.model.getMetadata(METADATA_KEY));
    this.bundle = read.ok ? read.bundle : undefined;
    this.current = this.bundle && badgeFor(this.bundle, this.cell.model.sharedModel.getSource());
    this.badge.render(this.current && isBadgeVisible(this.current, this.settings.value) ? this.current : undefined);
    this.onChange();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.cell.isDisposed) {
      this.cell.model.outputs.changed.disconnect(this.onOutputs, this);
      this.cell.model.contentChanged.disconnect(this.refresh, this);
      this.cell.model.metadataChanged.disconnect(this.refresh, this);
    }
    this.badge.dispose();
  }

  private onOutputs(): void {
    const published = latestBundle(this.cell.model.outputs.toJSON());
    if (published && !sameBundle(this.cell.model.getMetadata(METADATA_KEY), published)) {
      this.cell.model.setMetadata(METADATA_KEY, published);
    }
    this.refresh();
  }

  private async openDetails(): Promise<void> {
    if (this.bundle) await showVerdictDetails(this.bundle, this.cell.model.sharedModel.getSource());
  }
}

/** The badges of one notebook and its toolbar summary. */
export class NotebookVerdicts implements IDisposable {
  /** The toolbar item; placed by the toolbar registry (see `schema/plugin.json`). */
  readonly summary = new VerdictSummaryItem();
  private readonly tracker: CodeCellTracker<CellVerdict>;
  private disposed = false;

  constructor(
    panel: NotebookPanel,
    private readonly settings: SettingsState,
  ) {
    this.tracker = new CodeCellTracker(panel, (cell) => new CellVerdict(cell, settings, () => this.updateSummary()), () => this.updateSummary());
    settings.changed.connect(this.refreshAll, this);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.settings.changed.disconnect(this.refreshAll, this);
    this.tracker.dispose();
  }

  private refreshAll(): void {
    for (const verdict of this.tracker.cells.values()) verdict.refresh();
    this.updateSummary();
  }

  private updateSummary(): void {
    // The first cells report before the tracker exists (it attaches them while it is being built).
    const states = [...(this.tracker?.cells.values() ?? [])].flatMap((v) => (v.state ? [v.state] : []));
    this.summary.render(summarize(states));
    this.summary.setHidden(!this.settings.value.showSummary);
  }
}

/** Gives every notebook panel its {@link NotebookVerdicts}, created by whichever asks first. */
export class VerdictNotebookExtension implements DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel> {
  private readonly byPanel = new WeakMap<NotebookPanel, NotebookVerdicts>();

  constructor(private readonly settings: SettingsState) {}

  createNew(panel: NotebookPanel): IDisposable {
    return this.forPanel(panel);
  }

  /** The verdicts of `panel`; the toolbar factory may ask before `createNew` runs. */
  forPanel(panel: NotebookPanel): NotebookVerdicts {
    const existing = this.byPanel.get(panel);
    if (existing) return existing;
    const created = new NotebookVerdicts(panel, this.settings);
    this.byPanel.set(panel, created);
    return created;
  }
}
