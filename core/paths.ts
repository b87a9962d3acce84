import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * The StreamLink checkout: the folder above this module that holds package.json. Code runs both from the
 * sources (tests, tsx) and from dist/ (kernel, CLI), so data files are found from here, never from a module's
 * own folder.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the StreamLink checkout (package.json) above core/paths");
    dir = parent;
  }
  root = dir;
  return dir;
}
