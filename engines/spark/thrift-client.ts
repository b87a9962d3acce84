/**
 * The one file that imports hive-driver: a typed HiveServer2 (Thrift) client over its loosely typed API.
 * Everything else in engines/spark/ sees only the types below.
 */
import net from "node:net";
import type { HiveClient as HiveClientClass, HiveDriver as HiveDriverClass } from "hive-driver";

type HiveModule = typeof import("hive-driver");
type HiveDriverApi = InstanceType<typeof HiveDriverClass>;
type OperationHandle = Parameters<HiveDriverApi["getOperationStatus"]>[0]["operationHandle"];
type SessionHandle = Parameters<HiveDriverApi["closeSession"]>[0]["sessionHandle"];
type RawStatus = { statusCode: number; errorMessage?: string | null; sqlState?: string | null };

let hiveModule: Promise<HiveModule> | undefined;
/** hive-driver (and its thrift runtime) load on first connect, so the kernel starts without them. */
function loadHive(): Promise<HiveModule> {
  hiveModule ??= import("hive-driver");
  return hiveModule;
}

/** A result column as the server describes it. `typeId` is the HiveServer2 TTypeId. */
export interface ThriftColumnDesc {
  readonly name: string;
  readonly typeId: number;
  readonly precision?: number;
  readonly scale?: number;
  readonly length?: number;
}

/** One column of a fetched row set; `nulls` is the server's bitmap (bit i set = row i is NULL). */
export type ThriftColumn =
  | { readonly kind: "bool"; readonly values: readonly boolean[]; readonly nulls: Buffer }
  | { readonly kind: "number"; readonly values: readonly number[]; readonly nulls: Buffer }
  | { readonly kind: "bigint"; readonly values: BigInt64Array; readonly nulls: Buffer }
  | { readonly kind: "string"; readonly values: readonly string[]; readonly nulls: Buffer }
  | { readonly kind: "binary"; readonly values: readonly Buffer[]; readonly nulls: Buffer };

export interface RowBatch {
  readonly columns: readonly ThriftColumn[];
  readonly rowCount: number;
}

export type OperationState = "pending" | "running" | "finished" | "cancelled" | "closed" | "error" | "timedout" | "unknown";

export interface OperationStatus {
  readonly state: OperationState;
  readonly errorMessage?: string;
  readonly sqlState?: string;
}

/** A statement running on the server; pass it back to the connection's methods. */
export interface RunningOperation {
  readonly handle: OperationHandle;
}

/** The TTypeId values of TCLIService.thrift that the conversion distinguishes. */
export const TYPE_ID = {
  BOOLEAN: 0, TINYINT: 1, SMALLINT: 2, INT: 3, BIGINT: 4, FLOAT: 5, DOUBLE: 6, STRING: 7, TIMESTAMP: 8,
  BINARY: 9, ARRAY: 10, MAP: 11, STRUCT: 12, UNION: 13, USER_DEFINED: 14, DECIMAL: 15, NULL: 16, DATE: 17,
  VARCHAR: 18, CHAR: 19, INTERVAL_YEAR_MONTH: 20, INTERVAL_DAY_TIME: 21, TIMESTAMP_LOCAL_TZ: 22,
} as const;

/** How many more times an ERROR status without its message is asked again. */
const ERROR_MESSAGE_TRIES = 10;

/** Indexed by TOperationState: INITIALIZED 0, RUNNING 1, FINISHED 2, CANCELED 3, CLOSED 4, ERROR 5, UKNOWN 6, PENDING 7, TIMEDOUT 8. */
const STATES: readonly OperationState[] = ["pending", "running", "finished", "cancelled", "closed", "error", "unknown", "pending", "timedout"];

/** The server refused or failed a call (its message kept), as opposed to the connection being gone. */
export class ThriftCallError extends Error {
  constructor(message: string, readonly sqlState?: string) {
    super(message);
    this.name = "ThriftCallError";
  }
}

/** The TCP connection to the server closed or failed; nothing more can be sent on it. */
export class ConnectionLostError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionLostError";
  }
}

/** The server refused our credentials during the SASL handshake: it is not a server that knows our secret. */
export class AuthenticationRefusedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AuthenticationRefusedError";
  }
}

/** Resolves when `host:port` accepts a TCP connection, rejects with the socket error (ECONNREFUSED …) or on timeout. */
export function probePort(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host, port });
    const done = (error?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.once("connect", () => done());
    socket.once("error", (error) => done(error));
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new ConnectionLostError(message)), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error: unknown) => { clearTimeout(timer); reject(error); },
    );
  });
}

/** Reads a thrift i64 (node-int64: 8 big-endian bytes at `offset` of `buffer`). */
function readInt64(value: unknown): bigint {
  const v = value as { buffer: Buffer; offset: number };
  return v.buffer.readBigInt64BE(v.offset);
}

interface RawColumn {
  boolVal?: { values: boolean[]; nulls: Buffer } | null;
  byteVal?: { values: number[]; nulls: Buffer } | null;
  i16Val?: { values: number[]; nulls: Buffer } | null;
  i32Val?: { values: number[]; nulls: Buffer } | null;
  i64Val?: { values: unknown[]; nulls: Buffer } | null;
  doubleVal?: { values: number[]; nulls: Buffer } | null;
  stringVal?: { values: string[]; nulls: Buffer } | null;
  binaryVal?: { values: Buffer[]; nulls: Buffer } | null;
}

function toColumn(raw: RawColumn): ThriftColumn {
  if (raw.boolVal) return { kind: "bool", values: raw.boolVal.values, nulls: raw.boolVal.nulls };
  const numeric = raw.byteVal ?? raw.i16Val ?? raw.i32Val ?? raw.doubleVal;
  if (numeric) return { kind: "number", values: numeric.values, nulls: numeric.nulls };
  if (raw.i64Val) {
    const values = new BigInt64Array(raw.i64Val.values.length);
    raw.i64Val.values.forEach((v, i) => { values[i] = readInt64(v); });
    return { kind: "bigint", values, nulls: raw.i64Val.nulls };
  }
  if (raw.stringVal) return { kind: "string", values: raw.stringVal.values, nulls: raw.stringVal.nulls };
  if (raw.binaryVal) return { kind: "binary", values: raw.binaryVal.values, nulls: raw.binaryVal.nulls };
  return { kind: "string", values: [], nulls: Buffer.alloc(0) };
}

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** The PLAIN password; StreamLink's own cluster accepts only its secret (see cluster/runtime.ts). */
  readonly password: string;
  readonly timeoutMs: number;
}

/**
 * One HiveServer2 connection with one session. Every call fails with ConnectionLostError once the socket is
 * gone (hive-driver would otherwise leave the promise pending forever).
 */
export class HiveConnection {
  private lostReason: Error | undefined;
  private readonly pending = new Set<(error: Error) => void>();

  private constructor(
    private readonly client: InstanceType<typeof HiveClientClass>,
    private readonly driver: HiveDriverApi,
    private readonly session: SessionHandle,
    private readonly hive: HiveModule,
  ) {}

  /**
   * Opens a connection and a session. Probes the port first so that a closed port fails at once, and bounds the
   * SASL handshake and OpenSession by `timeoutMs` (hive-driver's connect never settles on a silent port).
   */
  static async open(options: ConnectOptions): Promise<HiveConnection> {
    await probePort(options.host, options.port, options.timeoutMs);
    const hive = await loadHive();
    const T = hive.thrift.TCLIService_types as { TProtocolVersion: Record<string, number> };
    const client = new hive.HiveClient(hive.thrift.TCLIService, hive.thrift.TCLIService_types);
    let early: Error | undefined;
    client.on("error", (error: Error) => { early = error; });
    const opened = (async () => {
      await client.connect(
        { host: options.host, port: options.port },
        new hive.connections.TcpConnection(),
        new hive.auth.PlainTcpAuthentication({ username: options.username, password: options.password }),
      );
      const driver = new hive.HiveDriver(hive.thrift.TCLIService_types, client.getClient());
      const response = await driver.openSession({ client_protocol: T.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10 as number });
      HiveConnection.check(response.status as RawStatus);
      return new HiveConnection(client, driver, response.sessionHandle, hive);
    })();
    try {
      const connection = await withTimeout(opened, options.timeoutMs, `no HiveServer2 handshake from ${options.host}:${options.port} within ${options.timeoutMs} ms`);
      if (early) throw new ConnectionLostError(early.message, { cause: early });
      connection.watch();
      return connection;
    } catch (error) {
      client.close();
      // hive-driver fails the handshake with its AuthenticationError, a class its index does not export.
      if (error instanceof Error && error.constructor.name === "AuthenticationError") {
        throw new AuthenticationRefusedError(error.message, { cause: error });
      }
      throw error;
    }
  }

  private watch(): void {
    const lose = (error: Error): void => {
      if (this.lostReason) return;
      this.lostReason = new ConnectionLostError(`connection to the Thrift server closed (${error.message})`, { cause: error });
      for (const reject of this.pending) reject(this.lostReason);
      this.pending.clear();
    };
    this.client.removeAllListeners("error");
    this.client.on("error", (error: Error) => lose(error));
    this.client.on("close", () => lose(new Error("socket closed")));
    this.client.on("timeout", () => lose(new Error("socket timed out")));
  }

  /** False once the socket has closed or failed. */
  get alive(): boolean {
    return this.lostReason === undefined;
  }

  private static check(status: RawStatus): void {
    // TStatusCode: 3 ERROR, 4 INVALID_HANDLE.
    if (status.statusCode === 3 || status.statusCode === 4) {
      throw new ThriftCallError(status.errorMessage ?? "the Thrift server reported an error", status.sqlState ?? undefined);
    }
  }

  /** Runs one RPC, rejecting as soon as the connection is lost. */
  private call<T>(rpc: () => Promise<T>): Promise<T> {
    if (this.lostReason) return Promise.reject(this.lostReason);
    return new Promise<T>((resolve, reject) => {
      const onLost = (error: Error): void => reject(error);
      this.pending.add(onLost);
      rpc().then(
        (value) => { this.pending.delete(onLost); resolve(value); },
        (error: unknown) => {
          this.pending.delete(onLost);
          reject(error instanceof Error ? error : new ThriftCallError(String(error)));
        },
      );
    });
  }

  /** Starts `sql` in the background on the server (runAsync) and returns its handle at once. */
  async execute(sql: string): Promise<RunningOperation> {
    const response = await this.call(() => this.driver.executeStatement({ sessionHandle: this.session, statement: sql, runAsync: true }));
    HiveConnection.check(response.status as RawStatus);
    return { handle: response.operationHandle };
  }

  /**
   * The operation's state. Spark's Thrift server marks a failed statement ERROR a moment before it stores the
   * error, so an ERROR without a message is asked again (a few times, 50 ms apart) until the message is there.
   */
  async status(operation: RunningOperation): Promise<OperationStatus> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.call(() => this.driver.getOperationStatus({ operationHandle: operation.handle }));
      HiveConnection.check(response.status as RawStatus);
      const state = STATES[response.operationState ?? 6] ?? "unknown";
      if (state === "error" && !response.errorMessage && attempt < ERROR_MESSAGE_TRIES) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      return {
        state,
        ...(response.errorMessage ? { errorMessage: response.errorMessage } : {}),
        ...(response.sqlState ? { sqlState: response.sqlState } : {}),
      };
    }
  }

  async schema(operation: RunningOperation): Promise<ThriftColumnDesc[]> {
    const response = await this.call(() => this.driver.getResultSetMetadata({ operationHandle: operation.handle }));
    HiveConnection.check(response.status as RawStatus);
    return (response.schema?.columns ?? []).map((c) => {
      const entry = c.typeDesc.types[0]?.primitiveEntry;
      const qualifiers = entry?.typeQualifiers?.qualifiers as unknown as Record<string, { i32Value?: number | null } | undefined> | undefined;
      const precision = qualifiers?.["precision"]?.i32Value ?? undefined;
      const scale = qualifiers?.["scale"]?.i32Value ?? undefined;
      const length = qualifiers?.["characterMaximumLength"]?.i32Value ?? undefined;
      return {
        name: c.columnName,
        // Complex types arrive as their JSON text; their entry is not primitive.
        typeId: entry?.type ?? TYPE_ID.STRING,
        ...(precision !== undefined ? { precision } : {}),
        ...(scale !== undefined ? { scale } : {}),
        ...(length !== undefined ? { length } : {}),
      };
    });
  }

  /** Fetches up to `maxRows` further rows; a batch with `rowCount` 0 means the result is exhausted. */
  async fetch(operation: RunningOperation, maxRows: number): Promise<RowBatch> {
    const T = this.hive.thrift.TCLIService_types as { TFetchOrientation: Record<string, number> };
    const response = await this.call(() => this.driver.fetchResults({
      operationHandle: operation.handle,
      orientation: T.TFetchOrientation.FETCH_NEXT as number,
      maxRows,
    }));
    HiveConnection.check(response.status as RawStatus);
    const rawColumns = (response.results?.columns ?? []) as unknown as RawColumn[];
    const columns = rawColumns.map(toColumn);
    return { columns, rowCount: columns[0]?.values.length ?? 0 };
  }

  /** Asks the server to cancel; resolves when it has acknowledged. */
  async cancel(operation: RunningOperation): Promise<void> {
    const response = await this.call(() => this.driver.cancelOperation({ operationHandle: operation.handle }));
    HiveConnection.check(response.status as RawStatus);
  }

  async closeOperation(operation: RunningOperation): Promise<void> {
    const response = await this.call(() => this.driver.closeOperation({ operationHandle: operation.handle }));
    HiveConnection.check(response.status as RawStatus);
  }

  /** Column metadata of every table (the GetColumns call), as rows of the standard JDBC columns. */
  async columnsMetadata(): Promise<RunningOperation> {
    const response = await this.call(() => this.driver.getColumns({ sessionHandle: this.session }));
    HiveConnection.check(response.status as RawStatus);
    return { handle: response.operationHandle };
  }

  /** Every function the server knows (the GetFunctions call, `%` matching any name), as JDBC rows. */
  async functionsMetadata(): Promise<RunningOperation> {
    const response = await this.call(() => this.driver.getFunctions({ sessionHandle: this.session, functionName: "%" }));
    HiveConnection.check(response.status as RawStatus);
    return { handle: response.operationHandle };
  }

  /** Closes the session (when the server is still there) and the socket. */
  async close(): Promise<void> {
    if (this.alive) {
      await withTimeout(this.call(() => this.driver.closeSession({ sessionHandle: this.session })), 5_000, "CloseSession timed out").catch(() => undefined);
    }
    this.lostReason ??= new ConnectionLostError("connection closed");
    this.client.close();
  }
}
