import { describe, expect, it } from "vitest";
import { candidateTerms, linkValues, renderLinks } from "../../models/linking.js";
import type { SchemaProfile } from "../../models/profile.js";
import { quoteValue } from "../../models/values.js";

const profile: SchemaProfile = {
  dialect: "duckdb",
  tables: [{
    name: "patents",
    rowCount: 100,
    columns: [
      { name: "publication_number", type: "VARCHAR", kind: "identifier", samples: [] },
      { name: "country", type: "VARCHAR", kind: "category", samples: [] },
      { name: "assignee", type: "VARCHAR", kind: "category", samples: [] },
      { name: "title", type: "VARCHAR", kind: "text", samples: [] },
    ],
  }],
};

describe("value linking", () => {
  it("looks up quoted phrases, names and codes, not common words or schema names", () => {
    expect(candidateTerms("How many patents does Intel hold in CN with 'ray tracing' in the title?", profile))
      .toEqual(["ray tracing", "intel", "cn"]);
  });

  it("probes only short category columns and turns hits into hints", async () => {
    const probes: string[] = [];
    const links = await linkValues("Intel patents in CN", profile, async (sql) => {
      probes.push(sql);
      if (sql.includes('"assignee"')) return [["Intel Corporation", 40], ["Intel Corp", 3], ["Intellectual Ventures", 2]];
      if (sql.includes('"country"')) return [["CN", 652]];
      return [];
    });
    expect(probes).toHaveLength(2);
    expect(probes.every((p) => p.includes("LIKE '%intel%'") && p.includes("LIKE '%cn%'"))).toBe(true);
    const text = renderLinks(links);
    expect(text).toContain("\"intel\": patents.assignee has 'Intel Corporation' (40 rows)");
    expect(text).toContain("assignee ILIKE '%intel%'");
    expect(text).toContain("country = 'CN'");
  });

  it("keeps row text quoted, on one line and capped", () => {
    expect(quoteValue("it's\nfine")).toBe("'it''s fine'");
    expect(quoteValue("x".repeat(100))).toBe(`'${"x".repeat(39)}…'`);
    expect(quoteValue(new Date("2020-01-02T00:00:00Z"))).toBe("'2020-01-02'");
  });
});
