import type { SavedExample } from "../core/llm.js";
import { UsageError } from "../core/errors.js";
import { ExampleStore, examplesFileFor, EXAMPLES_FILE } from "../models/examples.js";
import type { Magic } from "./magic.js";
import { join } from "node:path";

/** The saved question→SQL pairs and notes that `%%ask` offers the model, for the notebook's folder. */
export function readExamples(cwd: string): { examples: SavedExample[]; notes: string[] } {
  const store = new ExampleStore(examplesFileFor(cwd));
  return { examples: store.list(), notes: store.notes() };
}

/**
 * `%%remember QUESTION` with the verified SQL as the cell body: saves the pair in the notebook folder's
 * `streamlink-examples.json`, where later `%%ask` cells find it as an example. The SQL is checked first.
 */
export const rememberMagic: Magic = {
  name: "remember",
  kind: "cell",
  body: "sql",
  summary: "Save a verified question→SQL pair as an example for %%ask: %%remember QUESTION, SQL below",
  options: {},
  positionals: "QUESTION",
  async run(invocation, context) {
    const question = invocation.tokens.join(" ").trim();
    const sql = invocation.body.trim();
    if (question === "" || sql === "") {
      throw new UsageError("%%remember needs a question and its SQL", 'Write %%remember "how many patents per country?" and the SQL on the lines below.');
    }
    const engine = await context.session.engine();
    const verdict = await context.session.check(sql, engine);
    if (verdict.verdict === "block") {
      throw new UsageError("Only SQL that passes the checker can be remembered", verdict.findings.map((f) => f.message).join("; ") || "Fix the SQL first with %%sql.");
    }
    const store = new ExampleStore(join(context.cwd, EXAMPLES_FILE));
    store.add(question, sql);
    context.display({ kind: "text", text: `Remembered (${store.list().length} example(s) in ${store.file}): ${question}` });
  },
};
