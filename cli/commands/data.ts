import { textColumns } from "../../core/embedder.js";
import { UsageError } from "../../core/errors.js";
import { defaultSampleDir, parseRowCount } from "../../datasets/index.js";
import { flagOption, intOption, parseArgs, stringOption } from "../../magics/options.js";
import { EXIT, type CommandIO } from "../io.js";

export const USAGE = `usage:
  streamlink data import patentsview DIR --out DIR
      PatentsView bulk tables (g_patent, g_patent_abstract, g_assignee_disambiguated, g_cpc_current,
      g_inventor_disambiguated; .tsv or .csv) and/or API query extracts in DIR → canonical Parquet in --out.
  streamlink data import google-patents FILE… --out DIR
      Google Patents search-result CSV exports → canonical Parquet in --out.
  streamlink data generate --rows N --out DIR [--seed S] [--sample DIR] [--chunk-rows N] [--overwrite]
      Synthetic patents learned from a real sample (default: the bundled canonical sample); N may be 10M, 1e8, …
  streamlink data embed --db PATH --table TABLE --on COL[,COL] --out DIR [--int8] [--overwrite] [--chunk-rows N]
      Precomputes the semantic filter's embeddings (the local embedding model) of TABLE's text columns into
      DIR/TABLE_embeddings_COLS/part-*.parquet (publication_number, embedding FLOAT[384] or TINYINT[384] with
      --int8, model), then DIR/TABLE_embeddings_COLS.duckdb, the same vectors as DuckDB fixed-size arrays (what
      a DuckDB connection to DIR ranks from). With DIR the data folder, \`--similar-to\` then ranks inside the
      engine. Resumes after the last part written; progress and rows/s on stderr.

Imports merge: every source imported into the same --out is kept in --out/.import/ and the canonical files
(patents.parquet, patent_cpc.parquet, patent_inventors.parquet) are rebuilt from all of them; a field comes from
the first source that has it, in the order PatentsView bulk → PatentsView query → Google Patents.`;

const IMPORT_OPTIONS = {
  out: { type: "string", help: "output folder for the canonical Parquet files", metavar: "DIR" },
  "memory-limit": { type: "string", help: "DuckDB memory limit for the merge, e.g. 2GB", metavar: "SIZE" },
  help: { type: "flag", help: "show this help" },
} as const;

const GENERATE_OPTIONS = {
  rows: { type: "string", help: "number of patents, e.g. 1000000, 10M, 1e8", metavar: "N" },
  out: { type: "string", help: "output folder", metavar: "DIR" },
  seed: { type: "int", help: "random seed (default 42)", metavar: "S" },
  sample: { type: "string", help: "real sample in the canonical schema to learn from", metavar: "DIR" },
  "chunk-rows": { type: "int", help: "rows per Parquet part (default 1000000)", metavar: "N" },
  threads: { type: "int", help: "DuckDB threads (default 2)", metavar: "N" },
  overwrite: { type: "flag", help: "replace generated tables already in --out" },
  help: { type: "flag", help: "show this help" },
} as const;

const EMBED_OPTIONS = {
  db: { type: "string", help: "the data: a folder of Parquet/CSV files or a .duckdb file", metavar: "PATH" },
  table: { type: "string", help: "table whose rows to embed", metavar: "TABLE" },
  on: { type: "string", help: "text columns, comma-separated (joined as the ranking joins them)", metavar: "COLS" },
  out: { type: "string", help: "folder that receives TABLE_embeddings_COLS/ (the data folder to rank in the engine)", metavar: "DIR" },
  int8: { type: "flag", help: "store int8 vectors (4x smaller)" },
  overwrite: { type: "flag", help: "start again instead of resuming" },
  "chunk-rows": { type: "int", help: "rows per Parquet part (default 4096)", metavar: "N" },
  help: { type: "flag", help: "show this help" },
} as const;

function requireOut(out: string | undefined): string {
  if (out === undefined) throw new UsageError("--out is required.", "Example: streamlink data import patentsview raw/ --out data/patents");
  return out;
}

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === "--help" || action === "-h") {
    io.stdout.write(`${USAGE}\n`);
    return action === undefined ? EXIT.usage : EXIT.ok;
  }
  if (action === "import") {
    const [source, ...more] = rest;
    const args = parseArgs(`streamlink data import ${source ?? ""}`.trim(), more, IMPORT_OPTIONS);
    if (flagOption(args, "help") || source === "--help") {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    const { importGooglePatents, importPatentsView } = await import("../../datasets/import.js");
    const memoryLimit = stringOption(args, "memory-limit");
    const options = { outDir: requireOut(stringOption(args, "out")), ...(memoryLimit !== undefined ? { memoryLimit } : {}) };
    let report;
    if (source === "patentsview") {
      if (args.positionals.length !== 1) throw new UsageError("import patentsview takes one folder.", "Example: streamlink data import patentsview raw/patentsview --out data/patents");
      report = await importPatentsView(args.positionals[0] as string, options);
    } else if (source === "google-patents") {
      report = await importGooglePatents(args.positionals, options);
    } else {
      throw new UsageError(`Unknown import source '${source ?? ""}'.`, "Use `data import patentsview DIR --out DIR` or `data import google-patents FILE… --out DIR`.");
    }
    for (const s of report.staged) {
      io.stdout.write(`staged ${s.kind}: ${s.counts.patents} patents, ${s.counts.cpc} CPC rows, ${s.counts.inventors} inventor rows` +
        `${s.counts.duplicates > 0 ? `, ${s.counts.duplicates} duplicate rows dropped` : ""}${s.counts.orphans > 0 ? `, ${s.counts.orphans} rows without a patent skipped` : ""}\n`);
    }
    io.stdout.write(`merged ${report.sources.length} source(s) into ${options.outDir}: patents ${report.rows.patents}, patent_cpc ${report.rows.patent_cpc}, patent_inventors ${report.rows.patent_inventors}` +
      ` (${report.conflicts} publications with conflicting fields resolved by source priority)\n`);
    if (report.untitled > 0) io.stderr.write(`warning: ${report.untitled} publications have no title in any source (written as '')\n`);
    if (report.undated > 0) io.stderr.write(`warning: ${report.undated} publications have no publication date in any source and were not written\n`);
    return EXIT.ok;
  }
  if (action === "generate") {
    const args = parseArgs("streamlink data generate", rest, GENERATE_OPTIONS);
    if (flagOption(args, "help")) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    const rowsText = stringOption(args, "rows");
    if (rowsText === undefined) throw new UsageError("--rows is required.", "Example: streamlink data generate --rows 1M --out data/synthetic");
    const { generatePatents } = await import("../../datasets/generator/generate.js");
    const seed = intOption(args, "seed");
    const chunkRows = intOption(args, "chunk-rows");
    const threads = intOption(args, "threads");
    const report = await generatePatents({
      rows: parseRowCount(rowsText),
      outDir: requireOut(stringOption(args, "out")),
      sampleDir: stringOption(args, "sample") ?? defaultSampleDir(),
      overwrite: flagOption(args, "overwrite"),
      ...(seed !== undefined ? { seed } : {}),
      ...(chunkRows !== undefined ? { chunkRows } : {}),
      ...(threads !== undefined ? { threads } : {}),
      onProgress: (done, total) => io.stderr.write(`\r${done}/${total} rows`),
    });
    io.stderr.write("\n");
    io.stdout.write(`generated ${report.rows["patents"]} patents, ${report.rows["patent_cpc"]} CPC rows, ${report.rows["patent_inventors"]} inventor rows in ${report.files} files, ` +
      `${report.seconds.toFixed(1)} s (${Math.round(report.rowsPerSecond)} patents/s, seed ${report.seed})\n`);
    return EXIT.ok;
  }
  if (action === "embed") {
    const args = parseArgs("streamlink data embed", rest, EMBED_OPTIONS);
    if (flagOption(args, "help")) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    const db = stringOption(args, "db");
    const table = stringOption(args, "table");
    const on = textColumns(stringOption(args, "on"));
    if (db === undefined || table === undefined || on.length === 0) {
      throw new UsageError("data embed needs --db, --table and --on.", "Example: streamlink data embed --db data/patents --table patents --on title,abstract --out data/patents");
    }
    const { createSession } = await import("../../kernel/compose.js");
    const { embedTable } = await import("../../datasets/embed.js");
    const session = createSession();
    try {
      await session.connect({ kind: "duckdb", target: db, name: "duckdb" });
      const chunkRows = intOption(args, "chunk-rows");
      const report = await embedTable({
        session,
        embedder: await session.embedder(),
        table,
        on,
        outDir: requireOut(stringOption(args, "out")),
        int8: flagOption(args, "int8"),
        overwrite: flagOption(args, "overwrite"),
        ...(chunkRows !== undefined ? { chunkRows } : {}),
        onProgress: (done, total, rate) => io.stderr.write(`\r${progressBar(done, total)} ${done}/${total} rows, ${Math.round(rate)} rows/s`),
      });
      io.stderr.write("\n");
      io.stdout.write(`embedded ${report.rows} rows into ${report.folder}${report.resumed > 0 ? ` (${report.resumed} from an earlier run)` : ""}, ${report.seconds.toFixed(1)} s (${Math.round(report.rowsPerSecond)} rows/s)\n`);
    } finally {
      await session.close();
    }
    return EXIT.ok;
  }
  throw new UsageError(`Unknown data action '${action}'.`, "Use `streamlink data import …`, `streamlink data generate …` or `streamlink data embed …` (see `streamlink data --help`).");
}

function progressBar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}
