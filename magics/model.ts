import path from "node:path";
import { UsageError } from "../core/errors.js";
import type { Magic } from "./magic.js";

/** `%model [NAME|PATH]`: shows the local model, or switches to a bundled one or any local GGUF file. */
export const modelMagic: Magic = {
  name: "model",
  kind: "line",
  summary: "Show or change the local model of %%ask: %model qwen2.5-coder-0.5b or %model /path/model.gguf",
  options: {},
  positionals: "[NAME|PATH]",
  async run(invocation, context) {
    const [wanted, ...extra] = invocation.tokens;
    if (extra.length > 0) throw new UsageError("%model takes one name or path", "Quote a path with spaces: %model '/my models/x.gguf'");
    const generator = await context.session.generator();
    if (!generator.model || !generator.useModel) {
      throw new UsageError("This session's generator cannot change models", "Restart the kernel to use the default local model.");
    }
    // A path is relative to the notebook's folder; a bare name is a bundled model.
    const isPath = wanted !== undefined && (wanted.includes("/") || wanted.endsWith(".gguf")) && !wanted.startsWith("~");
    const target = wanted !== undefined && isPath ? path.resolve(context.cwd, wanted) : wanted;
    const info = target === undefined ? await generator.model() : await generator.useModel(target);
    context.display({ kind: "records", title: "Local model", columns: ["name", "path", "sha256"], rows: [[info.name, info.path, info.sha256]] });
  },
};
