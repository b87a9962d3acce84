import { randomUUID } from "node:crypto";
import http from "node:http";
import WebSocket from "ws";

/**
 * A student's browser, reduced to what the class tests need: it logs in to JupyterHub through nginx with a cookie
 * jar, starts its server, opens a StreamLink kernel and runs cells over the kernel's websocket, as JupyterLab does.
 */
export class HubUser {
  /** Cookies by path, then name: the hub (/hub/) and each server (/user/NAME/) set their own `_xsrf`. */
  private readonly cookies = new Map<string, Map<string, string>>();
  /** Where the last request ended, after its redirects. */
  private lastUrl = "";

  constructor(readonly base: string, readonly name: string) {}

  /** GET/POST with this user's cookies, following redirects by hand so that every Set-Cookie is kept. */
  async request(route: string, init: { method?: string; form?: Record<string, string> | [string, string][]; json?: unknown; follow?: boolean } = {}): Promise<Response> {
    let url = new URL(route, this.base).toString();
    let method = init.method ?? "GET";
    let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : init.json === undefined ? undefined : JSON.stringify(init.json);
    for (let hop = 0; hop < 10; hop++) {
      const headers: Record<string, string> = { cookie: this.cookieHeader(url), referer: this.base };
      const xsrf = this.cookie(url, "_xsrf");
      if (xsrf && method !== "GET") headers["x-xsrftoken"] = xsrf;
      // JupyterHub and Jupyter Server set their _xsrf cookie only for a page the browser navigates to (and fetch
      // may not say so: it sets Sec-Fetch-Mode itself, hence node:http).
      if (method === "GET") headers["sec-fetch-mode"] = "navigate";
      if (init.form && body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
      if (init.json !== undefined && body !== undefined) headers["content-type"] = "application/json";
      const response = await send(url, method, headers, body);
      this.lastUrl = url;
      for (const cookie of response.headers.getSetCookie()) {
        const [pair = "", ...attributes] = cookie.split(";").map((part) => part.trim());
        const at = pair.indexOf("=");
        const cookiePath = attributes.find((a) => a.toLowerCase().startsWith("path="))?.slice(5) ?? "/";
        const jar = this.cookies.get(cookiePath) ?? new Map<string, string>();
        jar.set(pair.slice(0, at), pair.slice(at + 1));
        this.cookies.set(cookiePath, jar);
      }
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || !location || init.follow === false) return response;
      url = new URL(location, url).toString();
      method = "GET";
      body = undefined;
    }
    throw new Error(`too many redirects from ${route}`);
  }

  async login(password: string): Promise<void> {
    await this.request("/hub/login");
    // The hub answers a good password with a redirect to its spawn page; the server is started through the API.
    const response = await this.request("/hub/login", { method: "POST", form: { username: this.name, password, _xsrf: this.cookie(`${this.base}/hub/login`, "_xsrf") ?? "" }, follow: false });
    if (response.status !== 302) throw new Error(`${this.name} could not log in (${response.status})`);
  }

  /** Starts the user's server (when stopped) and waits until its JupyterLab page opens through nginx. */
  async startServer(timeoutMs = 240_000): Promise<void> {
    await this.request(`/hub/api/users/${this.name}/server`, { method: "POST", json: {} });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      // While it starts, the page sends the browser to the hub's "spawn pending" page (200 too).
      const page = await this.open(`/user/${this.name}/lab`);
      if (page.status === 200 && page.path.startsWith(`/user/${this.name}/`)) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`${this.name}'s server did not start`);
  }

  /**
   * Opens a page as a browser does: a server's page sends a visitor without its cookie through the hub's OAuth,
   * which lets in the owner and admins only. Returns the final status and the path it landed on.
   */
  async open(route: string): Promise<{ status: number; path: string }> {
    const response = await this.request(route);
    const page = new URL(this.lastUrl);
    if (response.status !== 200 || page.pathname !== "/hub/api/oauth2/authorize") return { status: response.status, path: page.pathname };
    // Someone else's server (an admin's visit): the hub asks to confirm the access, as a person clicks Authorize.
    const html = await response.text();
    const fields = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1] ?? "", m[2] ?? ""] as [string, string]);
    const confirmed = await this.request(`${page.pathname}${page.search}`, { method: "POST", form: fields });
    return { status: confirmed.status, path: new URL(this.lastUrl).pathname };
  }

  async openKernel(kernelName = "streamlink"): Promise<HubKernel> {
    const response = await this.request(`/user/${this.name}/api/kernels`, { method: "POST", json: { name: kernelName } });
    if (response.status !== 201) throw new Error(`kernel start answered ${response.status}: ${await response.text()}`);
    const { id } = await response.json() as { id: string };
    const socket = new WebSocket(`${this.base.replace(/^http/, "ws")}/user/${this.name}/api/kernels/${id}/channels`, { headers: { cookie: this.cookieHeader(`${this.base}/user/${this.name}/api/kernels`) } });
    await new Promise<void>((resolve, reject) => { socket.once("open", () => resolve()); socket.once("error", reject); });
    return new HubKernel(socket, this.name);
  }

  private cookieHeader(url: string): string {
    const route = new URL(url).pathname;
    return [...this.cookies].filter(([p]) => route.startsWith(p)).flatMap(([, jar]) => [...jar].map(([k, v]) => `${k}=${v}`)).join("; ");
  }

  private cookie(url: string, name: string): string | undefined {
    const route = new URL(url).pathname;
    // The most specific path wins, as in a browser.
    const paths = [...this.cookies.keys()].filter((p) => route.startsWith(p) && this.cookies.get(p)?.has(name)).sort((a, b) => b.length - a.length);
    return paths[0] === undefined ? undefined : this.cookies.get(paths[0])?.get(name);
  }
}

export interface CellOutput {
  readonly status: string;
  /** Every IOPub message of the request: its type and content. */
  readonly messages: { type: string; content: Record<string, unknown> }[];
}

export class HubKernel {
  private readonly pending = new Map<string, { messages: CellOutput["messages"]; status?: string; idle: boolean; done: (o: CellOutput) => void }>();
  private readonly session = randomUUID();

  constructor(private readonly socket: WebSocket, private readonly user: string) {
    socket.on("message", (data) => {
      const msg = JSON.parse(String(data)) as { channel: string; msg_type: string; parent_header: { msg_id?: string }; content: Record<string, unknown> };
      const cell = this.pending.get(msg.parent_header.msg_id ?? "");
      if (!cell) return;
      if (msg.channel === "iopub") {
        cell.messages.push({ type: msg.msg_type, content: msg.content });
        if (msg.msg_type === "status" && msg.content["execution_state"] === "idle") cell.idle = true;
      }
      if (msg.channel === "shell" && msg.msg_type === "execute_reply") cell.status = String(msg.content["status"]);
      if (cell.idle && cell.status !== undefined) cell.done({ status: cell.status, messages: cell.messages });
    });
  }

  run(code: string): Promise<CellOutput> {
    const msgId = randomUUID();
    return new Promise((done) => {
      this.pending.set(msgId, { messages: [], idle: false, done });
      this.socket.send(JSON.stringify({
        header: { msg_id: msgId, username: this.user, session: this.session, msg_type: "execute_request", version: "5.3", date: new Date().toISOString() },
        parent_header: {}, metadata: {}, channel: "shell", buffers: [],
        content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
      }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

function send(url: string, method: string, headers: Record<string, string>, body: string | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) out.append(name, v);
        }
        const status = res.statusCode ?? 0;
        resolve(new Response([101, 204, 205, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers: out }));
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}
