import { describe, expect, it } from "vitest";
import { candidateTerms, identifierHints, linkValues, renderLinks } from "../../models/linking.js";
import type { SchemaProfile } from "../../models/profile.js";
import { quoteValue } from "../../models/values.js";
import { editDistance } from "../../models/fuzzy.js";

const profile: SchemaProfile = {
  dialect: "duckdb",
  tables: [{
    name: "patents",
    rowCount: 100,
    columns: [
      { name: "publication_number", type: "VARCHAR", kind: "identifier", samples: [] },
      { name: "country", type: "VARCHAR", kind: "category", samples: [], values: [["US", 900], ["CN", 652], ["EP", 10]] },
      { name: "assignee", type: "VARCHAR", kind: "category", samples: [],
        values: [["Intel Corporation", 40], ["Sony Corp", 9], ["Intel Corp", 3], ["Intellectual Ventures", 2], ["Pintel Ltd", 1]] },
      { name: "title", type: "VARCHAR", kind: "text", samples: [] },
    ],
  }],
};

describe("value linking", () => {
  it("looks up quoted phrases, names and codes, not common words or schema names", () => {
    expect(candidateTerms("How many patents does Intel hold in CN with 'ray tracing' in the title?", profile))
      .toEqual(["ray tracing", "intel", "cn"]);
  });

  it("finds question words in the category columns' value index and turns hits into hints", () => {
    const links = linkValues("Intel patents in CN", profile);
    expect(links.map((l) => `${l.term}:${l.column}`)).toEqual(["cn:country", "intel:assignee"]);
    const text = renderLinks(links, "duckdb");
    // "Intellectual Ventures" starts with the word too; "Pintel" does not
    expect(text).toContain("\"intel\": patents.assignee has 'Intel Corporation' (40 rows), 'Intel Corp' (3 rows), 'Intellectual Ventures' (2 rows)");
    expect(text).not.toContain("Pintel");
    expect(text).toContain("assignee ILIKE '%intel%'");
    expect(text).toContain("country = 'CN'");
  });

  it("links a run of words that is a whole value as an equality, and leaves its words out of the patterns", () => {
    const world: SchemaProfile = {
      dialect: "duckdb",
      tables: [{
        name: "country",
        columns: [
          { name: "Region", type: "VARCHAR", kind: "category", samples: [], values: [["Eastern Africa", 20], ["Central Africa", 9], ["Central America", 8]] },
          { name: "Language", type: "VARCHAR", kind: "category", samples: [], values: [["English", 60], ["Creole English", 14]] },
          { name: "Owner", type: "VARCHAR", kind: "category", samples: [], values: [["Sony Corporation", 50], ["Sony", 2]] },
        ],
      }],
    };
    const text = renderLinks(linkValues("Average life expectancy in Central Africa where English is spoken?", world), "duckdb");
    expect(text.split("\n")).toEqual([
      "- \"central africa\": country.Region has 'Central Africa' (9 rows) -> Region = 'Central Africa'",
      "- \"english\": country.Language has 'English' (60 rows) -> Language = 'English'",
    ]);
    // a bare 'Sony' is rarer than 'Sony Corporation': the question means every Sony company
    expect(renderLinks(linkValues("Patents of Sony", world), "duckdb")).toContain("Owner ILIKE '%sony%'");
  });

  it("links nothing for words the data does not have", () => {
    expect(linkValues("Patents of Acme in DE", profile)).toEqual([]);
  });

  const people: SchemaProfile = {
    dialect: "duckdb",
    tables: [
      { name: "patents", columns: [{ name: "assignee", type: "VARCHAR", kind: "category", samples: [],
        values: [["NVIDIA CORPORATION", 5129], ["Siemens Aktiengesellschaft", 24], ["Siemens Corporate Research, Inc.", 9], ["Sony Corporation", 127]] }] },
      { name: "patent_inventors", columns: [{ name: "name", type: "VARCHAR", kind: "category", samples: [],
        values: [["John Pullman", 4], ["Fetcher Ames", 3], ["Simon Moy", 38], ["Jane Kowalski", 1]] }] },
    ],
  };

  it("reads a misspelt name as the nearest frequent name in the data, and tells the model how sure it is", () => {
    const [link] = linkValues("how many patents does Simens have", people);
    expect(link).toMatchObject({ term: "siemens", asked: "simens", column: "assignee", confidence: 0.86 });
    expect(renderLinks(linkValues("number of Nvida patents granted in 2019", people), "duckdb")).toBe(
      "- \"nvida\" (read as \"nvidia\", confidence 0.83): patents.assignee has 'NVIDIA CORPORATION' (5129 rows) -> assignee ILIKE '%nvidia%'");
  });

  it("does not turn the question's framing or a sentence's first word into a filter", () => {
    // "Pull" starts 'John Pullman' only inside the name; "Fetch" is framing, whatever names hold it
    expect(linkValues("Pull up the titles of Sony patents", people).map((l) => l.term)).toEqual(["sony"]);
    expect(linkValues("Fetcher, please: Fetch the Sony patents", people).map((l) => l.term)).toEqual(["fetcher", "sony"]);
    // a word near a rare name only is not read as that name: one row is no evidence of what was meant
    expect(linkValues("Patents of Kowalsky", people)).toEqual([]);
  });

  it("keeps row text quoted, on one line and capped", () => {
    expect(quoteValue("it's\nfine")).toBe("'it''s fine'");
    expect(quoteValue("x".repeat(100))).toBe(`'${"x".repeat(39)}…'`);
    expect(quoteValue(new Date("2020-01-02T00:00:00Z"))).toBe("'2020-01-02'");
  });
});

describe("identifier hints", () => {
  const withIds: SchemaProfile = {
    dialect: "duckdb",
    tables: [{ name: "patents", columns: [{ name: "publication_number", type: "VARCHAR", kind: "identifier", samples: ["'US-1-B2'", "'US-2-B2'"] }] }],
  };
  it("turns codes shaped like an identifier column's values into equality hints", () => {
    expect(identifierHints("List the CPC codes of US-10001996-B2 in order.", withIds)).toEqual([`- "US-10001996-B2" -> publication_number = 'US-10001996-B2'`]);
    expect(identifierHints("Patents granted in 2019 by NVIDIA", withIds)).toEqual([]);
  });
});

describe("edit distance", () => {
  it("counts a swap of neighbours as one edit and stops past the limit", () => {
    expect(editDistance("toshbia", "toshiba", 2)).toBe(1);
    expect(editDistance("qualcom", "qualcomm", 2)).toBe(1);
    expect(editDistance("samsng", "samsung", 1)).toBe(1);
    expect(editDistance("simens", "sony", 1)).toBe(2);
    expect(editDistance("abc", "abc", 0)).toBe(0);
  });
});
