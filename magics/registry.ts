import { UsageError } from "../core/errors.js";
import type { Magic } from "./magic.js";
import { tokenize, usageOf } from "./options.js";

/** One step of a cell: a magic with its tokens, or TypeScript for tslab. */
export type CellStep =
  | { readonly kind: "magic"; readonly magic: Magic; readonly tokens: readonly string[]; readonly body: string }
  | { readonly kind: "code"; readonly code: string };

export class MagicRegistry {
  private readonly magics = new Map<string, Magic>();

  constructor(magics: readonly Magic[]) {
    for (const magic of magics) this.magics.set(`${magic.kind === "cell" ? "%%" : "%"}${magic.name}`, magic);
  }

  names(): string[] {
    return [...this.magics.keys()].sort();
  }

  /** The magic registered as `%%name` or `%name`. */
  get(name: string): Magic | undefined {
    return this.magics.get(name);
  }

  /** `%%sql [--engine NAME] …  — summary`, for %lsmagic and error hints. */
  describe(name: string): string {
    const magic = this.magics.get(name);
    return magic ? `${this.usage(magic)}\n    ${magic.summary}` : name;
  }

  usage(magic: Magic): string {
    return usageOf(`${magic.kind === "cell" ? "%%" : "%"}${magic.name}`, magic.options, magic.positionals);
  }

  private lookup(prefix: "%" | "%%", name: string): Magic {
    const magic = this.magics.get(prefix + name);
    if (magic) return magic;
    const other = this.magics.get((prefix === "%" ? "%%" : "%") + name);
    if (other) {
      throw new UsageError(`${prefix}${name} is not a ${prefix === "%" ? "line" : "cell"} magic`, `Write it as ${this.usage(other)}`);
    }
    throw new UsageError(`Unknown magic ${prefix}${name}`, `Valid magics: ${this.names().join(", ")}.`);
  }

  /**
   * Splits a cell into steps. A cell starting with `%%name` belongs to that magic; otherwise leading `%name`
   * lines run in order and the rest (if any) is TypeScript.
   */
  plan(cell: string): CellStep[] {
    const lines = cell.split("\n");
    const first = lines.findIndex((l) => l.trim() !== "");
    if (first === -1) return [{ kind: "code", code: cell }];
    const head = (lines[first] as string).trim();
    if (head.startsWith("%%")) {
      const [name = "", ...tokens] = tokenize(head.slice(2));
      return [{ kind: "magic", magic: this.lookup("%%", name), tokens, body: lines.slice(first + 1).join("\n") }];
    }
    const steps: CellStep[] = [];
    let i = first;
    for (; i < lines.length; i++) {
      const line = (lines[i] as string).trim();
      if (line === "" || line.startsWith("//")) continue;
      if (!line.startsWith("%")) break;
      const [name = "", ...tokens] = tokenize(line.slice(1));
      steps.push({ kind: "magic", magic: this.lookup("%", name), tokens, body: "" });
    }
    const rest = lines.slice(i).join("\n");
    if (rest.trim() !== "") steps.push({ kind: "code", code: rest });
    return steps;
  }
}
