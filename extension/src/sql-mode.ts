/**
 * SQL in magic cells: registers a DuckDB and a Spark SQL language with JupyterLab's editor language registry
 * and gives each `%%sql` cell's editor the one its engine speaks (see magic-language.ts). The magic line stays
 * readable under SQL rules: `%%sql` reads as operators and a name, and its `--options` as a comment.
 */
import { PostgreSQL, SQLDialect, sql, type SQLDialectSpec } from "@codemirror/lang-sql";
import type { CodeCell } from "@jupyterlab/cells";
import type { IEditorLanguageRegistry } from "@jupyterlab/codemirror";
import type { DocumentRegistry } from "@jupyterlab/docregistry";
import type { INotebookModel, NotebookPanel } from "@jupyterlab/notebook";
import type { IDisposable } from "@lumino/disposable";
import type { Dialect } from "../../core/engine.js";
import { CodeCellTracker } from "./cell-tracker.js";
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
 * Keeps one magic cell in its body's language. The notebook sets every cell to its kernel's language (on load,
 * on a kernel change), so the cell is set back whenever its language or its first line changes.
 */
class CellSqlMode implements IDisposable {
  private disposed = false;

  constructor(
    private readonly cell: CodeCell,
    private readonly notebookMime: () => string,
  ) {
    cell.model.contentChanged.connect(this.apply, this);
    cell.model.mimeTypeChanged.connect(this.apply, this);
    this.apply();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.cell.isDisposed) return;
    this.cell.model.contentChanged.disconnect(this.apply, this);
    this.cell.model.mimeTypeChanged.disconnect(this.apply, this);
  }

  private apply(): void {
    const { model } = this.cell;
    const read = readBundle(model.getMetadata(METADATA_KEY));
    const wanted = magicCellMime(model.sharedModel.getSource(), read.ok ? read.bundle.verdict.dialect : undefined) ?? this.notebookMime();
    if (model.mimeType !== wanted) model.mimeType = wanted;
  }
}

/** Gives every notebook panel its {@link NotebookSqlMode}. */
export class SqlModeExtension implements DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel> {
  createNew(panel: NotebookPanel): IDisposable {
    return new CodeCellTracker(panel, (cell) => new CellSqlMode(cell, () => panel.content.codeMimetype));
  }
}
