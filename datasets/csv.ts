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

/**
 * The record parser, fed text in chunks of any size: a record split across two chunks comes out whole. Used for a
 * streamed file (`readFields`) and for text already in memory (`parseDelimited`).
 */
class FieldParser {
  private field = "";
  private row: string[] = [];
  private inQuotes = false;
  private quotePending = false; // saw a quote inside quotes: either an escaped quote or the closing one
  private atFieldStart = true;
  private pendingCR = false;
  private preambleChecked: boolean;
  private skippingPreamble = false;
  private firstChunk = true;

  constructor(private readonly options: DelimitedOptions) {
    this.preambleChecked = options.skipPreamble === undefined;
  }

  /** The records completed by this chunk. */
  push(raw: string): string[][] {
    const records: string[][] = [];
    let chunk = raw;
    if (this.firstChunk) {
      this.firstChunk = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    let i = 0;
    if (!this.preambleChecked) {
      this.preambleChecked = true;
      this.skippingPreamble = chunk.startsWith(this.options.skipPreamble ?? "");
    }
    if (this.skippingPreamble) {
      const nl = chunk.indexOf("\n");
      if (nl < 0) return records;
      this.skippingPreamble = false;
      i = nl + 1;
    }
    const delim = this.options.delimiter;
    const n = chunk.length;
    for (; i < n; i++) {
      const c = chunk[i] as string;
      if (this.pendingCR) {
        this.pendingCR = false;
        if (c === "\n") continue;
      }
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === '"') {
            this.field += '"';
            continue;
          }
          this.inQuotes = false; // the quote closed the quoted part; fall through to handle c unquoted
        } else if (c === '"') {
          this.quotePending = true;
          continue;
        } else {
          this.field += c;
          continue;
        }
      }
      if (c === delim) {
        this.row.push(this.field);
        this.field = "";
        this.atFieldStart = true;
      } else if (c === "\n" || c === "\r") {
        this.row.push(this.field);
        this.field = "";
        this.atFieldStart = true;
        if (c === "\r") this.pendingCR = true;
        if (!(this.row.length === 1 && this.row[0] === "")) records.push(this.row);
        this.row = [];
      } else if (c === '"' && this.atFieldStart) {
        this.inQuotes = true;
        this.atFieldStart = false;
      } else {
        this.field += c;
        this.atFieldStart = false;
      }
    }
    return records;
  }

  /** The last record when the text does not end with a line break; `source` names the input in the error. */
  end(source: string): string[][] {
    if (this.inQuotes && !this.quotePending) {
      throw new UsageError(`${source}: the file ends inside a quoted field.`, "The file is truncated or not a CSV/TSV export; download it again.", { path: source });
    }
    if (this.field === "" && this.row.length === 0) return [];
    this.row.push(this.field);
    return [this.row];
  }
}

/** Yields the raw fields of each record. */
export async function* readFields(path: string, options: DelimitedOptions): AsyncGenerator<string[]> {
  const parser = new FieldParser(options);
  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 })) yield* parser.push(chunk as string);
  yield* parser.end(path);
}

/** The records of delimited text already in memory; `source` names it in errors. */
export function parseDelimited(text: string, options: DelimitedOptions, source = "the text"): string[][] {
  const parser = new FieldParser(options);
  return [...parser.push(text), ...parser.end(source)];
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
