#!/usr/bin/env node
// Thin launcher for the compiled CLI (npm run build writes dist/).
import { main } from "../dist/cli/main.js";

const code = await main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
// The command is done once main returns: exit when the output is flushed, rather than wait for native thread pools
// (the embedding model's runtime) that may keep the process alive after their sessions are released.
const flushed = (stream) => new Promise((resolve) => (stream.writableNeedDrain ? stream.once("drain", resolve) : resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
