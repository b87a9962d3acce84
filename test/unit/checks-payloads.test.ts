import { describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import { PAYLOAD_ALLOWED, PAYLOAD_CATALOG, PAYLOADS } from "./fixtures/payloads.js";

const checker = createChecker();

describe("payload table (threats T1–T12)", () => {
  it("has at least 150 cases", () => {
    expect(PAYLOADS.length).toBeGreaterThanOrEqual(150);
  });
  it.each(PAYLOADS.map((p) => [p.threat, p.verdict, p.rule ?? "-", p.sql, p] as const))("%s %s %s: %s", async (_t, _v, _r, _s, p) => {
    const verdict = await checker.check(p.sql, { dialect: p.dialect, catalog: PAYLOAD_CATALOG, allowedTables: PAYLOAD_ALLOWED, rowCap: 1000, author: p.author });
    const summary = JSON.stringify(verdict.findings);
    expect(verdict.verdict, summary).toBe(p.verdict);
    if (p.category) expect(verdict.category, summary).toBe(p.category);
    if (p.verdict === "block") {
      expect(verdict.findings.some((f) => f.rule === p.rule && f.severity === "error"), summary).toBe(true);
      expect(verdict.executedSql).toBe(p.sql);
    } else if (p.rule) {
      expect(verdict.findings.some((f) => f.rule === p.rule && f.severity === "warning"), summary).toBe(true);
    }
  });
});
