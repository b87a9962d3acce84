/**
 * SQL in magic cells: registers a DuckDB and a Spark SQL language with JupyterLab's editor language registry
 * and gives each `%%sql` cell's editor the one its engine speaks (see magic-language.ts). The magic line stays
 * readable under SQL rules: `%%sql` reads as operators and a name, and its `--options` as a comment.
 */
import { PostgreSQL, SQLDialect, sql, type SQLDialectSpec } from "@codemirror/lang-sql";
import { CodeCell } from "@jupyterlab/cells";
import type { IEditorLanguageRegistry } from "@jupyterlab/codemirror";
import type { DocumentRegistry } from "@jupyterlab/docregistry";
import type { INotebookModel, NotebookPanel } from "@jupyterlab/notebook";
import type { IDisposable } from "@lumino/disposable";
import type { Dialect } from "../../core/engine.js";
import { magicCellMime, SQL_MIME } from "./magic-language.js";
import { METADATA_KEY, readBundle } from "./verdict-model.js";

/** Words DuckDB adds to PostgreSQL's SQL that a reader expects to see as keywords. */
const DUCKDB_KEYWORDS = "qualify pivot unpivot ilike glob summarize describe exclude replace positional asof anti semi sample struct";

/** Spark SQL: backquoted names, strings in either quote, backslash escapes (Spark's parser, `SqlBaseLexer`). */
const SPARK_SPEC: SQLDialectSpec = {
  keywords:
    "select from where group by having order limit offset join inner left right full outer cross semi anti on using as and or not in is null " +
    "like ilike rlike regexp between case when then else end distinct union all intersect except minus with over partition window rows range " +
    "lateral view explode cluster distribute sort tablesample true false asc desc nulls first last exists any some cast interval pivot unpivot qualify",
  types: "string varchar char boolean tinyint smallint int integer bigint float double decimal date timestamp timestamp_ntz binary array map struct",
  identifierQuotes: "`",
  doubleQuotedStrings: true,
  backslashEscapes: true,
};

const DIALECTS: Readonly<Record<Dialect, { readonly name: string; readonly dialect: SQLDialect }>> = {
  duckdb: { name: "DuckDB SQL", dialect: SQLDialect.define({ ...PostgreSQL.spec, keywords: `${PostgreSQL.spec.keywords ?? ""} ${DUCKDB_KEYWORDS}` }) },
  spark: { name: "Spark SQL", dialect: SQLDialect.define(SPARK_SPEC) },
};

/** Adds our two SQL languages to the editor registry. */
export function registerSqlLanguages(languages: IEditorLanguageRegistry): void {
  for (const [kind, { name, dialect }] of Object.entries(DIALECTS) as [Dialect, (typeof DIALECTS)[Dialect]][]) {
    languages.addLanguage({ name, mime: SQL_MIME[kind], support: sql({ dialect }) });
  }
}

/**
 * Keeps one notebook's magic cells in their body's language. The notebook sets every cell to its kernel's
 * language (on load, on a kernel change), so a cell is set back whenever its language or its first line changes.
 */
class NotebookSqlMode implements IDisposable {
  /** Each watched cell with the handler its signals call. */
  private readonly cells = new Map<CodeCell, () => void>();
  private disposed = false;

  constructor(private readonly panel: NotebookPanel) {
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
    for (const cell of this.cells.keys()) this.detach(cell);
    this.cells.clear();
  }

  private sync(): void {
    if (this.disposed) return;
    const present = new Set<CodeCell>();
    for (const cell of this.panel.content.widgets) {
      if (!(cell instanceof CodeCell)) continue;
      present.add(cell);
      if (this.cells.has(cell)) continue;
      const handler = (): void => this.apply(cell);
      this.cells.set(cell, handler);
      cell.model.contentChanged.connect(handler);
      cell.model.mimeTypeChanged.connect(handler);
      handler();
    }
    for (const cell of this.cells.keys()) {
      if (present.has(cell)) continue;
      this.detach(cell);
      this.cells.delete(cell);
    }
  }

  private detach(cell: CodeCell): void {
    const handler = this.cells.get(cell);
    if (cell.isDisposed || !handler) return;
    cell.model.contentChanged.disconnect(handler);
    cell.model.mimeTypeChanged.disconnect(handler);
  }

  private apply(cell: CodeCell): void {
    const { model } = cell;
    const read = readBundle(model.getMetadata(METADATA_KEY));
    const wanted = magicCellMime(model.sharedModel.getSource(), read.ok ? read.bundle.verdict.dialect : undefined) ?? this.panel.content.codeMimetype;
    if (model.mimeType !== wanted) model.mimeType = wanted;
  }
}

/** Gives every notebook panel its {@link NotebookSqlMode}. */
export class SqlModeExtension implements DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel> {
  createNew(panel: NotebookPanel): IDisposable {
    return new NotebookSqlMode(panel);
  }
}
