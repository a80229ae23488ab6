#!/usr/bin/env node
import { existsSync } from "node:fs";
import { main } from "./main.js";

// Settings files: ./.env, and NIGHTSHIFT_ENV_FILE (where the setup page writes, e.g. a compose volume).
const envFile = process.env.NIGHTSHIFT_ENV_FILE;
if (envFile && existsSync(envFile)) process.loadEnvFile(envFile);
if (existsSync(".env")) process.loadEnvFile(".env");
main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`nightshift: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
