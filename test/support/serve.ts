import { serviceStatus } from "../../service/control.js";

/**
 * Waits until a model worker of the service in `stateDir` is decoding, kills it as a crash would, and returns its
 * pid; fails when none gets busy in time (the questions never reached the service).
 */
export async function killBusyWorker(stateDir: string, timeoutMs = 300_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await serviceStatus(stateDir);
    const pid = status.service === "running" ? status.workers.find((w) => w.running > 0)?.pid : undefined;
    if (pid !== undefined) {
      process.kill(pid, "SIGKILL");
      return pid;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no model worker of the service in ${stateDir} became busy within ${timeoutMs / 1000} s`);
}
