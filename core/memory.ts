/**
 * How much memory this process may use, read from the machine and the JavaScript heap, so that limits follow the
 * machine instead of being guessed: DuckDB's buffer pool, the largest `max_rows`, and when a result stops growing.
 */
import { statfs } from "node:fs/promises";
import { totalmem } from "node:os";
import { getHeapStatistics } from "node:v8";
import { ResultTooLargeError } from "./errors.js";

/** Physical memory, or the container's limit when one is set (Node reports "no limit" as a huge number). */
export function machineMemoryBytes(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < totalmem() ? constrained : totalmem();
}

/**
 * Share of the machine's memory an embedded DuckDB may hold. The rest is for the kernel's own heap (results live
 * there as Arrow tables), the model when `%%ask` loads one, and the other programs on the machine.
 */
const DUCKDB_MEMORY_SHARE = 0.4;
/** Share of the temporary folder's free space DuckDB may spill to, and a cap so a large disk is not filled either. */
const DUCKDB_TEMP_SHARE = 0.5;
const DUCKDB_TEMP_CAP_BYTES = 64 * 2 ** 30;

/** DuckDB's `memory_limit` and `max_temp_directory_size` for this machine, as DuckDB reads sizes. */
export async function duckdbLimits(tempFolder: string): Promise<{ memoryLimit: string; maxTempSize: string }> {
  const space = await statfs(tempFolder).then((s) => s.bavail * s.bsize, () => DUCKDB_TEMP_CAP_BYTES);
  const mib = (bytes: number) => `${Math.max(64, Math.floor(bytes / 2 ** 20))}MiB`;
  return {
    memoryLimit: mib(machineMemoryBytes() * DUCKDB_MEMORY_SHARE),
    maxTempSize: mib(Math.min(space * DUCKDB_TEMP_SHARE, DUCKDB_TEMP_CAP_BYTES)),
  };
}

/**
 * The fewest bytes a result row takes in the kernel's heap while it is collected (a few numbers or short strings
 * as JavaScript values, then again as Arrow buffers): `max_rows` may not ask for more rows than the heap could hold
 * at this size.
 */
const MIN_ROW_BYTES = 256;
/** Heap use, as a share of V8's limit, past which a result stops growing: the rest is for building the Arrow table. */
const RESULT_HEAP_SHARE = 0.6;

/** The largest `max_rows` this process's heap could hold. */
export function maxRowsLimit(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / MIN_ROW_BYTES);
}

/**
 * Called between batches while a result is collected: throws ResultTooLargeError once the heap is past its share,
 * before V8 runs out of memory and takes the kernel (and every variable in it) down. The caller drops what it
 * collected, so the memory is given back.
 */
export function checkResultMemory(rows: number, engine: string): void {
  // Arrow buffers filled straight from the engine's vectors live outside V8's heap: they count against the same budget.
  const { used_heap_size: heap, heap_size_limit: limit } = getHeapStatistics();
  const used = heap + process.memoryUsage().arrayBuffers;
  if (used > limit * RESULT_HEAP_SHARE) {
    throw new ResultTooLargeError(rows, { engine, heapUsedBytes: used, heapLimitBytes: limit });
  }
}
