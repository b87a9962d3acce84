/**
 * Spark's monitoring REST API on the driver's UI port (`/api/v1/applications/…`): which jobs a statement started,
 * how far their tasks are, whether they stopped. Read-only; used for progress and to confirm a cancel.
 */

/** A Spark job as the REST API reports it (the fields StreamLink reads). */
export interface SparkJob {
  readonly jobId: number;
  readonly description: string;
  readonly jobGroup: string;
  readonly status: "RUNNING" | "SUCCEEDED" | "FAILED" | "UNKNOWN";
  readonly numTasks: number;
  readonly numCompletedTasks: number;
  readonly numActiveTasks: number;
  readonly numFailedTasks: number;
  readonly numKilledTasks: number;
  readonly numActiveStages: number;
  readonly numCompletedStages: number;
  readonly stageIds: readonly number[];
}

export interface SparkExecutor {
  readonly id: string;
  readonly isActive: boolean;
  readonly activeTasks: number;
}

function num(value: unknown): number {
  return typeof value === "number" ? value : 0;
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function toJob(raw: Record<string, unknown>): SparkJob {
  const status = str(raw["status"]);
  return {
    jobId: num(raw["jobId"]),
    description: str(raw["description"]),
    jobGroup: str(raw["jobGroup"]),
    status: status === "RUNNING" || status === "SUCCEEDED" || status === "FAILED" ? status : "UNKNOWN",
    numTasks: num(raw["numTasks"]),
    numCompletedTasks: num(raw["numCompletedTasks"]),
    numActiveTasks: num(raw["numActiveTasks"]),
    numFailedTasks: num(raw["numFailedTasks"]),
    numKilledTasks: num(raw["numKilledTasks"]),
    numActiveStages: num(raw["numActiveStages"]),
    numCompletedStages: num(raw["numCompletedStages"]),
    stageIds: Array.isArray(raw["stageIds"]) ? (raw["stageIds"] as unknown[]).map(num) : [],
  };
}

/** The REST API of one Spark application's driver, e.g. `http://127.0.0.1:4040`. */
export class SparkRestApi {
  private appId: string | undefined;

  constructor(readonly baseUrl: string, private readonly timeoutMs = 3_000) {}

  private async get(pathname: string): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}/api/v1${pathname}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!response.ok) throw new Error(`Spark REST API ${pathname}: HTTP ${response.status}`);
    return response.json();
  }

  /** The id of the (single) application this driver serves. */
  async applicationId(): Promise<string> {
    if (this.appId) return this.appId;
    const apps = await this.get("/applications");
    const first = Array.isArray(apps) ? (apps[0] as Record<string, unknown> | undefined) : undefined;
    const id = str(first?.["id"]);
    if (!id) throw new Error("the Spark driver reports no application");
    this.appId = id;
    return id;
  }

  /** All jobs of the application, newest first. */
  async jobs(): Promise<SparkJob[]> {
    const raw = await this.get(`/applications/${await this.applicationId()}/jobs`);
    return Array.isArray(raw) ? raw.map((j) => toJob(j as Record<string, unknown>)) : [];
  }

  /** The jobs whose description contains `marker` (StreamLink tags each statement with a comment). */
  async jobsTagged(marker: string): Promise<SparkJob[]> {
    return (await this.jobs()).filter((j) => j.description.includes(marker));
  }

  /** Executors other than the driver (each worker runs one for this application). */
  async executors(): Promise<SparkExecutor[]> {
    const raw = await this.get(`/applications/${await this.applicationId()}/allexecutors`);
    if (!Array.isArray(raw)) return [];
    return raw
      .map((e) => e as Record<string, unknown>)
      .filter((e) => str(e["id"]) !== "driver")
      .map((e) => ({ id: str(e["id"]), isActive: e["isActive"] === true, activeTasks: num(e["activeTasks"]) }));
  }
}
