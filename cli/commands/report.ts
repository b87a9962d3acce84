import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { StreamLinkError, UsageError, asError } from "../../core/errors.js";
import { packageRoot } from "../../core/paths.js";
import { flagOption, parseArgs, stringOption } from "../../magics/options.js";
import { EXIT, type CommandIO } from "../io.js";

const execFileAsync = promisify(execFile);

const OPTIONS = {
  execute: { type: "flag", help: "run every cell first, through the streamlink kernel" },
  out: { type: "string", help: "the HTML file to write (default: NOTEBOOK.html beside the notebook)", metavar: "FILE" },
  help: { type: "flag", help: "show this help" },
} as const;

export const USAGE = `usage: streamlink report NOTEBOOK.ipynb [--execute] [--out FILE.html]
  Writes one HTML file to share: each cell's SQL, the checker's verdict with its findings, what the query does
  in plain words, the local model's provenance, result tables and charts (as images). --execute runs the
  notebook first through the streamlink kernel (the notebook file itself is left as it is).
  Prints {"report": "FILE.html"}. Uses nbconvert from the set-up's .venv with StreamLink's template.`;

/** nbconvert failed: its own message is kept, the hint says what usually causes it. */
export class ReportError extends StreamLinkError {
  constructor(message: string, data: Record<string, unknown>, options?: ErrorOptions) {
    super("report", message, "Check that the notebook runs in JupyterLab (a failing cell stops --execute), and that the set-up has run (npm run lab).", data, options);
  }
}

/** `streamlink report NOTEBOOK [--execute] [--out FILE]`. */
export async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs("streamlink report", argv, OPTIONS);
  if (flagOption(args, "help")) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const [notebook, ...extra] = args.positionals;
  if (!notebook || extra.length > 0 || !notebook.endsWith(".ipynb")) {
    throw new UsageError("report needs one notebook (.ipynb)", "Usage: streamlink report NOTEBOOK.ipynb [--execute] [--out FILE.html]");
  }
  const source = path.resolve(notebook);
  if (!existsSync(source)) throw new UsageError(`No notebook at ${source}`, "Give the path of an .ipynb file.");
  const out = path.resolve(stringOption(args, "out") ?? source.replace(/\.ipynb$/, ".html"));
  const root = packageRoot();
  const venvJupyter = path.join(root, ".venv", "bin", "jupyter");
  try {
    await execFileAsync(existsSync(venvJupyter) ? venvJupyter : "jupyter", [
      "nbconvert", "--to", "html",
      `--TemplateExporter.extra_template_basedirs=${path.join(root, "cli", "templates")}`, "--template", "streamlink-report",
      ...(flagOption(args, "execute") ? ["--execute", "--ExecutePreprocessor.timeout=900"] : []),
      "--output-dir", path.dirname(out), "--output", path.basename(out, ".html"), source,
    ], { cwd: path.dirname(source), maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "");
    const last = stderr.trim().split("\n").filter(Boolean).slice(-3).join(" ");
    throw new ReportError(`nbconvert could not write the report: ${last || asError(error).message}`, { notebook: source }, { cause: error });
  }
  io.stdout.write(`${JSON.stringify({ report: out })}\n`);
  return EXIT.ok;
}
