/**
 * The only file that imports node-llama-cpp. It is loaded with a dynamic import so that the kernel starts,
 * and `%%sql` runs, without the native library or a model on the machine.
 */
import { availableParallelism, loadavg } from "node:os";
import { StreamLinkError, asError } from "../core/errors.js";
import type { ResolvedAdapter, ResolvedModel } from "./registry.js";
import { sha256File } from "./registry.js";
import type { ChatMessage, Completion, CompletionRequest, TextModel } from "./text-model.js";

type NodeLlamaCpp = typeof import("node-llama-cpp");
type Llama = import("node-llama-cpp").Llama;
type LlamaModel = import("node-llama-cpp").LlamaModel;
type LlamaContext = import("node-llama-cpp").LlamaContext;
type LlamaChat = import("node-llama-cpp").LlamaChat;
type LlamaGrammar = import("node-llama-cpp").LlamaGrammar;
type ChatHistoryItem = import("node-llama-cpp").ChatHistoryItem;
type Token = import("node-llama-cpp").Token;

export interface LoadOptions {
  /** CPU threads; see {@link defaultThreads}. */
  readonly threads?: number;
  readonly contextSize?: number;
  /**
   * Sequences of the one context (1 by default): each serves one request at a time, all share one mapping of the
   * weights, and llama.cpp evaluates their tokens in the same batch (the model service's workers use several).
   */
  readonly sequences?: number;
  /**
   * Map the GGUF rather than read it (true by default: a kernel starts sooner). llama.cpp's CPU back end copies
   * most Q4_K weights into its own repacked layout anyway, so the mapping's pages mostly duplicate them; a
   * long-lived worker reads the file instead (measured with two 4,096-token sequences: 2.40 GB resident with the
   * mapping, of which 0.94 GB the file's; 1.64 GB without).
   */
  readonly mmap?: boolean;
  /** A LoRA adapter applied to every sequence (at its trained scale); checked against the model before it loads. */
  readonly lora?: ResolvedAdapter;
}

/** Loads a GGUF on the CPU: one native runtime, one model, one context with `sequences` sequences. */
export async function loadLlamaModel(model: ResolvedModel, options: LoadOptions = {}): Promise<TextModel> {
  const lib = await importNodeLlamaCpp();
  const threads = options.threads ?? defaultThreads();
  let llama: Llama | undefined;
  try {
    llama = await lib.getLlama({ gpu: false, build: "never", logLevel: lib.LlamaLogLevel.error, maxThreads: threads });
    // The adapter is checked first: a mismatch is found from the files' headers without loading the model.
    const adapter = options.lora && await checkAdapterFits(lib, options.lora, model);
    const loaded = await llama.loadModel({ modelPath: model.path, useMlock: false, useMmap: options.mmap ?? true });
    const sequences = options.sequences ?? 1;
    const context = await loaded.createContext({
      contextSize: options.contextSize ?? model.contextSize, threads, sequences,
      ...(adapter ? { lora: { adapters: [{ filePath: adapter.path }] } } : {}),
    });
    const chats = Array.from({ length: sequences }, () => new lib.LlamaChat({ contextSequence: context.getSequence() }));
    return new LlamaTextModel(llama, loaded, context, chats, model, adapter);
  } catch (thrown) {
    await llama?.dispose();
    if (thrown instanceof StreamLinkError) throw thrown;
    throw new StreamLinkError("model-load", `Could not load the model ${model.name}: ${asError(thrown).message}`,
      "Check that the file is a GGUF model (re-run `bash scripts/setup-models.sh` for bundled ones) and that there is enough free memory.",
      { model: model.name, path: model.path }, { cause: thrown });
  }
}

/**
 * STREAMLINK_THREADS when set; otherwise the core count (node-llama-cpp's own default of 4 is ~100x slower on
 * 2 cores), or 1 when the machine is busier than twice its cores: llama.cpp's threads wait for each other at
 * every step, and with the CPU oversubscribed a second thread mostly waits (measured on 2 cores at load 13:
 * a 6-token answer took 19.5 s with 2 threads, 0.9 s with 1). Not at once past the core count: the 1-minute
 * load still counts work that just ended (a build, the last question), and one thread on an idle 2-core machine
 * answers in about twice the time (measured: patents dev median 6 s with 2 threads, 11 s with 1).
 */
export function defaultThreads(env: NodeJS.ProcessEnv = process.env): number {
  const wanted = Number(env["STREAMLINK_THREADS"]);
  if (Number.isInteger(wanted) && wanted > 0) return wanted;
  const cores = availableParallelism();
  return (loadavg()[0] ?? 0) >= 2 * cores ? 1 : cores;
}

/** An adapter whose file was read and fits the loaded model, with its sha256 for provenance. */
interface LoadedAdapter extends ResolvedAdapter {
  readonly sha256: string;
}

/**
 * A LoRA adapter changes given weight matrices, so it fits only a model with the same architecture and shapes: its
 * metadata must say it is a LoRA, its architecture must be the model's, and each `lora_a` of an attention query
 * (whose input is the model's hidden state) must be as wide as the model's embedding. Read from both files' headers,
 * so the user hears which adapter and why, before the model's gigabyte is loaded.
 */
async function checkAdapterFits(lib: NodeLlamaCpp, adapter: ResolvedAdapter, model: ResolvedModel): Promise<LoadedAdapter> {
  const mismatch = (why: string) => new StreamLinkError("adapter-mismatch", `The LoRA adapter ${adapter.name} does not fit ${model.name}: ${why}.`,
    "Load an adapter trained for this model (`streamlink adapt train --model " + model.name + "` makes one), or load the model it was trained for.",
    { adapter: adapter.name, path: adapter.path, model: model.name, why });
  let info: import("node-llama-cpp").GgufFileInfo;
  try {
    info = await lib.readGgufFileInfo(adapter.path, { readTensorInfo: true });
  } catch (thrown) {
    throw mismatch(`it is not a GGUF file (${asError(thrown).message.split("\n")[0] ?? ""})`);
  }
  const metadata = info.metadata as { readonly adapter?: { readonly type?: unknown }; readonly general?: { readonly architecture?: unknown } };
  if (metadata.adapter?.type !== "lora") throw mismatch("it is not a LoRA adapter (its GGUF metadata has no adapter.type \"lora\")");
  const base = (await lib.readGgufFileInfo(model.path)).metadata as Record<string, { readonly architecture?: unknown; readonly embedding_length?: unknown } | undefined>;
  const architecture = String(base["general"]?.architecture);
  if (metadata.general?.architecture !== architecture) throw mismatch(`it is for the ${String(metadata.general?.architecture)} architecture, the model is ${architecture}`);
  const width = Number(base[architecture]?.embedding_length);
  const query = info.tensorInfo?.find((t) => t.name.endsWith(".attn_q.weight.lora_a"));
  if (query && Number(query.dimensions[0]) !== width) throw mismatch(`it was trained for a model with ${Number(query.dimensions[0])}-wide hidden states, this one has ${width}`);
  return { ...adapter, sha256: adapter.spec?.sha256 ?? await sha256File(adapter.path) };
}

async function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  try {
    return await import("node-llama-cpp");
  } catch (thrown) {
    throw new StreamLinkError("model-runtime", `node-llama-cpp could not be loaded: ${asError(thrown).message}`,
      "Run `npm install` in the StreamLink folder; %%sql works without it.", {}, { cause: thrown });
  }
}

/** The tokens ChatML wraps each message in (`<|im_start|>role\n` … `<|im_end|>\n`), counted generously. */
const CHAT_TEMPLATE_TOKENS = 6;

class LlamaTextModel implements TextModel {
  readonly name: string;
  readonly path: string;
  private readonly grammars = new Map<string, LlamaGrammar>();
  private digest: Promise<string> | undefined;
  /** Chats whose sequence is free; a request takes one and gives it back, later requests wait for one. */
  private readonly free: LlamaChat[];
  private readonly waiting: ((chat: LlamaChat) => void)[] = [];
  private readonly running = new Set<Promise<unknown>>();
  /** The conversation each chat's sequence holds, once its start is in place: system prompt and first question. */
  private readonly conversations = new Map<LlamaChat, string>();
  /** Per system prompt, the tokens of the prompt that come before the question's own text. */
  private readonly prefixes = new Map<string, Token[]>();

  constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly chats: readonly LlamaChat[],
    private readonly resolved: ResolvedModel,
    readonly adapter?: LoadedAdapter,
  ) {
    this.free = [...chats];
    this.name = resolved.name;
    this.path = resolved.path;
  }

  sha256(): Promise<string> {
    this.digest ??= this.resolved.spec ? Promise.resolve(this.resolved.spec.sha256) : sha256File(this.path);
    return this.digest;
  }

  complete(request: CompletionRequest): Promise<Completion> {
    const run = this.withChat((chat) => {
      // A request stopped while it waited for a sequence never starts.
      request.signal?.throwIfAborted();
      return this.completeOn(chat, request);
    });
    const settled = run.catch(() => undefined);
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return settleOnAbort(run, request.signal);
  }

  private async withChat<T>(work: (chat: LlamaChat) => Promise<T>): Promise<T> {
    const chat = this.free.pop() ?? await new Promise<LlamaChat>((resolve) => this.waiting.push(resolve));
    try {
      return await work(chat);
    } finally {
      const next = this.waiting.shift();
      if (next) next(chat);
      else this.free.push(chat);
    }
  }

  private async completeOn(chat: LlamaChat, request: CompletionRequest): Promise<Completion> {
    const started = performance.now();
    const grammar = request.grammar === undefined ? undefined : await this.grammar(request.grammar);
    this.checkRoom(chat, request);
    const history = toHistory(request.messages);
    await this.startConversation(chat, request.messages);
    let tokens = 0;
    let text = "";
    const response = await chat.generateResponse(history, {
      grammar,
      maxTokens: request.maxTokens,
      temperature: request.temperature ?? 0,
      ...(request.temperature ? { seed: request.seed ?? 1, topK: 40, topP: 0.95 } : {}),
      signal: request.signal,
      stopOnAbortSignal: false,
      onToken: (generated) => { tokens += generated.length; },
      onTextChunk: request.onText && ((chunk: string) => { text += chunk; request.onText?.(text); }),
    });
    return { text: response.response, tokens, elapsedMs: performance.now() - started };
  }

  /**
   * A prompt and its answer longer than the sequence holds would be cut by LlamaChat from its start, the schema first,
   * without a word, and the model would answer about tables it no longer sees; such a request is refused instead.
   * The model service's workers hold 4,096 tokens a sequence, half of what a kernel's own model holds.
   */
  private checkRoom(chat: LlamaChat, request: CompletionRequest): void {
    const room = chat.sequence.contextSize;
    const prompt = request.messages.reduce((sum, m) => sum + this.model.tokenize(m.text).length + CHAT_TEMPLATE_TOKENS, 0);
    if (prompt + request.maxTokens <= room) return;
    throw new StreamLinkError("prompt-too-long",
      `The model's prompt takes ${prompt} tokens and its answer up to ${request.maxTokens}, more than the ${room} tokens it holds per question.`,
      "Ask about fewer tables: %connect a folder (or a database) that holds only the tables the question needs.",
      { promptTokens: prompt, answerTokens: request.maxTokens, contextTokens: room });
  }

  /**
   * Greedy decoding gives one answer per prompt only if the prompt is evaluated the same way each time. LlamaChat
   * keeps whatever prefix the sequence shares with the last request, so a question's prompt was read from a point
   * that depended on the question before it (the batches, and so the rounding, differed), and on Spider a question
   * answered right alone was answered wrong after another one. So every first try (a prompt without an answer in
   * it: a new question, the same question asked again, another candidate) is read from its system prompt evaluated
   * on its own; a repair continues the conversation of its question, whose state its first try fixed.
   */
  private async startConversation(chat: LlamaChat, messages: readonly ChatMessage[]): Promise<void> {
    const key = JSON.stringify(messages.slice(0, 2));
    if (messages.some((m) => m.role === "assistant") && this.conversations.get(chat) === key) return;
    this.conversations.delete(chat);
    const prefix = this.fixedPrefix(chat, messages[0]?.role === "system" ? messages[0].text : undefined);
    const sequence = chat.sequence;
    if (sequence.compareContextTokens(prefix).firstDifferentIndex === prefix.length) {
      if (sequence.nextTokenIndex > prefix.length) await sequence.eraseContextTokenRanges([{ start: prefix.length, end: sequence.nextTokenIndex }]);
    } else {
      await sequence.clearHistory();
      await sequence.evaluateWithoutGeneratingNewTokens(prefix);
    }
    this.conversations.set(chat, key);
  }

  /** The chat template's tokens up to a question's text: where two renderings that differ only in the question part. */
  private fixedPrefix(chat: LlamaChat, system: string | undefined): Token[] {
    const key = system ?? "";
    const known = this.prefixes.get(key);
    if (known) return known;
    const render = (question: string): Token[] => chat.chatWrapper.generateContextState({
      chatHistory: [...(system === undefined ? [] : [{ type: "system", text: system } as const]), { type: "user", text: question }, { type: "model", response: [] }],
    }).contextText.tokenize(this.model.tokenizer);
    const [a, b] = [render("a"), render("b")];
    let same = 0;
    while (same < a.length && a[same] === b[same]) same++;
    const prefix = a.slice(0, same);
    this.prefixes.set(key, prefix);
    return prefix;
  }

  private async grammar(text: string): Promise<LlamaGrammar> {
    const cached = this.grammars.get(text);
    if (cached) return cached;
    const grammar = await this.llama.createGrammar({ grammar: text });
    this.grammars.set(text, grammar);
    return grammar;
  }

  async close(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    for (const chat of this.chats) chat.dispose();
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}

/**
 * node-llama-cpp stops decoding at the next token once the signal aborts, but not while it evaluates a prompt (tens
 * of seconds for a long one on a busy CPU): the caller is answered at once, and the evaluation finishes in the
 * background, holding its sequence (`withChat`) so that a later request waits for a free one.
 */
function settleOnAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(signal.reason);
    if (signal.aborted) stop();
    signal.addEventListener("abort", stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}

function toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem =>
    m.role === "system" ? { type: "system", text: m.text }
      : m.role === "user" ? { type: "user", text: m.text }
        : { type: "model", response: [m.text] });
  // LlamaChat continues the last model turn, so the answer gets an empty one to fill.
  history.push({ type: "model", response: [] });
  return history;
}

/** Checks texts against GBNF grammars with llama.cpp's own grammar engine; needs the runtime, not a model. */
export interface GrammarTester {
  /** True when `text` is a complete match of the grammar; throws when the grammar does not parse. */
  accepts(grammar: string, text: string): boolean;
  close(): Promise<void>;
}

/**
 * llama.cpp accepts an invalid GBNF at creation and fails only while sampling, so grammars are tested here.
 * node-llama-cpp exposes the check as `_testText`, an internal method: its absence is reported, not ignored.
 */
export async function createGrammarTester(): Promise<GrammarTester> {
  const lib = await importNodeLlamaCpp();
  const llama = await lib.getLlama({ gpu: false, build: "never", logLevel: lib.LlamaLogLevel.error });
  return {
    accepts(grammar, text) {
      const compiled: unknown = new lib.LlamaGrammar(llama, { grammar });
      const test = (compiled as { _testText?: unknown })._testText;
      if (typeof test !== "function") throw new Error("this node-llama-cpp version has no grammar text test (LlamaGrammar._testText)");
      return (test as (text: string) => unknown).call(compiled, text) === true;
    },
    close: () => llama.dispose(),
  };
}
