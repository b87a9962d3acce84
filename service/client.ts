/**
 * The model service seen as a {@link TextModel}: the same chat, grammar, sampling, cancellation and text-so-far
 * (`onText`, which the cell shows as the SQL is written) as the in-process adapter (models/llama.ts), sent to a shared service. The composition root picks it when
 * `STREAMLINK_MODEL_URL` is set.
 */
import { StreamLinkError, asError } from "../core/errors.js";
import type { Completion, CompletionRequest, TextModel } from "../models/text-model.js";
import { ModelBusyError, ModelServiceError, type CompleteBody, type Priority, type ServedModel, type ServiceEvent, type WireCompletion } from "./protocol.js";

export interface RemoteModelOptions {
  readonly url: string;
  readonly token: string;
  readonly user: string;
  readonly priority: Priority;
}

/** Connects to the service and learns which model it serves; `wanted` (a name or path) must be that model. */
export async function connectRemoteModel(options: RemoteModelOptions, wanted?: string): Promise<TextModel> {
  const health = await call(options, "/health", {}).then((r) => r.json() as Promise<{ model: ServedModel }>);
  if (wanted !== undefined && wanted !== health.model.name && wanted !== health.model.path) {
    throw new StreamLinkError("model-service", `The model service runs ${health.model.name}, not ${wanted}.`,
      "Ask the service's operator for another model, or unset STREAMLINK_MODEL_URL to load one in this kernel.", { served: health.model.name, wanted });
  }
  return new RemoteTextModel(options, health.model);
}

class RemoteTextModel implements TextModel {
  readonly name: string;
  readonly path: string;

  constructor(private readonly options: RemoteModelOptions, private readonly served: ServedModel) {
    this.name = served.name;
    this.path = served.path;
  }

  sha256(): Promise<string> {
    return Promise.resolve(this.served.sha256);
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const { signal, onWait, onText } = request;
    const wire: WireCompletion = { messages: request.messages, grammar: request.grammar, maxTokens: request.maxTokens, temperature: request.temperature, seed: request.seed };
    const body: CompleteBody = { user: this.options.user, priority: this.options.priority, request: wire, ...(onText ? { stream: true } : {}) };
    const response = await call(this.options, "/v1/complete", { method: "POST", body: JSON.stringify(body), ...(signal ? { signal } : {}) });
    let completion: Completion | undefined;
    let text = "";
    for await (const event of events(response)) {
      if (event.type === "queued") onWait?.({ state: "queued", ahead: event.ahead, etaMs: event.etaMs });
      if (event.type === "running") {
        // A request that starts over on another worker (its first one was lost) writes its answer from the start.
        text = "";
        onWait?.({ state: "running" });
      }
      if (event.type === "text") {
        text += event.chunk;
        onText?.(text);
      }
      if (event.type === "done") completion = event.completion;
      if (event.type === "error") throw toError(event);
    }
    if (!completion) throw new ModelServiceError("The model service closed the request without an answer.");
    return completion;
  }

  async close(): Promise<void> {
    // Nothing is held here: the service's workers keep the model for everyone.
  }
}

async function call(options: RemoteModelOptions, route: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(new URL(route, options.url), { ...init, headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" } });
  } catch (thrown) {
    if (init.signal?.aborted) throw init.signal.reason ?? thrown;
    throw new ModelServiceError(`The model service at ${options.url} cannot be reached: ${asError(thrown).message}`, { url: options.url }, { cause: thrown });
  }
}

/** The service's events, one JSON object a line, as they arrive. */
async function* events(response: Response): AsyncGenerator<ServiceEvent> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of response.body) {
    buffered += decoder.decode(chunk as Uint8Array, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== "") yield JSON.parse(line) as ServiceEvent;
    }
  }
}

function toError(event: Extract<ServiceEvent, { type: "error" }>): StreamLinkError {
  if (event.code === "model-busy") return new ModelBusyError(event.data as ConstructorParameters<typeof ModelBusyError>[0]);
  return new StreamLinkError(event.code, event.message, event.hint, event.data);
}
