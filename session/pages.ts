/**
 * Paging and sorting of a shown result, pushed down to the engine: the result's checked SQL is nested as a subquery
 * and the page query (ORDER BY a column position, LIMIT, OFFSET) runs through the session like any other query, so
 * the checkers judge it. Results are known by an id the kernel hands to the viewer with the table.
 */
import { randomUUID } from "node:crypto";
import type { Table } from "apache-arrow";
import { UsageError } from "../core/errors.js";
import type { RowWindow } from "../core/verdict.js";
import type { Dialect } from "../core/engine.js";
import type { Session } from "./session.js";

/** Results remembered for paging; the oldest are forgotten first (their viewer then asks to run the cell again). */
const REMEMBERED = 200;
/** Rows one page may hold. */
export const MAX_PAGE_ROWS = 1000;
/** Which rows of a result a page shows, sorted by the result's column at `sort.column` (0-based). */
export type PageRequest = RowWindow;

export interface Page {
  readonly table: Table;
  readonly offset: number;
  /** Rows of the whole result, counted once on the engine. */
  readonly total: number;
}

interface Source {
  readonly sql: string;
  readonly engine: string;
  readonly columns: number;
  total?: Promise<number>;
}

export class ResultPages {
  private readonly sources = new Map<string, Source>();

  /** Remembers a shown result's SQL (as the user wrote it) and connection; returns its id. */
  register(sql: string, engine: string, columns: number): string {
    const id = randomUUID();
    this.sources.set(id, { sql, engine, columns });
    for (const old of this.sources.keys()) {
      if (this.sources.size <= REMEMBERED) break;
      this.sources.delete(old);
    }
    return id;
  }

  /** One page of a remembered result, sorted as asked, read from the engine. */
  async page(session: Session, id: string, request: PageRequest): Promise<Page> {
    const source = this.source(id);
    const { offset, limit, sort } = request;
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_ROWS) {
      throw new UsageError(`A page starts at a row number of 0 or more and holds 1 to ${MAX_PAGE_ROWS} rows`, "Use %page ID OFFSET LIMIT, e.g. %page ID 20 20.");
    }
    if (sort && (!Number.isSafeInteger(sort.column) || sort.column < 0 || sort.column >= source.columns)) {
      throw new UsageError(`The result has ${source.columns} column${source.columns === 1 ? "" : "s"}; --sort takes 0 to ${source.columns - 1}`, "Sort by a column position of the result, counting from 0.");
    }
    const sql = await this.nested(source, (dialect) => session.rowWindow(source.sql, request, dialect), session);
    // One after the other: a connection runs one query at a time.
    const total = await this.total(session, source);
    const { result } = await session.run(sql, { engine: source.engine, maxRows: limit });
    return { table: result.table, offset, total };
  }

  /** The whole result again (up to `max_rows`), for a download. */
  async all(session: Session, id: string): Promise<Table> {
    const source = this.source(id);
    return (await session.run(source.sql, { engine: source.engine })).result.table;
  }

  /**
   * The whole result again (up to `max_rows`) as a Parquet file's bytes, written by the engine from the checked
   * query; an engine that cannot hand the kernel a file says so.
   */
  async parquet(session: Session, id: string): Promise<Uint8Array> {
    const source = this.source(id);
    const sql = await this.nested(source, (dialect) => session.rowWindow(source.sql, { offset: 0, limit: session.config.max_rows }, dialect), session);
    return session.exportParquet(sql, { engine: source.engine });
  }

  private source(id: string): Source {
    const source = this.sources.get(id);
    if (!source) throw new UsageError("This result is no longer known to the kernel", "Run the cell again to page, sort or download its result.", { id });
    return source;
  }

  /** A query around the result's, built on its parse tree in its engine's dialect. */
  private async nested(source: Source, build: (dialect: Dialect) => Promise<string | undefined>, session: Session): Promise<string> {
    const sql = await build((await session.engine(source.engine)).dialect);
    if (sql === undefined) {
      throw new UsageError("This result's SQL cannot be read again to page or sort it", "Add LIMIT/ORDER BY to the query itself and run the cell again.", { sql: source.sql });
    }
    return sql;
  }

  private total(session: Session, source: Source): Promise<number> {
    source.total ??= this.nested(source, (dialect) => session.rowCount(source.sql, dialect), session)
      .then((sql) => session.run(sql, { engine: source.engine, maxRows: 1 }))
      .then(({ result }) => Number(result.table.getChildAt(0)?.get(0) ?? 0));
    source.total.catch(() => { source.total = undefined; });
    return source.total;
  }
}
