#!/usr/bin/env node
/** BullMQ worker process for overnight runs (one per GPU machine): what `nightshift worker` runs. */
import { main } from "../src/cli/main.js";

void main(["worker"]).then((code) => {
  if (code !== undefined) process.exit(code);
});
