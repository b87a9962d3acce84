import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, whatever the current folder. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Shared data beside the checkout (`../shared/data`), as CI has it. */
export const SHARED_DATA = path.resolve(REPO, "../shared/data");
export const CANONICAL = path.join(SHARED_DATA, "patents", "canonical");
export const VENV_BIN = path.join(REPO, ".venv", "bin");
