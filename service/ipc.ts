/** Messages between the model service and its worker processes (Node's IPC channel, JSON-serialised). */
import type { Completion } from "../models/text-model.js";
import type { ServedModel, WireCompletion } from "./protocol.js";

export type ParentMessage =
  | { readonly type: "run"; readonly id: number; readonly request: WireCompletion }
  | { readonly type: "cancel"; readonly id: number };

export type WorkerMessage =
  | { readonly type: "ready"; readonly slots: number; readonly model: ServedModel }
  | { readonly type: "failed"; readonly message: string }
  | { readonly type: "beat" }
  | { readonly type: "done"; readonly id: number; readonly completion: Completion }
  | { readonly type: "error"; readonly id: number; readonly message: string; readonly aborted: boolean };
