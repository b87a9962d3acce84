import { describe, expect, it } from "vitest";
import { VERDICT_MIME, type VerdictBundle } from "../../core/verdict.js";
import { outputsOfType, runKernel, visibleText, type Steps } from "../support/kernel-client.js";

/** The semantic filter in the real kernel: bad input is a Jupyter error with a hint, and the kernel carries on. */
describe("%%sql --similar-to and rank() in the streamlink kernel", () => {
  it("ranks with the model, reports bad input with a hint, and keeps running", { timeout: 600_000 }, async () => {
    const results = await runKernel([
      { code: "%connect duckdb data/patents" },
      { code: '%%sql --similar-to "" --on title\nSELECT title FROM patents' },
      { code: '%%sql --similar-to "memory" --on grant_date\nSELECT title, grant_date FROM patents WHERE title ILIKE \'%cache%\'' },
      { code: '%%sql --out hits --similar-to "ray tracing acceleration structures" --on title,abstract --top 5\nSELECT publication_number, title, abstract FROM patents' },
      { code: 'const best = await rank(hits, "bounding volume hierarchy", { on: ["title"], top: 2 });\n[best.numRows, best.schema.fields.map((f) => f.name).join(",")]' },
      { code: "await rank(hits, 42 as unknown as string, { on: [\"title\"] })" },
      { code: "hits.numRows" },
    ]);
    const [, empty, notText, ranked, inTs, badTs, after] = results as Steps<7>;
    for (const failed of [empty, notText]) {
      expect(failed.reply.status).toBe("error");
      expect(visibleText(failed.iopub)).toMatch(/Hint/);
    }
    expect(visibleText(empty.iopub)).toMatch(/empty text/);
    expect(visibleText(notText.iopub)).toMatch(/not a text column/);

    expect(ranked.reply.status).toBe("ok");
    const bundle = (outputsOfType(ranked.iopub, VERDICT_MIME) as VerdictBundle[])[0];
    expect(bundle?.similarity).toMatchObject({ rankedIn: "engine", on: ["title", "abstract"], top: 5, model: "all-minilm-l6-v2-int8" });
    expect(bundle?.similarity?.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(outputsOfType(ranked.iopub, "text/html").join("")).toMatch(/5 rows × 4 columns/);

    expect(inTs.reply.status).toBe("ok");
    expect(outputsOfType(inTs.iopub, "text/plain")).toEqual(["[ 2, 'publication_number,title,abstract,similarity' ]"]);
    expect(badTs.reply.status).toBe("error");
    expect(visibleText(badTs.iopub)).toMatch(/needs the text/);
    expect(outputsOfType(after.iopub, "text/plain")).toEqual(["5"]);
  });
});
