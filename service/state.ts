/** What a running model service leaves in its state folder, read by `serve status|stop` and by kernels. */
export const STATE_FILE = "service.json";
/** The bearer token, readable by its owner only (0600). */
export const TOKEN_FILE = "token";

export interface ServiceState {
  readonly pid: number;
  readonly url: string;
  readonly tokenFile: string;
  readonly workers: number;
  readonly threads: number;
  readonly sequences: number;
  readonly model: string;
  readonly startedAt: string;
}
