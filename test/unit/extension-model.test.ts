import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ALLOWED_MEANS, VERDICT_MIME, type Finding, type VerdictBundle } from "../../core/verdict.js";
import {
  DEFAULT_SETTINGS,
  badgeFor,
  detailsFor,
  formatLocation,
  formatMs,
  formatSummary,
  isBadgeVisible,
  isStale,
  latestBundle,
  readBundle,
  readSettings,
  sameBundle,
  summarize,
} from "../../extension/src/verdict-model.js";
import { readFigure } from "../../extension/src/figure.js";

const SOURCE = "%%sql\nSELECT title FROM patents";

function bundle(over: { verdict?: Partial<VerdictBundle["verdict"]> } & Partial<Omit<VerdictBundle, "verdict">> = {}): VerdictBundle {
  const { verdict, ...rest } = over;
  return {
    verdict: {
      verdict: "allow",
      category: "ok",
      findings: [],
      checker: "streamlink-checker/1.0.0",
      sql: "SELECT title FROM patents",
      executedSql: "SELECT title FROM patents",
      dialect: "duckdb",
      elapsedMs: 2,
      ...verdict,
    },
    magic: "sql",
    cellSource: SOURCE,
    ranAt: "2026-11-20T09:00:00.000Z",
    ...rest,
  };
}

const finding = (severity: Finding["severity"], rule = "security.file-access"): Finding => ({
  rule,
  severity,
  message: "m",
});

/** A bundle as it arrives over the wire: plain JSON. */
const json = (b: VerdictBundle): unknown => JSON.parse(JSON.stringify(b));

describe("readBundle", () => {
  it("reads a bundle the kernel published, field for field", () => {
    const b = bundle({
      magic: "ask",
      question: "top 5?",
      provenance: { model: "m.gguf", modelSha256: "ab", promptVersion: "p/1", tries: 2, timings: { generation: 12 } },
      verdict: { findings: [{ rule: "plan.row-cap", severity: "warning", message: "cap", line: 2, column: 3, hint: "h" }] },
    });
    expect(readBundle(json(b))).toEqual({ ok: true, bundle: b });
  });

  it("keeps the LoRA adapter of the provenance, so the notebook records which adapter wrote the SQL", () => {
    const adapter = { name: "patents-0.5b", sha256: "cd".repeat(32) };
    const b = bundle({ magic: "ask", provenance: { model: "qwen2.5-coder-0.5b", modelSha256: "ab", adapter, promptVersion: "p/1", tries: 1, timings: {} } });
    expect(readBundle(json(b))).toEqual({ ok: true, bundle: b });
    expect(detailsFor(b, SOURCE).provenance).toContainEqual(["LoRA adapter", `patents-0.5b (SHA-256 ${"cd".repeat(32)})`]);
  });

  it("drops fields it does not know, so junk from a shared notebook is not written back", () => {
    const read = readBundle({ ...(json(bundle()) as object), script: "<img onerror=alert(1)>" });
    expect(read.ok && Object.keys(read.bundle)).toEqual(["verdict", "magic", "cellSource", "ranAt"]);
  });

  it.each([
    [null, "bundle is not an object"],
    [[], "bundle is not an object"],
    [{ ...(json(bundle()) as object), magic: "python" }, 'bundle.magic is "python", expected one of sql, ask'],
    [{ ...(json(bundle()) as object), cellSource: 3 }, "bundle.cellSource is not a string"],
    [{ ...(json(bundle()) as object), verdict: { ...bundle().verdict, verdict: "maybe" } }, 'verdict.verdict is "maybe", expected one of allow, block'],
    [{ ...(json(bundle()) as object), verdict: { ...bundle().verdict, findings: "none" } }, "verdict.findings is not a list"],
    [{ ...(json(bundle()) as object), verdict: { ...bundle().verdict, findings: [{ rule: "r", severity: "fatal", message: "m" }] } }, 'verdict.findings[0].severity is "fatal", expected one of error, warning, info'],
    [{ ...(json(bundle()) as object), verdict: { ...bundle().verdict, elapsedMs: "fast" } }, "verdict.elapsedMs is not a finite number"],
    [{ ...(json(bundle()) as object), provenance: { model: "m", modelSha256: "s", promptVersion: "p", tries: 1, timings: { a: "x" } } }, "provenance.timings.a is not a finite number"],
  ])("refuses %j with a reason", (value, error) => {
    expect(readBundle(value)).toEqual({ ok: false, error });
  });
});

describe("latestBundle", () => {
  const display = (b: unknown) => ({ output_type: "display_data", data: { [VERDICT_MIME]: b, "text/plain": "v" } });

  it("takes the newest verdict among the outputs and ignores other outputs", () => {
    const first = bundle();
    const second = bundle({ verdict: { verdict: "block", category: "policy" } });
    const outputs = [display(json(first)), { output_type: "stream", text: "x" }, display(json(second)), { output_type: "display_data", data: { "text/plain": "t" } }];
    expect(latestBundle(outputs)).toEqual(second);
  });

  it("reads how the run after an allowed verdict ended: an error, or a result of 0 rows", () => {
    const result = (rows: number) => ({ output_type: "display_data", data: { "text/html": "<table>" }, metadata: { streamlink: { rows } } });
    const error = { output_type: "error", ename: "QueryError", evalue: "Conversion Error: Could not convert string" };
    expect(latestBundle([display(json(bundle())), error])?.outcome).toEqual({ status: "failed", message: "QueryError: Conversion Error: Could not convert string" });
    expect(latestBundle([display(json(bundle())), result(0)])?.outcome).toEqual({ status: "empty" });
    expect(latestBundle([display(json(bundle())), result(3)])).not.toHaveProperty("outcome");
    // A blocked query's error is the verdict itself, not a failed run.
    expect(latestBundle([display(json(bundle({ verdict: { verdict: "block", category: "injection" } }))), error])).not.toHaveProperty("outcome");
  });

  it("reads a verdict saved by checker 1.0 (category security) as a policy refusal", () => {
    const saved = bundle({ verdict: { verdict: "block", category: "policy" } });
    const legacy = JSON.parse(JSON.stringify(saved).replace('"category":"policy"', '"category":"security"')) as unknown;
    expect(latestBundle([display(legacy)])).toEqual(saved);
  });

  it("skips an unreadable verdict and finds none in outputs without one", () => {
    expect(latestBundle([display(json(bundle())), display({ broken: true })])).toEqual(bundle());
    expect(latestBundle([{ output_type: "error" }])).toBeUndefined();
  });
});

describe("badgeFor", () => {
  it.each([
    [bundle(), "allowed", "allowed"],
    [bundle({ verdict: { findings: [finding("info")] } }), "allowed", "allowed"],
    [bundle({ verdict: { findings: [finding("warning"), finding("warning")] } }), "warnings", "allowed with 2 warnings"],
    [bundle({ verdict: { verdict: "block", category: "injection", findings: [finding("error")] } }), "blocked-security", "blocked (security)"],
    [bundle({ verdict: { verdict: "block", category: "syntax", findings: [finding("error", "syntax.parse")] } }), "blocked-syntax", "blocked (syntax)"],
    [bundle({ verdict: { verdict: "block", category: "policy", findings: [finding("error", "policy.delete")] } }), "blocked-policy", "refused (policy)"],
    [bundle({ outcome: { status: "failed", message: "QueryError: boom" } }), "run-failed", "allowed · run failed"],
    [bundle({ outcome: { status: "empty" } }), "allowed", "allowed · no rows"],
  ])("labels %#: %s", (b, kind, label) => {
    expect(badgeFor(b, SOURCE)).toMatchObject({ kind, label, stale: false });
  });

  it("says stale when the cell changed after it ran, and tells screen readers why", () => {
    const state = badgeFor(bundle({ verdict: { verdict: "block", category: "injection", findings: [finding("error")] } }), `${SOURCE} LIMIT 3`);
    expect(state).toMatchObject({ kind: "blocked-security", stale: true, label: "stale: blocked (security)" });
    expect(state.description).toBe(
      "stale: blocked (security). StreamLink verdict for this %%sql cell, 1 finding. The cell changed after it ran; run it again to check the current SQL. Activate for details.",
    );
  });
});

describe("what the badge means", () => {
  it("tells screen readers and the tooltip that allowed is about safety, not correctness, and why a run failed", () => {
    expect(badgeFor(bundle(), SOURCE).description).toBe(
      `allowed. StreamLink verdict for this %%sql cell, no findings. ${ALLOWED_MEANS} Activate for details.`,
    );
    expect(badgeFor(bundle({ outcome: { status: "failed", message: "QueryError: boom" } }), SOURCE).description).toContain("Running it failed: QueryError: boom.");
    expect(badgeFor(bundle({ outcome: { status: "empty" } }), SOURCE).description).toContain("It returned no rows");
  });

  it("counts a failed run apart in the toolbar", () => {
    const s = summarize([badgeFor(bundle({ outcome: { status: "failed" } }), SOURCE), badgeFor(bundle(), SOURCE)]);
    expect(formatSummary(s)).toBe("StreamLink: 1 allowed · 0 blocked · 1 run failed · 0 stale");
  });

  it("keeps the explanation and the outcome through the metadata, and shows them in the details", () => {
    const b = bundle({ explanation: { sentence: "Lists title from patents.", complete: true }, outcome: { status: "empty" } });
    const read = readBundle(json(b));
    expect(read).toEqual({ ok: true, bundle: b });
    const d = detailsFor(b, SOURCE);
    expect(d.explanation).toBe("Lists title from patents.");
    expect(d.summary).toContainEqual(["What “allowed” means", ALLOWED_MEANS]);
    expect(d.summary).toContainEqual(["Run", "returned no rows (see the note under the result)"]);
  });
});

describe("isStale", () => {
  it("ignores line endings and trailing blank lines, nothing else", () => {
    expect(isStale(bundle(), "%%sql\r\nSELECT title FROM patents\n\n")).toBe(false);
    expect(isStale(bundle(), "%%sql\nSELECT  title FROM patents")).toBe(true);
    expect(isStale(bundle(), " %%sql\nSELECT title FROM patents")).toBe(true);
  });
});

describe("settings", () => {
  it("reads the registry's value and keeps defaults for missing or mistyped keys", () => {
    expect(readSettings(undefined)).toEqual(DEFAULT_SETTINGS);
    expect(readSettings({ showAllowed: false, showSummary: "no" })).toEqual({ showAllowed: false, showSummary: true });
  });

  it("hides only fresh allowed badges when allowed badges are off", () => {
    const off = { showAllowed: false, showSummary: true };
    expect(isBadgeVisible(badgeFor(bundle(), SOURCE), off)).toBe(false);
    expect(isBadgeVisible(badgeFor(bundle(), "%%sql\nSELECT 1"), off)).toBe(true);
    expect(isBadgeVisible(badgeFor(bundle({ verdict: { findings: [finding("warning")] } }), SOURCE), off)).toBe(true);
    expect(isBadgeVisible(badgeFor(bundle({ verdict: { verdict: "block", category: "syntax" } }), SOURCE), off)).toBe(true);
    expect(isBadgeVisible(badgeFor(bundle(), SOURCE), DEFAULT_SETTINGS)).toBe(true);
  });
  it("has the same keys and defaults as schema/plugin.json, which the settings editor shows", () => {
    const schema = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../extension/schema/plugin.json"), "utf8")) as {
      properties: Record<string, { default: unknown }>;
    };
    const defaults = Object.fromEntries(Object.entries(schema.properties).map(([key, p]) => [key, p.default]));
    expect(defaults).toEqual(DEFAULT_SETTINGS);
  });
});

describe("summary", () => {
  it("counts stale verdicts as stale only", () => {
    const states = [
      badgeFor(bundle(), SOURCE),
      badgeFor(bundle({ verdict: { findings: [finding("warning")] } }), SOURCE),
      badgeFor(bundle({ verdict: { verdict: "block", category: "policy" } }), SOURCE),
      badgeFor(bundle({ verdict: { verdict: "block", category: "syntax" } }), "%%sql\nSELECT 2"),
    ];
    const s = summarize(states);
    expect(s).toEqual({ allowed: 2, warnings: 1, blocked: 1, failed: 0, stale: 1 });
    expect(formatSummary(s)).toBe("StreamLink: 2 allowed (1 with warnings) · 1 blocked · 1 stale");
    expect(formatSummary(summarize([]))).toBe("StreamLink: no verdicts yet");
  });
});

describe("details", () => {
  it("shows the generated SQL, what ran and the provenance of an %%ask cell", () => {
    const d = detailsFor(
      bundle({
        magic: "ask",
        cellSource: "%%ask\ntop titles",
        question: "top titles",
        provenance: { model: "m.gguf", modelSha256: "ab12", promptVersion: "nl2sql/1", tries: 2, timings: { generateMs: 5480, checkMs: 6, rerankMs: 3 } },
        verdict: { executedSql: "SELECT title FROM patents LIMIT 10000" },
      }),
      "%%ask\ntop titles",
    );
    expect(d).toMatchObject({
      title: "StreamLink verdict: allowed",
      stale: false,
      question: "top titles",
      sqlHeading: "The generated SQL (checked)",
      sql: "SELECT title FROM patents",
      executedSql: "SELECT title FROM patents LIMIT 10000",
    });
    expect(d.provenance).toEqual([
      ["Model", "m.gguf"],
      ["Model SHA-256", "ab12"],
      ["Prompt version", "nl2sql/1"],
      ["Tries", "2"],
      ["Writing the SQL", "5.48 s"],
      ["Checking", "6 ms"],
      ["Time: rerankMs", "3 ms"],
    ]);
  });

  it("says no SQL was written for a refused request", () => {
    const d = detailsFor(bundle({ magic: "ask", verdict: { verdict: "block", category: "policy", sql: "", executedSql: "" } }), SOURCE);
    expect(d).toMatchObject({ sqlHeading: "No SQL was written", sql: "" });
  });

  it("leaves out what ran when it equals what was checked, and provenance for %%sql", () => {
    const d = detailsFor(bundle(), SOURCE);
    expect(d.sqlHeading).toBe("The SQL checked");
    expect(d).not.toHaveProperty("executedSql");
    expect(d.provenance).toEqual([]);
  });

  it("formats positions and durations", () => {
    expect(formatLocation({ ...finding("error"), line: 3, column: 7 })).toBe("line 3, column 7");
    expect(formatLocation({ ...finding("error"), line: 3 })).toBe("line 3");
    expect(formatLocation(finding("error"))).toBe("—");
    expect([formatMs(0.4), formatMs(999), formatMs(1234)]).toEqual(["0 ms", "999 ms", "1.23 s"]);
  });
});

describe("sameBundle", () => {
  it("is true only for the same verdict, so re-reading outputs does not dirty the notebook", () => {
    expect(sameBundle(json(bundle()), bundle())).toBe(true);
    expect(sameBundle(json(bundle({ ranAt: "2026-11-21T00:00:00.000Z" })), bundle())).toBe(false);
    expect(sameBundle(undefined, bundle())).toBe(false);
  });
});

describe("readFigure", () => {
  it("accepts Plotly JSON and explains what is wrong otherwise", () => {
    expect(readFigure({ data: [{ type: "bar", x: [1], y: [2] }], layout: { title: { text: "t" } } })).toEqual({
      data: [{ type: "bar", x: [1], y: [2] }],
      layout: { title: { text: "t" } },
    });
    expect(readFigure({ data: [{ type: "bar" }] })).toEqual({ data: [{ type: "bar" }], layout: {} });
    expect(readFigure("chart")).toBe("the chart is not a JSON object");
    expect(readFigure({ data: {} })).toBe("the chart's `data` is not a list of traces");
    expect(readFigure({ data: [], layout: [] })).toBe("the chart's `layout` is not an object");
  });
});
