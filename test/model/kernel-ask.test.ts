import { describe, expect, it } from "vitest";
import { runKernel, visibleText, type IopubMessage } from "../support/kernel-client.js";

/** The text of every in-place update of the cell's progress display (the stages of a `%%ask`). */
function stageUpdates(iopub: readonly IopubMessage[]): string[] {
  return iopub.filter((m) => m.type === "update_display_data").map((m) => String(m.content.data?.["text/plain"] ?? ""));
}

/** The real kernel under jupyter_client with the bundled model, as JupyterLab drives it (stop = kernel interrupt). */
describe("%%ask in the real kernel with the bundled model", () => {
  it("shows its stages as display updates, stops within a second of the stop button, and the next cell runs", { timeout: 900_000 }, async () => {
    const [, warm, stopped, after] = await runKernel([
      { code: "%connect duckdb data/patents" },
      // The first question loads the model and reads the schema part of the prompt once (minutes on a busy CPU).
      { code: "%%ask\nHow many patents are there?", timeout_s: 600 },
      // Warm, the model is writing SQL a few seconds after the cell starts; the stop button comes then.
      { code: "%%ask\nWhich assignees have the most patents about batteries, per year since 2015, with their average claims?", interrupt_after_s: 4, timeout_s: 120 },
      { code: "%%sql\nSELECT 42 AS answer" },
    ]) as [unknown, Awaited<ReturnType<typeof runKernel>>[number], Awaited<ReturnType<typeof runKernel>>[number], Awaited<ReturnType<typeof runKernel>>[number]];

    expect(warm.reply.status).toBe("ok");
    const stages = stageUpdates(warm.iopub);
    expect(stages.some((s) => /^Writing SQL \(try 1 of 3\)…/.test(s))).toBe(true);
    expect(stages.some((s) => /^Running try 1 of 3…/.test(s))).toBe(true);
    expect(stages.at(-1)).toMatch(/^Answered in [\d.]+ s\.$/);

    expect(stopped.reply.status).toBe("error");
    expect(visibleText(stopped.iopub)).toMatch(/Stopped while (writing SQL|checking|running)/);
    // `seconds` counts from the request; the stop button was pressed 4 s in.
    expect(stopped.seconds - 4).toBeLessThan(1);

    expect(after.reply.status).toBe("ok");
    expect(visibleText(after.iopub)).toContain("42");
  });
});
