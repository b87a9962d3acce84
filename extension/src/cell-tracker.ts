import { CodeCell } from "@jupyterlab/cells";
import type { NotebookPanel } from "@jupyterlab/notebook";
import type { IDisposable } from "@lumino/disposable";

/**
 * One object per code cell of a notebook, created when the cell appears and disposed when it goes: what the
 * badges and the SQL mode both need, so that neither has to follow the notebook's cell list itself.
 */
export class CodeCellTracker<T extends IDisposable> implements IDisposable {
  readonly cells = new Map<CodeCell, T>();
  private disposed = false;

  constructor(
    private readonly panel: NotebookPanel,
    private readonly attach: (cell: CodeCell) => T,
    /** Called after each pass over the cells (e.g. to redraw a summary of them). */
    private readonly synced: () => void = () => undefined,
  ) {
    panel.content.model?.cells.changed.connect(this.sync, this);
    void panel.context.ready.then(() => this.sync());
    this.sync();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.panel.content.model?.cells.changed.disconnect(this.sync, this);
    for (const item of this.cells.values()) item.dispose();
    this.cells.clear();
  }

  private sync(): void {
    if (this.disposed) return;
    const present = new Set<CodeCell>();
    for (const cell of this.panel.content.widgets) {
      if (!(cell instanceof CodeCell)) continue;
      present.add(cell);
      if (!this.cells.has(cell)) this.cells.set(cell, this.attach(cell));
    }
    for (const [cell, item] of this.cells) {
      if (present.has(cell)) continue;
      item.dispose();
      this.cells.delete(cell);
    }
    this.synced();
  }
}
