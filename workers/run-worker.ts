#!/usr/bin/env node
/** BullMQ worker process for runs: `node dist/workers/run-worker.js` (what `nightshift worker` starts). */
import { main } from "../src/cli/main.js";

main(["worker"]).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`nightshift worker: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
