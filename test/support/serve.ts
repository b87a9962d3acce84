import { serviceStatus } from "../../service/control.js";

/** Waits until a model worker of the service in `stateDir` is decoding, kills it as a crash would, and returns its pid. */
export async function killBusyWorker(stateDir: string): Promise<number> {
  for (;;) {
    const status = await serviceStatus(stateDir);
    const pid = status.service === "running" ? status.workers.find((w) => w.running > 0)?.pid : undefined;
    if (pid !== undefined) {
      process.kill(pid, "SIGKILL");
      return pid;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
