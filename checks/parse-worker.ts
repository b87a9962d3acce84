/**
 * The worker thread that parses for the checker when a text is too long or too deep to parse on the caller's
 * event loop (checks/bounded-parse.ts): it can be stopped at a deadline, and its heap has its own limit.
 */
import { parentPort } from "node:worker_threads";
import { parseGuarded, type ParseRequest, type ParseReply } from "./parser.js";

const port = parentPort;
if (!port) throw new Error("checks/parse-worker.ts runs only as a worker thread");
port.on("message", (request: ParseRequest) => {
  void parseGuarded(request.sql, request.dialect).then((outcome) => port.postMessage({ id: request.id, outcome } satisfies ParseReply));
});
