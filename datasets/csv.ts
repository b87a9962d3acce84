/**
 * Streaming reader for the delimited files patent offices publish (RFC 4180 CSV, PatentsView's quoted TSV).
 *
 * Records are parsed as they are read, so a 10 GB bulk table never sits in memory. Quoting follows Python's
 * `csv` module (the reference build uses it): `""` inside quotes is one quote, text after a closing quote is kept,
 * and a quote inside an unquoted field is an ordinary character.
 */
import { createReadStream } from "node:fs";
import { UsageError } from "../core/errors.js";

export interface DelimitedOptions {
  /** Field separator; `,` for CSV, a tab for PatentsView's `.tsv`. */
  readonly delimiter: string;
  /** Skip the first line when it starts with this prefix (Google exports begin with `search URL:,…`). */
  readonly skipPreamble?: string;
}

/** A record keyed by the header's column names; columns the line lacks are `""`, as Python's DictReader gives None→"" here. */
export type CsvRecord = Readonly<Record<string, string>>;

/** The delimiter that a file name implies (`.tsv` → tab, otherwise comma). */
export function delimiterFor(path: string): string {
  return path.toLowerCase().endsWith(".tsv") ? "\t" : ",";
}

/** Yields the raw fields of each record. */
export async function* readFields(path: string, options: DelimitedOptions): AsyncGenerator<string[]> {
  const delim = options.delimiter;
  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 });
  let field = "";
  let row: string[] = [];
  let inQuotes = false;
  let quotePending = false; // saw a quote inside quotes: either an escaped quote or the closing one
  let atFieldStart = true;
  let pendingCR = false;
  let preambleChecked = options.skipPreamble === undefined;
  let skippingPreamble = false;
  let firstChunk = true;

  for await (const raw of stream) {
    let chunk = raw as string;
    if (firstChunk) {
      firstChunk = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    let i = 0;
    if (!preambleChecked) {
      preambleChecked = true;
      skippingPreamble = chunk.startsWith(options.skipPreamble ?? "");
    }
    if (skippingPreamble) {
      const nl = chunk.indexOf("\n");
      if (nl < 0) continue;
      skippingPreamble = false;
      i = nl + 1;
    }
    const n = chunk.length;
    for (; i < n; i++) {
      const c = chunk[i] as string;
      if (pendingCR) {
        pendingCR = false;
        if (c === "\n") continue;
      }
      if (inQuotes) {
        if (quotePending) {
          quotePending = false;
          if (c === '"') {
            field += '"';
            continue;
          }
          inQuotes = false; // the quote closed the quoted part; fall through to handle c unquoted
        } else if (c === '"') {
          quotePending = true;
          continue;
        } else {
          field += c;
          continue;
        }
      }
      if (c === delim) {
        row.push(field);
        field = "";
        atFieldStart = true;
      } else if (c === "\n" || c === "\r") {
        row.push(field);
        field = "";
        atFieldStart = true;
        if (c === "\r") pendingCR = true;
        if (!(row.length === 1 && row[0] === "")) yield row;
        row = [];
      } else if (c === '"' && atFieldStart) {
        inQuotes = true;
        atFieldStart = false;
      } else {
        field += c;
        atFieldStart = false;
      }
    }
  }
  if (inQuotes && !quotePending) {
    throw new UsageError(`${path}: the file ends inside a quoted field.`, "The file is truncated or not a CSV/TSV export; download it again.", { path });
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    yield row;
  }
}

/** Yields records keyed by the header line; fails with a hint when required columns are missing. */
export async function* readRecords(path: string, options: DelimitedOptions, required: readonly string[] = []): AsyncGenerator<CsvRecord> {
  let header: string[] | undefined;
  for await (const fields of readFields(path, options)) {
    if (header === undefined) {
      header = fields.map((h) => h.trim());
      const missing = required.filter((r) => !header?.includes(r));
      if (missing.length > 0) {
        throw new UsageError(`${path}: missing column(s) ${missing.join(", ")}.`, `Expected a header with ${required.join(", ")}; check that this is the right file.`, { path, missing, header });
      }
      continue;
    }
    const rec: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) rec[header[i] as string] = fields[i] ?? "";
    yield rec;
  }
}

/** Reads only the header line (to recognise what a file is). */
export async function readHeader(path: string, options: DelimitedOptions): Promise<string[]> {
  for await (const fields of readFields(path, options)) return fields.map((h) => h.trim());
  return [];
}
