import { describe, expect, it } from "vitest";
import { generateCells } from "./cells.js";
import { runFuzz } from "./harness.js";

/**
 * The fuzz tier: 1,000 seeded cells of junk, bad magics, deep nesting, huge bodies, long boolean chains, TypeScript
 * errors and interrupts through the real kernel over the Jupyter protocol. `npm run fuzz:long` runs 10,000.
 */
describe("the kernel under 1,000 fuzzed cells", () => {
  it("never dies or hangs, answers every failure with a proper Jupyter error, and still runs 1+1", async () => {
    const figures = await runFuzz(generateCells(20, 1000));
    expect(figures.setupOk).toBe(true);
    expect(figures.cells).toBe(1000);
    // The cells that went wrong, with their code, so that a failure names what to replay.
    expect(figures.bad).toEqual([]);
    expect({ deaths: figures.deaths, hangs: figures.hangs, improper: figures.improper }).toEqual({ deaths: 0, hangs: 0, improper: 0 });
    expect(figures.final).toBe("2");
  }, 900_000);
});
