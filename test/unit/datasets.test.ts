import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../core/errors.js";
import { readFields, readRecords } from "../../datasets/csv.js";
import { firstGoogleAssignee, splitGoogleInventors, splitPublicationId } from "../../datasets/google-patents.js";
import { Rng, Weighted } from "../../datasets/generator/random.js";
import { BigramModel, sentencesOf } from "../../datasets/generator/text-model.js";
import { parseRowCount } from "../../datasets/index.js";
import { inferredKind, normaliseUsNumber, pvKind, unquoteTwiceQuoted } from "../../datasets/patentsview.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sl-datasets-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fields(content: string, delimiter = ",", skipPreamble?: string): Promise<string[][]> {
  const file = path.join(dir, `f${Math.random().toString(36).slice(2)}.csv`);
  await writeFile(file, content);
  const out: string[][] = [];
  for await (const row of readFields(file, { delimiter, ...(skipPreamble ? { skipPreamble } : {}) })) out.push(row);
  return out;
}

describe("delimited reader (Python csv semantics)", () => {
  it.each([
    ["plain", "a,b\n1,2\n", [["a", "b"], ["1", "2"]]],
    ["quoted comma and newline", 'a,b\n"x, y","line1\nline2"\n', [["a", "b"], ["x, y", "line1\nline2"]]],
    ["doubled quotes", 'a\n"say ""hi"""\n', [["a"], ['say "hi"']]],
    ["twice-quoted field survives one level", 'a\n""" A """"B"""" C """\n', [["a"], ['" A ""B"" C "']]],
    ["text after a closing quote is kept", 'a\n"ab"cd\n', [["a"], ["abcd"]]],
    ["quote inside an unquoted field is literal", 'a\nab"cd\n', [["a"], ['ab"cd']]],
    ["CRLF line ends", "a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]]],
    ["BOM and no final newline", "\ufeffa,b\n1,", [["a", "b"], ["1", ""]]],
    ["empty fields", ",,\n", [["", "", ""]]],
  ])("%s", async (_name, content, expected) => {
    expect(await fields(content)).toEqual(expected);
  });

  it("reads tab-separated PatentsView files", async () => {
    expect(await fields('patent_id\tpatent_title\n"0123"\t"A, b"\n', "\t")).toEqual([["patent_id", "patent_title"], ["0123", "A, b"]]);
  });

  it("skips a Google export's search-URL preamble, only when present", async () => {
    expect(await fields("search URL:,https://x?q=1\nid,title\nUS-1-A,T\n", ",", "search URL:")).toEqual([["id", "title"], ["US-1-A", "T"]]);
    expect(await fields("id,title\nUS-1-A,T\n", ",", "search URL:")).toEqual([["id", "title"], ["US-1-A", "T"]]);
  });

  it("rejects a file that ends inside a quoted field", async () => {
    await expect(fields('a\n"unterminated\n')).rejects.toThrow(UsageError);
  });

  it("names the missing columns of a wrong file", async () => {
    const file = path.join(dir, "wrong.csv");
    await writeFile(file, "x,y\n1,2\n");
    const read = async () => {
      for await (const _ of readRecords(file, { delimiter: "," }, ["patent_id", "y"])) void _;
    };
    await expect(read()).rejects.toThrow(/missing column\(s\) patent_id/);
  });
});

describe("PatentsView mapping rules", () => {
  it.each([
    ["10001996", "10001996"],
    ["05255349", "5255349"],
    ["D515086", "D515086"],
    ["RE039501", "RE39501"],
    ["H002215", "H2215"],
    ["H0014150", "H1415"],
    ["PP012345", "PP12345"],
  ])("number %s → %s", (raw, expected) => {
    expect(normaliseUsNumber(raw)).toBe(expected);
  });

  it("rejects an id that is no patent number, with a hint", () => {
    expect(() => normaliseUsNumber("not-a-number")).toThrow(UsageError);
  });

  it("writes USPTO XML kinds as Google does", () => {
    expect([pvKind("S1"), pvKind("E1"), pvKind("B2"), pvKind(" ")]).toEqual(["S", "E", "B2", null]);
  });

  it.each([
    ["RE39501", "2005-01-01", "E"],
    ["H1415", "1995-02-07", "H"],
    ["D515086", "2006-01-01", "S"],
    ["5067095", "1991-11-19", "A"],
    ["6000000", "2001-01-02", null],
    ["6000000", null, null],
  ])("kind of %s granted %s is %s", (number, date, kind) => {
    expect(inferredKind(number, date)).toBe(kind);
  });

  it("undoes the query extract's double quoting", () => {
    expect(unquoteTwiceQuoted('" A ""Barometer"" Neuron "')).toBe('A "Barometer" Neuron');
    expect(unquoteTwiceQuoted("  plain  ")).toBe("plain");
  });
});

describe("Google Patents cells", () => {
  it.each([
    ["Hitachi, Ltd., Sony Corporation", "Hitachi, Ltd."],
    ["Rutgers, The State University Of New Jersey, Acme Inc.", "Rutgers, The State University Of New Jersey"],
    ["Acme, A Delaware Corporation, Other Co", "Acme, A Delaware Corporation"],
    ["Smith, Iii Julius O.", "Smith, Iii Julius O."],
    ["Google Inc.", "Google Inc."],
    ["", null],
  ])("first assignee of %j is %j", (cell, first) => {
    expect(firstGoogleAssignee(cell)).toBe(first);
  });

  it("splits inventors, keeps Jr. with its name and drops repeats", () => {
    expect(splitGoogleInventors("Robert W. Thompson, Jr., Nobuyoshi Wada, Nobuyoshi Wada")).toEqual(["Robert W. Thompson, Jr.", "Nobuyoshi Wada"]);
    expect(splitGoogleInventors("  ")).toEqual([]);
  });

  it("splits publication ids and rejects malformed ones", () => {
    expect(splitPublicationId("US-2015112182-A1")).toEqual({ country: "US", number: "2015112182", kind: "A1" });
    expect(splitPublicationId("US-9043738")).toEqual({ country: "US", number: "9043738", kind: null });
    expect(() => splitPublicationId("garbage")).toThrow(UsageError);
  });
});

describe("generator building blocks", () => {
  it("the PRNG is deterministic for a seed and differs between seeds", () => {
    const a = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(7)));
    const b = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(7)));
    const c = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(8)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("slot tables follow the weights", () => {
    const slots = new Weighted([["a", 3], ["b", 1], ["zero", 0]] as const).toSlots(1000);
    expect(slots).toHaveLength(1000);
    expect(slots.filter((s) => s === "a")).toHaveLength(750);
    expect(slots).not.toContain("zero");
  });

  it("sampling follows the weights", () => {
    const w = new Weighted([["x", 9], ["y", 1]] as const);
    const rng = new Rng(1);
    const xs = Array.from({ length: 10000 }, () => w.sample(rng)).filter((v) => v === "x").length;
    expect(xs / 10000).toBeGreaterThan(0.88);
    expect(xs / 10000).toBeLessThan(0.92);
  });

  it("the bigram model writes only transitions it has seen", () => {
    const model = new BigramModel(sentencesOf("Neural network training. Neural network inference."), 10);
    const rng = new Rng(3);
    for (let k = 0; k < 20; k++) expect(["Neural network training.", "Neural network inference."]).toContain(model.sentence(rng));
  });

  it.each([
    ["1000", 1000],
    ["10M", 10_000_000],
    ["2.5k", 2500],
    ["1e8", 100_000_000],
    ["100_000_000", 100_000_000],
  ])("row count %s = %d", (text, n) => {
    expect(parseRowCount(text)).toBe(n);
  });

  it.each(["0", "-5", "ten", "1.5"])("row count %s is refused with a hint", (text) => {
    expect(() => parseRowCount(text)).toThrow(UsageError);
  });
});
