import { csvText } from "../core/format.js";
import { UsageError } from "../core/errors.js";
import { PARQUET_MIME } from "../core/output.js";
import type { Magic } from "./magic.js";
import { flagOption, intOption, parseArgs, type OptionSpecs } from "./options.js";

const OPTIONS: OptionSpecs = {
  sort: { type: "int", help: "sort by the result's column at this position, counting from 0", metavar: "N" },
  desc: { type: "flag", help: "with --sort: highest first" },
  csv: { type: "flag", help: "the whole result (up to max_rows) as CSV, for a download" },
  parquet: { type: "flag", help: "the whole result (up to max_rows) as a Parquet file, for a download (DuckDB folder connections)" },
};

/**
 * `%page ID OFFSET LIMIT [--sort N [--desc]]`, `%page ID --csv` and `%page ID --parquet`: what the result viewer asks the kernel for. The
 * page query nests the result's SQL and runs through the checkers like any query (see session/pages.ts).
 */
export const pageMagic: Magic = {
  name: "page",
  kind: "line",
  summary: "One page of a shown result, sorted on the engine, or the whole result as CSV or Parquet (the result viewer uses it)",
  options: OPTIONS,
  positionals: "ID [OFFSET LIMIT]",
  async run(invocation, context) {
    const args = parseArgs("%page", invocation.tokens, OPTIONS);
    const [id, offsetText, limitText, ...rest] = args.positionals;
    const usage = "Use %page ID OFFSET LIMIT [--sort N [--desc]], %page ID --csv or %page ID --parquet, with the id a result table carries.";
    if (id === undefined || rest.length > 0) throw new UsageError("%page takes a result id, then a first row and a row count", usage);
    const { session } = context;
    if (flagOption(args, "parquet")) {
      context.display({ kind: "download", mime: PARQUET_MIME, bytes: await session.pages.parquet(session, id) });
      return;
    }
    if (flagOption(args, "csv")) {
      context.display({ kind: "download", mime: "text/csv", text: csvText(await session.pages.all(session, id)) });
      return;
    }
    if (offsetText === undefined || limitText === undefined || !/^\d+$/.test(offsetText) || !/^\d+$/.test(limitText)) {
      throw new UsageError("%page needs a first row and a row count, in digits", usage);
    }
    const sortColumn = intOption(args, "sort");
    const sort = sortColumn !== undefined ? { column: sortColumn, descending: flagOption(args, "desc") } : undefined;
    const page = await session.pages.page(session, id, { offset: Number(offsetText), limit: Number(limitText), ...(sort ? { sort } : {}) });
    context.display({ kind: "page", id, offset: page.offset, total: page.total, table: page.table });
  },
};
