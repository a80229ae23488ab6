#!/usr/bin/env node
/** BullMQ worker process for webhook deliveries (the Probot handlers); `nightshift server` starts it. */
import { main } from "../src/cli/main.js";

void main(["delivery-worker"]).then((code) => {
  if (code !== undefined) process.exit(code);
});
