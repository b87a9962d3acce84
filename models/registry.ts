import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
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
  /** LoRA adapters trained for this model (`streamlink adapt train` registers them). */
  readonly adapters?: readonly AdapterSpec[];
}

/** A LoRA adapter in GGUF form, as `streamlink adapt train` registers it on its base model's entry. */
export interface AdapterSpec {
  readonly name: string;
  /** Relative to the StreamLink checkout, or absolute. */
  readonly file: string;
  readonly sha256: string;
  /** The registry name of the model it was trained for; it loads with that model only. */
  readonly base: string;
  /** What it was trained on (the pairs files and the mix). */
  readonly data: string;
  readonly steps: number;
  /** Mean training loss over the last steps. */
  readonly loss: number | null;
}

/** An adapter ready to load with a model: a file on disk, with its registry entry when it is a registered one. */
export interface ResolvedAdapter {
  readonly name: string;
  readonly path: string;
  readonly spec?: AdapterSpec;
}

/** One file of an embedding model (the ONNX graph, the tokenizer), a single wheel member. */
export interface EmbeddingFile extends ModelPart {
  readonly role: "model" | "tokenizer" | "tokenizer-config";
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** A bundled sentence-embedding model for the semantic filter. */
export interface EmbeddingSpec {
  readonly name: string;
  readonly description: string;
  readonly dimensions: number;
  /** Longer texts are cut to this many tokens ([CLS] and [SEP] included), as the model was trained. */
  readonly maxTokens: number;
  /** The ONNX file's sha256: the model's identity in provenance. */
  readonly sha256: string;
  readonly files: readonly EmbeddingFile[];
}

export interface ModelRegistry {
  readonly default: string;
  readonly models: readonly ModelSpec[];
  readonly defaultEmbedding?: string;
  readonly embeddings?: readonly EmbeddingSpec[];
}

/** An embedding model's files on disk. */
export interface ResolvedEmbedding {
  readonly spec: EmbeddingSpec;
  readonly paths: Readonly<Record<EmbeddingFile["role"], string>>;
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

/**
 * Turns `--lora NAME|FILE` into a file to load with `model`. A registered name must belong to `model` (its `base`)
 * and its file must exist; a path must be an existing file (whether it fits the model is checked when it loads,
 * from its tensors' shapes).
 */
export function resolveAdapter(nameOrPath: string, model: ResolvedModel, registry: ModelRegistry = loadRegistry(), root = packageRoot()): ResolvedAdapter {
  const all = registry.models.flatMap((m) => m.adapters ?? []);
  const spec = all.find((a) => a.name === nameOrPath);
  if (spec) {
    if (spec.base !== model.name) {
      throw new StreamLinkError("adapter-mismatch", `The LoRA adapter ${spec.name} was trained for ${spec.base}, not for ${model.name}.`,
        `Load it with its own model: %model ${spec.base} --lora ${spec.name} (or --model ${spec.base} --lora ${spec.name}).`,
        { adapter: spec.name, base: spec.base, model: model.name });
    }
    const path = resolve(root, spec.file);
    if (!existsSync(path)) {
      throw new StreamLinkError("adapter-missing", `The LoRA adapter ${spec.name} is registered but its file is not on this machine (${path}).`,
        "Train it again with `streamlink adapt train` (its entry in models/registry.json says with what), or remove the entry.", { adapter: spec.name, path });
    }
    return { name: spec.name, path, spec };
  }
  const path = resolve(nameOrPath.startsWith("~/") ? join(homedir(), nameOrPath.slice(2)) : nameOrPath);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new StreamLinkError("adapter-missing", `No LoRA adapter named or stored at "${nameOrPath}".`,
      `Use a registered adapter (${all.map((a) => `${a.name} for ${a.base}`).join(", ") || "none yet: `streamlink adapt train` makes one"}) or the path of a GGUF adapter file.`,
      { adapter: nameOrPath, path });
  }
  return { name: basename(path), path, spec: all.find((a) => resolve(root, a.file) === path) };
}

/**
 * Adds (or replaces, by name) an adapter on its base model's entry in models/registry.json, written whole to a
 * temporary file first so that an interrupted write never leaves half a registry. The file is kept relative to
 * the checkout when it lies inside it, so the entry travels with a clone.
 */
export function registerAdapter(entry: AdapterSpec, file: string = registryFile, root = packageRoot()): void {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { models: { name: string; adapters?: AdapterSpec[] }[] };
  const model = parsed.models.find((m) => m.name === entry.base);
  if (!model) throw new UsageError(`No model ${entry.base} in ${file}.`, "Train on a registered model (see `%model`).", { model: entry.base });
  const inside = relative(root, resolve(root, entry.file));
  const stored = { ...entry, file: inside.startsWith("..") || isAbsolute(inside) ? resolve(root, entry.file) : inside };
  model.adapters = [...(model.adapters ?? []).filter((a) => a.name !== entry.name), stored];
  writeFileSync(`${file}.partial`, `${JSON.stringify(parsed, null, 1)}\n`);
  renameSync(`${file}.partial`, file);
}

/**
 * The bundled embedding model's files, as the set-up assembled them; nothing is downloaded here. A missing file
 * is an error that names the set-up command.
 */
export function resolveEmbedding(name?: string, registry: ModelRegistry = loadRegistry(), dir = modelsDir()): ResolvedEmbedding {
  const wanted = name ?? registry.defaultEmbedding;
  const spec = registry.embeddings?.find((e) => e.name === wanted);
  if (!spec) {
    throw new UsageError(`Unknown embedding model "${wanted ?? ""}".`,
      `Use one of ${(registry.embeddings ?? []).map((e) => e.name).join(", ") || "(none in models/registry.json)"}.`, { model: wanted });
  }
  const paths = Object.fromEntries(spec.files.map((f) => [f.role, join(dir, f.file)])) as Record<EmbeddingFile["role"], string>;
  const missing = Object.values(paths).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new StreamLinkError("embedding-model-missing", `The embedding model ${spec.name} is not on this machine (${missing.join(", ")} missing).`,
      `Run \`bash scripts/setup-models.sh ${spec.name}\` once (it fetches the model from PyPI and checks its SHA-256); %%sql without --similar-to works meanwhile.`,
      { model: spec.name, missing });
  }
  return { spec, paths };
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
