/** The LoRA commands' refusals, which come before any environment, training or model load (seconds, no model run). */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";
import { CANONICAL, REPO } from "../support/paths.js";

describe("streamlink adapt train and --lora", () => {
  it("documents adapt train and says what it needs", async () => {
    const help = await cli("adapt", "train", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--budget-min N");
    expect(help.stdout).toContain("~5.6 GB");
    const bare = await cli("adapt", "train");
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("adapt train needs --pairs and --out");
  });

  it("refuses a pairs file without pairs before building anything", async () => {
    const { code, stderr } = await cli("adapt", "train", "--pairs", path.join(REPO, "package.json"), "--out", path.join(REPO, ".cache", "never"));
    expect(code).toBe(2);
    expect(stderr).toContain("holds no {question, sql} pairs");
  });

  it("ask --lora with no such adapter fails with a hint, before the model loads", async () => {
    const { code, stderr } = await cli("ask", "--db", CANONICAL, "--lora", "/no/such/adapter.gguf", "How many patents?");
    expect(code).toBe(1);
    expect(stderr).toContain('No LoRA adapter named or stored at "/no/such/adapter.gguf"');
    expect(stderr).toMatch(/hint: Use a registered adapter/);
  });
});
