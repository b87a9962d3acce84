/**
 * The model service's HTTP face on 127.0.0.1: `POST /v1/complete` (the events of one request, a JSON object a
 * line, until its answer), `GET /metrics` and `GET /health`. Every route but `/health` needs the bearer token;
 * closing the request cancels it (removed from the queue, or its decoding stopped).
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamLinkError, asError } from "../core/errors.js";
import { ModelBusyError, type CompleteBody, type ServedModel, type ServiceEvent } from "./protocol.js";
import type { Scheduler } from "./scheduler.js";

export interface ServerOptions {
  readonly port: number;
  readonly token: string;
  readonly model: ServedModel;
}

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function startServer(scheduler: Scheduler, options: ServerOptions): Promise<RunningServer> {
  const expected = Buffer.from(`Bearer ${options.token}`);
  const authorised = (req: IncomingMessage): boolean => {
    const given = Buffer.from(req.headers.authorization ?? "");
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const server = createServer((req, res) => {
    const route = `${req.method} ${new URL(req.url ?? "/", "http://localhost").pathname}`;
    if (route === "GET /health") return json(res, 200, { ok: true, model: options.model, workers: scheduler.workers() });
    if (!authorised(req)) return json(res, 401, errorEvent(new StreamLinkError("unauthorised", "Missing or wrong service token.", "Set STREAMLINK_MODEL_TOKEN to the token file's content (`serve start` writes it).")));
    if (route === "GET /metrics") return json(res, 200, scheduler.metrics());
    if (route === "POST /v1/complete") return void complete(scheduler, req, res);
    return json(res, 404, errorEvent(new StreamLinkError("not-found", `No route ${route}.`, "Use POST /v1/complete, GET /metrics or GET /health.")));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function complete(scheduler: Scheduler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: CompleteBody;
  try {
    body = parseBody(await readBody(req));
  } catch (thrown) {
    return json(res, 400, errorEvent(asError(thrown)));
  }
  const controller = new AbortController();
  res.on("close", () => { if (!res.writableFinished) controller.abort(new StreamLinkError("cancelled", "The client went away.", "")); });
  const write = (event: ServiceEvent): void => {
    if (!res.headersSent) res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
    res.write(`${JSON.stringify(event)}\n`);
  };
  try {
    const completion = await scheduler.submit(body.user, body.priority, body.request, {
      signal: controller.signal,
      onQueued: (status) => write({ type: "queued", ...status }),
      onRunning: (worker) => write({ type: "running", worker }),
      ...(body.stream ? { onText: (chunk: string) => write({ type: "text", chunk }) } : {}),
    });
    write({ type: "done", completion });
    res.end();
  } catch (thrown) {
    if (controller.signal.aborted) return;
    const event = errorEvent(asError(thrown));
    if (res.headersSent) {
      write(event);
      res.end();
    } else {
      json(res, thrown instanceof ModelBusyError ? 503 : 500, event);
    }
  }
}

function errorEvent(error: Error): ServiceEvent {
  return error instanceof StreamLinkError
    ? { type: "error", code: error.code, message: error.message, hint: error.hint, data: { ...error.data } }
    : { type: "error", code: "model-service", message: error.message, hint: "See the model service's log.", data: {} };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(`${JSON.stringify(value)}\n`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new StreamLinkError("bad-request", `Request body over ${MAX_BODY_BYTES} bytes.`, "Send a shorter prompt.");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Checks the shape of a request body; a wrong one is a 400 with what was wrong, never a crash. */
export function parseBody(text: string): CompleteBody {
  const bad = (what: string): StreamLinkError =>
    new StreamLinkError("bad-request", `Bad completion request: ${what}.`, "Send {user, priority, request: {messages, maxTokens, grammar?, temperature?, seed?}, stream?}.");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad("the body is not JSON");
  }
  const body = value as Partial<CompleteBody> | null;
  if (typeof body !== "object" || body === null) throw bad("the body is not an object");
  if (typeof body.user !== "string" || body.user === "") throw bad("`user` must be a non-empty string");
  if (body.priority !== "interactive" && body.priority !== "batch") throw bad("`priority` must be interactive or batch");
  const request = body.request;
  if (typeof request !== "object" || request === null) throw bad("`request` is missing");
  if (!Array.isArray(request.messages) || !request.messages.every((m) => typeof m?.text === "string" && ["system", "user", "assistant"].includes(m?.role))) {
    throw bad("`request.messages` must be [{role, text}]");
  }
  if (!Number.isInteger(request.maxTokens) || request.maxTokens <= 0) throw bad("`request.maxTokens` must be a positive integer");
  if (request.grammar !== undefined && typeof request.grammar !== "string") throw bad("`request.grammar` must be GBNF text");
  if (request.temperature !== undefined && typeof request.temperature !== "number") throw bad("`request.temperature` must be a number");
  if (request.seed !== undefined && !Number.isInteger(request.seed)) throw bad("`request.seed` must be an integer");
  if (body.stream !== undefined && typeof body.stream !== "boolean") throw bad("`stream` must be true or false");
  return { user: body.user, priority: body.priority, request, ...(body.stream ? { stream: true } : {}) };
}
