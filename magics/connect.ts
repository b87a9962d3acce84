import path from "node:path";
import { UsageError } from "../core/errors.js";
import type { Magic } from "./magic.js";
import { parseArgs, stringOption, type OptionSpecs } from "./options.js";

const OPTIONS: OptionSpecs = {
  as: { type: "string", help: "name of the connection (default: the engine kind)", metavar: "NAME" },
};

/** A path or URL as the engine needs it: local paths resolve against the notebook's folder. */
function resolveTarget(target: string, cwd: string): string {
  if (target === ":memory:" || /^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return target;
  return path.resolve(cwd, target);
}

/** `%connect KIND TARGET [--as NAME]`: opens a connection and makes it the default. */
export const connectMagic: Magic = {
  name: "connect",
  kind: "line",
  summary: "Connect to data: %connect duckdb PATH|:memory: or %connect spark thrift://HOST:PORT",
  options: OPTIONS,
  positionals: "KIND TARGET",
  async run(invocation, context) {
    const args = parseArgs("%connect", invocation.tokens, OPTIONS);
    const [kind, target, ...extra] = args.positionals;
    const kinds = context.session.connectorKinds;
    if (!kind || !target || extra.length > 0) {
      throw new UsageError("%connect needs an engine and a target", `Usage: %connect ${kinds.join("|")} PATH|URL [--as NAME], e.g. %connect duckdb data/patents`);
    }
    const name = stringOption(args, "as") ?? kind;
    const engine = await context.session.connect({ kind, target: resolveTarget(target, context.cwd), name });
    const catalog = await context.session.catalog(engine);
    context.display({
      kind: "text",
      text: `Connected '${name}' (${kind}) to ${engine.target}: ${catalog.tables.length} table(s): ${catalog.tables.map((t) => t.name).join(", ") || "none"}`,
    });
  },
};

/** `%tables`: the tables of a connection, with column counts. */
export const tablesMagic: Magic = {
  name: "tables",
  kind: "line",
  summary: "List the tables of a connection",
  options: { engine: { type: "string", help: "connection (default: current)", metavar: "NAME" } },
  async run(invocation, context) {
    const args = parseArgs("%tables", invocation.tokens, this.options);
    const engine = await context.session.engine(stringOption(args, "engine"));
    const catalog = await context.session.catalog(engine);
    context.display({
      kind: "records",
      title: `Tables of '${engine.name}' (${engine.dialect})`,
      columns: ["table", "columns"],
      rows: catalog.tables.map((t) => [t.name, t.columns.length]),
    });
  },
};

/** `%schema TABLE`: columns, types and nullability of one table. */
export const schemaMagic: Magic = {
  name: "schema",
  kind: "line",
  summary: "Show the columns and types of a table",
  options: { engine: { type: "string", help: "connection (default: current)", metavar: "NAME" } },
  positionals: "TABLE",
  async run(invocation, context) {
    const args = parseArgs("%schema", invocation.tokens, this.options);
    const [name, ...extra] = args.positionals;
    if (!name || extra.length > 0) throw new UsageError("%schema needs one table name", "Usage: %schema TABLE; %tables lists them.");
    const engine = await context.session.engine(stringOption(args, "engine"));
    const catalog = await context.session.catalog(engine);
    const table = catalog.tables.find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (!table) {
      throw new UsageError(`No table '${name}' in '${engine.name}'`, `Tables: ${catalog.tables.map((t) => t.name).join(", ") || "none"}.`);
    }
    context.display({
      kind: "records",
      title: `${table.name} (${engine.name})`,
      columns: ["column", "type", "nullable"],
      rows: table.columns.map((c) => [c.name, c.type, c.nullable ? "yes" : "no"]),
    });
  },
};
