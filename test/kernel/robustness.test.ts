import { describe, expect, it } from "vitest";
import { outputsOfType, runKernel, visibleText, type Steps } from "../support/kernel-client.js";

/** Issue #20's reproductions, each through the real kernel over the Jupyter protocol. */
describe("the kernel survives what a careless or hostile cell sends", () => {
  it("a TypeScript cell of 5,000 nested brackets fails with a clear error, and later cells still run with their variables", async () => {
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const [before, overflow, after, sum] = (await runKernel([
      { code: "const kept: number = 41;\nkept" },
      { code: deep },
      { code: "1+1" },
      { code: "kept + 1" },
    ])) as Steps<4>;
    expect(outputsOfType(before.iopub, "text/plain")).toEqual(["41"]);
    expect(overflow.reply.status).toBe("error");
    expect(overflow.reply.ename).toBe("CompilerFailedError");
    expect(visibleText(overflow.iopub)).toMatch(/nests too deeply[\s\S]*variables are kept[\s\S]*Hint/);
    expect(after.reply.status).toBe("ok");
    expect(outputsOfType(after.iopub, "text/plain")).toEqual(["2"]);
    // The declaration survived the compiler's restart: `kept` still type-checks as a number.
    expect(outputsOfType(sum.iopub, "text/plain")).toEqual(["42"]);
  });

  it("delivers every output and the reply of a cell that prints 3,000 lines at once", async () => {
    // zeromq.js defers one send in 512 and refuses any send made meanwhile: the burst must still arrive whole.
    const [burst, after] = (await runKernel([
      { code: "for (let i = 0; i < 3000; i++) console.log(`line ${i}`);", timeout_s: 30 },
      { code: "1+1", timeout_s: 30 },
    ])) as Steps<2>;
    expect(burst.reply.status).toBe("ok");
    const printed = visibleText(burst.iopub).split("\n").filter((l) => l.startsWith("line "));
    expect(printed).toHaveLength(3000);
    expect(printed.at(-1)).toBe("line 2999");
    expect(outputsOfType(after.iopub, "text/plain")).toEqual(["2"]);
  });

  it("the stop button ends a TypeScript await and a busy loop, and the next cell runs", async () => {
    const [waiting, looping, after] = (await runKernel([
      { code: "await new Promise((resolve) => setTimeout(resolve, 60_000))", interrupt_after_s: 1.5, timeout_s: 30 },
      { code: "while (true) {}", interrupt_after_s: 1.5, timeout_s: 30 },
      { code: "1+1" },
    ])) as Steps<3>;
    for (const stopped of [waiting, looping]) {
      expect(stopped.reply.status).toBe("error");
      expect(stopped.seconds).toBeLessThan(1.5 + 5);
    }
    expect(outputsOfType(after.iopub, "text/plain")).toEqual(["2"]);
  });

  it("refuses option values it cannot honour, result variables TypeScript cannot declare, and %%ask without tables", async () => {
    const [rowCap, query, outClass, classCheck, askEmpty, maxRows] = (await runKernel([
      { code: "%config row_cap=1e23" },
      { code: "%%sql\nSELECT 42 AS answer" },
      { code: "%%sql --out class\nSELECT 1 AS one" },
      { code: "typeof _" },
      { code: "%%ask\nHow many rows are there?" },
      { code: "%config max_rows=20000000000" },
    ])) as Steps<6>;
    expect(rowCap.reply.status).toBe("error");
    expect(visibleText(rowCap.iopub)).toMatch(/row_cap needs a whole number from 0 to [\d,]+, got '1e23'[\s\S]*Hint/);
    // The refused value changed nothing: the next query runs.
    expect(query.reply.status).toBe("ok");
    expect(outputsOfType(query.iopub, "text/html").join("")).toContain("42");
    expect(outClass.reply.status).toBe("error");
    expect(visibleText(outClass.iopub)).toMatch(/'class' is a reserved word[\s\S]*Hint/);
    expect(outputsOfType(classCheck.iopub, "text/plain")).toEqual(["'object'"]);
    expect(askEmpty.reply.status).toBe("error");
    expect(askEmpty.reply.ename).toBe("UsageError");
    expect(visibleText(askEmpty.iopub)).toMatch(/has no tables to ask about[\s\S]*Hint[\s\S]*%connect duckdb/);
    expect(maxRows.reply.status).toBe("error");
    expect(visibleText(maxRows.iopub)).toMatch(/max_rows needs a whole number from 1 to [\d,]+[\s\S]*would not fit/);
  });

  it("stops a result that would not fit in the heap with a clear error, gives the memory back, and stays alive", async () => {
    // A 768 MB heap (tslab's compiler holds ~200 MB of it) stands for a machine a larger result would exhaust.
    const gc = 'import * as v8 from "v8";\nimport * as vm from "vm";\nv8.setFlagsFromString("--expose-gc");\nconst gc = vm.runInNewContext("gc") as () => void;';
    const heapAfterGc = "(gc(), Math.round(process.memoryUsage().heapUsed / 2 ** 20))";
    const [, , , , , baseline, big, after, small] = (await runKernel([
      { code: "%connect duckdb data/patents" },
      { code: "%config max_rows=3000000 row_cap=0" },
      { code: "%config" },
      { code: gc },
      { code: "let baselineMb = 0;" },
      { code: `baselineMb = ${heapAfterGc}` },
      {
        // The shape: a join of millions of rows, each with two abstracts (~1 KB of text apiece).
        code: "%%sql --out big\nSELECT a.abstract, b.abstract AS other FROM patents a JOIN patents b ON a.country = b.country",
        timeout_s: 120,
      },
      { code: `${heapAfterGc} - baselineMb` },
      { code: "%%sql\nSELECT 1 AS one" },
    ], undefined, { NODE_OPTIONS: "--max-old-space-size=768" })) as Steps<9>;
    expect(Number(outputsOfType(baseline.iopub, "text/plain")[0])).toBeGreaterThan(0);
    expect(big.reply.status).toBe("error");
    expect(big.reply.ename).toBe("ResultTooLargeError");
    expect(visibleText(big.iopub)).toMatch(/would not fit in the kernel's memory: stopped after [\d,]+ rows[\s\S]*Hint/);
    // What the stopped result held is garbage once the error is shown: the heap is back within 50 MB of before.
    expect(Number(outputsOfType(after.iopub, "text/plain")[0])).toBeLessThan(50);
    expect(small.reply.status).toBe("ok");
  });
});
