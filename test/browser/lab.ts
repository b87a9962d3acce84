/**
 * Starts a real JupyterLab (from the repo's .venv) and a real Debian Chromium for the browser tests, each
 * isolated in a temp folder, and stops both — including any kernel JupyterLab started — when asked.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { freePort } from "../support/ports.js";

export const REPO = resolve(import.meta.dirname, "../..");
export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = join(REPO, "test-results/browser");
const JUPYTER = join(REPO, ".venv/bin/jupyter");
const EXTENSION = join(REPO, ".venv/share/jupyter/labextensions/streamlink-extension/package.json");

/** Fails with what to run when the prerequisites that `scripts/setup-extension.sh` installs are missing. */
export function assertPrerequisites(): void {
  const missing = [JUPYTER, EXTENSION, CHROMIUM].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`Missing ${missing.join(", ")}: run scripts/setup.sh (it runs scripts/setup-extension.sh).`);
  }
}

export interface LabOptions {
  /** Notebooks copied into the lab's root folder. */
  readonly notebooks: readonly string[];
  /** Kernelspec names the server offers; `[]` offers none, as for a reviewer without StreamLink installed. */
  readonly kernels: readonly string[];
  /** Symbolic links to create in the root folder, name → target (e.g. the data a notebook reads). */
  readonly links?: Readonly<Record<string, string>>;
}

/** A running JupyterLab server. */
export class Lab {
  private output = "";

  private constructor(
    readonly root: string,
    private readonly home: string,
    readonly baseUrl: string,
    readonly token: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (d: Buffer): void => void (this.output = (this.output + d.toString()).slice(-20_000));
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
  }

  static async start(options: LabOptions): Promise<Lab> {
    const home = await mkdtemp(join(tmpdir(), "streamlink-lab-"));
    const root = join(home, "work");
    await mkdir(root);
    for (const notebook of options.notebooks) await copyFile(notebook, join(root, basename(notebook)));
    for (const [name, target] of Object.entries(options.links ?? {})) await symlink(target, join(root, name));
    // No news or update toasts over the notebook in screenshots, and saving only when a test saves.
    const settings = join(home, "settings");
    const userSettings: Record<string, object> = {
      "@jupyterlab/apputils-extension/notification": { fetchNews: "false", checkForUpdates: false },
      "@jupyterlab/docmanager-extension/plugin": { autosave: false },
    };
    for (const [plugin, value] of Object.entries(userSettings)) {
      await mkdir(join(settings, plugin, ".."), { recursive: true });
      await writeFile(join(settings, `${plugin}.jupyterlab-settings`), JSON.stringify(value));
    }
    const port = await freePort();
    const token = randomBytes(16).toString("hex");
    const allowed = options.kernels.length > 0 ? options.kernels : ["no-kernel-offered"];
    const child = spawn(
      JUPYTER,
      [
        "lab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        `--ServerApp.port=${port}`,
        "--ServerApp.port_retries=0",
        `--IdentityProvider.token=${token}`,
        `--ServerApp.root_dir=${root}`,
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        `--KernelSpecManager.allowed_kernelspecs=${JSON.stringify(allowed)}`,
      ],
      {
        cwd: root,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          PATH: `${join(REPO, ".venv/bin")}:${process.env["PATH"] ?? ""}`,
          JUPYTER_CONFIG_DIR: join(home, "config"),
          JUPYTER_RUNTIME_DIR: join(home, "runtime"),
          JUPYTERLAB_SETTINGS_DIR: settings,
          JUPYTERLAB_WORKSPACES_DIR: join(home, "workspaces"),
        },
      },
    );
    const lab = new Lab(root, home, `http://127.0.0.1:${port}`, token, child);
    await lab.waitReady();
    return lab;
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`JupyterLab exited (${this.child.exitCode}):\n${this.output.slice(-3000)}`);
      try {
        if ((await this.api("GET", "/api/status")).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    await this.stop();
    throw new Error(`JupyterLab did not answer within 90 s:\n${this.output.slice(-3000)}`);
  }

  /** A URL with the token, e.g. `url("/lab/tree/x.ipynb")`. */
  url(path: string): string {
    return `${this.baseUrl}${path}?token=${this.token}`;
  }

  api(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { Authorization: `token ${this.token}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
  }

  /** Replaces a plugin's user settings (as the settings editor would save them). */
  async setSettings(pluginId: string, settings: Record<string, unknown>): Promise<void> {
    const response = await this.api("PUT", `/lab/api/settings/${pluginId}`, { raw: JSON.stringify(settings) });
    if (!response.ok) throw new Error(`Saving settings of ${pluginId} failed: ${response.status} ${await response.text()}`);
  }

  /** The ids of the kernels this server runs now. */
  async kernelIds(): Promise<string[]> {
    const response = await this.api("GET", "/api/kernels");
    return ((await response.json()) as { id: string }[]).map((k) => k.id);
  }

  /** Shuts its kernels down, stops the server, and removes its temp folder. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      for (const id of await this.kernelIds().catch(() => [])) await this.api("DELETE", `/api/kernels/${id}`).catch(() => undefined);
      const exited = new Promise<void>((ok) => this.child.once("exit", () => ok()));
      process.kill(-this.child.pid!, "SIGTERM");
      const timer = setTimeout(() => process.kill(-this.child.pid!, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.home, { recursive: true, force: true });
  }
}

/** Debian's Chromium in a fresh profile. */
export async function startChromium(): Promise<{ context: BrowserContext; page: Page; close: () => Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), "streamlink-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
