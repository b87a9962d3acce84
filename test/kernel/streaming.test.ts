import { describe, expect, it } from "vitest";
import { runKernel, type IopubMessage } from "../support/kernel-client.js";

/** The display id a message updates or opens, if any. */
const displayId = (m: IopubMessage): unknown => (m.content.transient as { display_id?: unknown } | undefined)?.display_id;
const plain = (m: IopubMessage): string => String(m.content.data?.["text/plain"] ?? "");

/**
 * A long %%sql result in the real kernel: its first rows appear while the query still runs, in a display that is
 * updated in place, and the whole result replaces them. A quick query shows its table once, as before.
 */
describe("first rows of a long %%sql result", () => {
  it("shows the first rows while the query runs and replaces them with the result", { timeout: 120_000 }, async () => {
    // Two million rows of a cross join filtered by a hash: about 125,000 rows that DuckDB streams over a second or more.
    const slow = "%%sql --out hashes\nSELECT a.i, b.j, md5(CAST(a.i * 1000 + b.j AS VARCHAR)) AS h FROM range(2000) AS a(i) JOIN range(1000) AS b(j) ON true WHERE md5(CAST(a.i * 1000 + b.j AS VARCHAR)) < '1'";
    // 32 times the pairs and a 16 times narrower filter, stopped after 4 s: its first rows are on screen by then, and
    // must not stay as if running. The narrow filter keeps the row cap (LIMIT 1,000,000) from ending it early: it
    // needs about 25 s of hashing on two cores, where a wider one finished near 4 s on a quiet machine.
    const stopped = slow.replace("--out hashes", "").replace("range(2000)", "range(64000)").replace("< '1'", "< '01'");
    const [, long, count, quick, interrupted] = await runKernel([
      { code: "%connect duckdb data/patents" },
      { code: slow },
      { code: "hashes.numRows" },
      { code: "%%sql\nSELECT 42 AS answer" },
      { code: stopped, interrupt_after_s: 4 },
    ]);
    expect(long?.reply.status).toBe("ok");
    const messages = long?.iopub ?? [];
    const first = messages.findIndex((m) => m.type === "display_data" && plain(m).includes("still running"));
    expect(first).toBeGreaterThanOrEqual(0);
    const id = displayId(messages[first] as IopubMessage);
    expect(id).toEqual(expect.any(String));
    expect(plain(messages[first] as IopubMessage)).toMatch(/^i \(BIGINT\)/m);
    const updates = messages.slice(first + 1).filter((m) => m.type === "update_display_data" && displayId(m) === id);
    const final = updates.at(-1) as IopubMessage;
    const total = Number((count?.iopub.find((m) => m.type === "execute_result")?.content.data?.["text/plain"]));
    expect(total).toBeGreaterThan(100_000);
    // The last update is the whole result, in place of the first rows: no longer running, with every row counted.
    expect(plain(final)).not.toContain("still running");
    expect(plain(final)).toContain(`${total.toLocaleString("en-US")} rows × 3 columns`);
    expect(messages.filter((m) => m.type === "display_data" && /rows × 3 columns/.test(plain(m)) && !plain(m).includes("still running"))).toHaveLength(0);

    expect(quick?.reply.status).toBe("ok");
    const tables = (quick?.iopub ?? []).filter((m) => plain(m).includes("answer (INTEGER)"));
    expect(tables.map((m) => [m.type, displayId(m)])).toEqual([["display_data", undefined]]);

    expect(interrupted?.reply.status).toBe("error");
    const shown = interrupted?.iopub ?? [];
    const opened = shown.find((m) => m.type === "display_data" && plain(m).includes("still running"));
    expect(opened).toBeDefined();
    const last = shown.filter((m) => m.type === "update_display_data" && displayId(m) === displayId(opened as IopubMessage)).at(-1);
    expect(plain(last as IopubMessage)).toMatch(/stopped before its result/);
  });
});
