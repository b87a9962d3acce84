import { writeFileSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../../core/errors.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { tableRows } from "../../evals/compare.js";
import { intOption, parseArgs, stringOption, usageOf } from "../../magics/options.js";
import { profileCatalog } from "../../models/profile.js";
import { DEFAULT_BUILD, SHIPPED_LIBRARIES, buildLibrary, genericTemplates, loadTemplateLibrary, shippedLibraryFile, type Template } from "../../adapt/index.js";
import { EXIT, type CommandIO } from "../io.js";
import { optionLines } from "./eval-common.js";

const OPTIONS = {
  db: { type: "string", help: "a folder of Parquet/CSV files or a .duckdb file", metavar: "PATH" },
  out: { type: "string", help: "the library to write: an examples file ({notes, examples}) that --examples and %%ask read", metavar: "FILE" },
  templates: { type: "string", help: "a template library JSON file (default: the shipped libraries whose tables the data has)", metavar: "FILE" },
  instances: { type: "int", help: `slot combinations tried per template (default ${DEFAULT_BUILD.instances})`, metavar: "N" },
  "timeout-s": { type: "int", help: `time limit for each query (default ${DEFAULT_BUILD.timeoutMs / 1000})`, metavar: "N" },
  help: { type: "flag", help: "show this help" },
} as const;

export const USAGE = `${usageOf("usage: streamlink adapt build", OPTIONS)}
Domain adaptation (paper §3.1): SQL templates over the data's schema (generic ones for any schema, plus a shipped
library such as adapt/library/patents.json when the data has its tables) are filled with values drawn from the
data and with several phrasings each; every query is run and only pairs that run and return rows are kept.
Writes --out and prints a JSON summary on stdout. Example:
  streamlink adapt build --db ../shared/data/patents/canonical --out adapt/built/patents-canonical.json
${optionLines(OPTIONS)}

\`streamlink adapt train --help\`: a LoRA adapter trained on such pairs.`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === "--help" || action === "-h") {
    io.stdout.write(`${USAGE}\n`);
    return action === undefined ? EXIT.usage : EXIT.ok;
  }
  // Training loads its own modules (the training environment's driver) only when asked for.
  if (action === "train") return (await import("./adapt-train.js")).run(rest, io);
  if (action !== "build") throw new UsageError(`Unknown adapt action '${action}'`, "Use: streamlink adapt build --db PATH --out FILE, or streamlink adapt train --pairs FILE --out DIR");
  const args = parseArgs("streamlink adapt build", rest, OPTIONS);
  if (args.options.get("help")) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const db = stringOption(args, "db");
  const out = stringOption(args, "out");
  if (!db || !out) throw new UsageError("adapt build needs --db and --out", "Example: streamlink adapt build --db ../shared/data/patents/canonical --out library.json");
  const engine = await duckdbConnector.connect({ kind: "duckdb", target: db, name: path.basename(path.resolve(db)) });
  try {
    const catalog = await engine.catalog();
    const profile = await profileCatalog(catalog, engine.dialect, async (sql) => tableRows((await engine.execute(sql, { maxRows: 100_000 })).table).rows);
    const tables = new Set(profile.tables.map((t) => t.name));
    const chosen = stringOption(args, "templates");
    const libraries = (chosen ? [chosen] : SHIPPED_LIBRARIES.map(shippedLibraryFile)).map(loadTemplateLibrary)
      .filter((l) => chosen !== undefined || l.tables.every((t) => tables.has(t)));
    const templates: Template[] = [...genericTemplates(profile), ...libraries.flatMap((l) => l.templates)];
    const timeout = intOption(args, "timeout-s");
    const library = await buildLibrary(engine, templates, {
      ...DEFAULT_BUILD,
      instances: intOption(args, "instances") ?? DEFAULT_BUILD.instances,
      timeoutMs: timeout === undefined ? DEFAULT_BUILD.timeoutMs : timeout * 1000,
    });
    const provenance = {
      builtBy: `streamlink adapt build --db ${db} --out ${out}`,
      data: path.resolve(db),
      templateFiles: libraries.map((l) => path.relative(process.cwd(), l.file)),
      genericTemplates: templates.length - libraries.reduce((n, l) => n + l.templates.length, 0),
      builtAt: new Date().toISOString(),
    };
    writeFileSync(out, `${JSON.stringify({ notes: [], provenance, summary: library.summary, examples: library.pairs }, null, 1)}\n`);
    io.stdout.write(`${JSON.stringify({ out, ...library.summary, provenance })}\n`);
    return EXIT.ok;
  } finally {
    await engine.close();
  }
}
