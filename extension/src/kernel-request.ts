import type { INotebookTracker } from "@jupyterlab/notebook";
import type { KernelRequest } from "./table-renderer.js";

/**
 * A line of code run on the kernel of the notebook that holds an output, outside the history (no execution count,
 * no cell): the kernel queues it behind running cells, so a page query never races a cell on the engine.
 */
export function kernelRequest(notebooks: INotebookTracker): KernelRequest {
  return async (node, code) => {
    const panel = notebooks.find((p) => p.node.contains(node));
    const kernel = panel?.sessionContext.session?.kernel;
    if (!kernel) throw new Error("No kernel is running for this notebook: run the cell again.");
    let data: Readonly<Record<string, unknown>> = {};
    let failure: string | undefined;
    const future = kernel.requestExecute({ code, silent: false, store_history: false, allow_stdin: false, stop_on_error: false });
    future.onIOPub = (message) => {
      const content = message.content as { data?: Record<string, unknown>; evalue?: string };
      if (message.header.msg_type === "display_data" && content.data) data = { ...data, ...content.data };
      if (message.header.msg_type === "error") failure = content.evalue;
    };
    await future.done;
    if (failure !== undefined) throw new Error(failure);
    return data;
  };
}
