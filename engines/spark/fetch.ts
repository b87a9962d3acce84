import type { Table } from "apache-arrow";
import { checkResultMemory } from "../../core/memory.js";
import { ArrowBatches } from "./to-arrow.js";
import type { HiveConnection, RunningOperation } from "./thrift-client.js";

/** Rows asked for per FetchResults call: large enough to amortise the round trip, small enough to stream. */
export const FETCH_BATCH_ROWS = 10_000;

/**
 * Fetches a finished operation's rows batch by batch into Arrow, stopping after `maxRows`: one more row is asked
 * for only to learn whether the result was truncated, and rows past the cap are never converted.
 */
export async function fetchTable(
  connection: HiveConnection, operation: RunningOperation, maxRows: number,
): Promise<{ table: Table; truncated: boolean }> {
  const collector = new ArrowBatches(await connection.schema(operation));
  for (;;) {
    const wanted = Math.min(FETCH_BATCH_ROWS, maxRows - collector.rowCount + 1);
    const batch = await connection.fetch(operation, wanted);
    if (batch.rowCount === 0) return { table: collector.toTable(), truncated: false };
    const room = maxRows - collector.rowCount;
    checkResultMemory(collector.rowCount, "spark");
    collector.append(batch, Math.min(room, batch.rowCount));
    if (batch.rowCount > room) return { table: collector.toTable(), truncated: true };
  }
}

/** Polls the operation until it leaves the running states, backing off from 20 ms to 250 ms. */
export async function waitForState(
  connection: HiveConnection,
  operation: RunningOperation,
  onTick: () => void,
  stopWaiting: () => boolean = () => false,
): Promise<{ state: string; errorMessage?: string; sqlState?: string }> {
  let delay = 20;
  for (;;) {
    const status = await connection.status(operation);
    if (status.state !== "running" && status.state !== "pending") return status;
    if (stopWaiting()) return status;
    onTick();
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(250, Math.round(delay * 1.5));
  }
}
