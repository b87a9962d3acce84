/** Messages between the model service and its worker processes (Node's IPC channel, JSON-serialised). */
import type { Completion } from "../models/text-model.js";
import type { ServedModel, WireCompletion } from "./protocol.js";

export type ParentMessage =
  /** `stream`: send the answer's text as it is decoded (`text` messages), for a cell that shows it. */
  | { readonly type: "run"; readonly id: number; readonly request: WireCompletion; readonly stream?: boolean }
  | { readonly type: "cancel"; readonly id: number };

export type WorkerMessage =
  | { readonly type: "ready"; readonly slots: number; readonly model: ServedModel }
  | { readonly type: "failed"; readonly message: string }
  | { readonly type: "beat" }
  | { readonly type: "text"; readonly id: number; readonly chunk: string }
  | { readonly type: "done"; readonly id: number; readonly completion: Completion }
  | { readonly type: "error"; readonly id: number; readonly message: string; readonly aborted: boolean };
