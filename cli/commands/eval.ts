import { UsageError } from "../../core/errors.js";
import { EXIT, type CommandIO, type CommandModule } from "../io.js";

/** `streamlink eval <suite>`: each suite is its own module, loaded only when asked for. */
const SUITES: Readonly<Record<string, { summary: string; load: () => Promise<CommandModule> }>> = {
  spider: { summary: "execution accuracy on Spider dev: eval spider [--data DIR] [--limit N] [--seed S] [--model NAME|PATH]", load: () => import("./eval-spider.js") },
  sqli: { summary: "checker precision/recall on labelled SQL injection: eval sqli --file CSV", load: () => import("./eval-sqli.js") },
  questions: { summary: "execution accuracy on a question file: eval questions --db PATH --file FILE.jsonl", load: () => import("./eval-questions.js") },
};

const USAGE = ["usage: streamlink eval <suite> [options]", "", "suites:", ...Object.entries(SUITES).map(([name, s]) => `  ${name.padEnd(10)} ${s.summary}`)].join("\n");

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    io.stdout.write(`${USAGE}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const suite = SUITES[name];
  if (!suite) throw new UsageError(`Unknown evaluation '${name}'`, `Valid: ${Object.keys(SUITES).join(", ")}.`);
  return (await suite.load()).run(rest, io);
}
