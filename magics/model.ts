import path from "node:path";
import { UsageError } from "../core/errors.js";
import type { Magic } from "./magic.js";
import { parseArgs, stringOption } from "./options.js";

const OPTIONS = {
  lora: { type: "string", help: "a LoRA adapter to load with the model: a registered name or a GGUF adapter file", metavar: "NAME|FILE" },
} as const;

/** A path is relative to the notebook's folder; a bare name is a registered one. */
function target(wanted: string, cwd: string): string {
  const isPath = (wanted.includes("/") || wanted.endsWith(".gguf")) && !wanted.startsWith("~");
  return isPath ? path.resolve(cwd, wanted) : wanted;
}

/** `%model [NAME|PATH] [--lora NAME|FILE]`: shows the local model, or switches to a bundled one or any local GGUF file. */
export const modelMagic: Magic = {
  name: "model",
  kind: "line",
  summary: "Show or change the local model of %%ask: %model qwen2.5-coder-0.5b, %model /path/model.gguf, %model qwen2.5-coder-1.5b --lora patents",
  options: OPTIONS,
  positionals: "[NAME|PATH]",
  async run(invocation, context) {
    const args = parseArgs("%model", invocation.tokens, OPTIONS);
    const [wanted, ...extra] = args.positionals;
    const lora = stringOption(args, "lora");
    if (extra.length > 0) throw new UsageError("%model takes one name or path", "Quote a path with spaces: %model '/my models/x.gguf'");
    if (lora !== undefined && wanted === undefined) throw new UsageError("%model --lora needs the model too", "Name the model the adapter was trained for: %model qwen2.5-coder-1.5b --lora NAME");
    const generator = await context.session.generator();
    if (!generator.model || !generator.useModel) {
      throw new UsageError("This session's generator cannot change models", "Restart the kernel to use the default local model.");
    }
    const info = wanted === undefined ? await generator.model() : await generator.useModel(target(wanted, context.cwd), lora && target(lora, context.cwd));
    const adapter = info.adapter ? `${info.adapter.name} (${info.adapter.sha256})` : "none";
    context.display({ kind: "records", title: "Local model", columns: ["name", "path", "sha256", "LoRA adapter"], rows: [[info.name, info.path, info.sha256, adapter]] });
  },
};
