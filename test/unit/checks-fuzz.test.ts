import { describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import { PAYLOAD_CATALOG, PAYLOADS } from "./fixtures/payloads.js";

/** A small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = "'\"`()[];,.-/*#=<>!|&%@$?:\\\n\t aeilnorstuxSELECTUNIONDROP0123456789\u02bc\uff07\u00a0\u0000\ud800";

function mutate(rand: () => number, base: string, other: string): string {
  const pick = (n: number): number => Math.floor(rand() * n);
  let s = base;
  const edits = 1 + pick(4);
  for (let e = 0; e < edits; e++) {
    const at = pick(s.length + 1);
    switch (pick(7)) {
      case 0: s = s.slice(0, at) + (ALPHABET[pick(ALPHABET.length)] ?? "") + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + pick(5)); break;
      case 2: s = s.slice(0, at) + other.slice(pick(other.length)) ; break;
      case 3: s = s.slice(0, at) + s.slice(at).repeat(1 + pick(3)); break;
      case 4: s = s.slice(at) + s.slice(0, at); break;
      case 5: s = "(".repeat(pick(200)) + s + ")".repeat(pick(200)); break;
      default: s = Array.from({ length: pick(300) }, () => ALPHABET[pick(ALPHABET.length)]).join(""); break;
    }
  }
  return s;
}

const FUZZ_COUNT = 100_000;

// Fuzzing is a correctness property: whatever the text, the checker returns a verdict (no throw) and
// no input takes it past 50 ms (no catastrophic backtracking in the lexer, signals or grammars).
describe("checker fuzzing", () => {
  it("judges 100,000 mutated payloads without throwing, each in under 50 ms", { timeout: 600_000 }, async () => {
    const checker = createChecker({ parseCacheSize: 0 });
    // Each grammar loads once, lazily (about half a second); that is start-up, not per-input cost.
    for (const dialect of ["duckdb", "spark"] as const) await checker.check("SELECT 1", { dialect });
    const rand = prng(20261121);
    const bases = PAYLOADS.map((p) => p.sql);
    // The slowest inputs of the pass, re-timed below: a garbage-collection pause can land inside any one check,
    // catastrophic backtracking makes the same input slow every time.
    const slow: { ms: number; input: string; context: Parameters<typeof checker.check>[1] }[] = [];
    const verdicts = { allow: 0, block: 0 };
    const cpuMs = async (input: string, context: Parameters<typeof checker.check>[1]): Promise<{ ms: number; verdict: "allow" | "block" }> => {
      // CPU time, not wall time: other processes on a shared machine must not make this test flaky.
      const started = process.cpuUsage();
      const { verdict } = await checker.check(input, context);
      const used = process.cpuUsage(started);
      return { ms: (used.user + used.system) / 1000, verdict };
    };
    for (let i = 0; i < FUZZ_COUNT; i++) {
      const base = bases[i % bases.length] ?? "";
      const input = mutate(rand, base, bases[Math.floor(rand() * bases.length)] ?? "");
      const context = { dialect: i % 5 === 0 ? "spark" as const : "duckdb" as const, catalog: i % 2 === 0 ? PAYLOAD_CATALOG : undefined, rowCap: 100 };
      const { ms, verdict } = await cpuMs(input, context);
      verdicts[verdict]++;
      if (slow.length < 20 || ms > (slow[slow.length - 1]?.ms ?? 0)) {
        slow.push({ ms, input, context });
        slow.sort((a, b) => b.ms - a.ms);
        slow.length = Math.min(slow.length, 20);
      }
    }
    expect(verdicts.allow + verdicts.block).toBe(FUZZ_COUNT);
    let worst = { ms: 0, input: "" };
    for (const { input, context } of slow) {
      let best = Infinity;
      for (let attempt = 0; attempt < 3; attempt++) best = Math.min(best, (await cpuMs(input, context)).ms);
      if (best > worst.ms) worst = { ms: best, input };
    }
    expect(worst.ms, `slowest input (${worst.ms.toFixed(1)} ms): ${JSON.stringify(worst.input.slice(0, 300))}`).toBeLessThan(50);
  });
});
