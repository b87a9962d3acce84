/**
 * Entry point Jupyter starts (see the kernelspec): `node dist/kernel/main.js CONNECTION_FILE`.
 */
import { createSession } from "./compose.js";
import { startKernel } from "./start.js";

const connectionFile = process.argv[2];
if (!connectionFile) {
  process.stderr.write("usage: node dist/kernel/main.js CONNECTION_FILE (Jupyter passes it through the streamlink kernelspec)\n");
  process.exit(2);
}

await startKernel(connectionFile, createSession());
