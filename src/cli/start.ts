import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { run as runProbot } from "probot";
import { loadEnvConfig, requireFor, type EnvConfig } from "../config/env.js";
import { startEmbeddedRedis } from "../embedded-redis.js";
import { startServer } from "../server.js";
import type { Io } from "./main.js";
import { onShutdown } from "./on-shutdown.js";

const here = dirname(fileURLToPath(import.meta.url));
/** The package root (holds app.yml) from src/cli or dist/src/cli. */
const packageRoot = [resolve(here, "../.."), resolve(here, "../../..")].find((dir) => existsSync(resolve(dir, "app.yml"))) ?? process.cwd();

/**
 * One machine, one command: a private Redis when REDIS_URL is unset, the webhook server in this
 * process and the worker as a child. With no APP_ID it serves Probot's setup page instead, which
 * registers the App from app.yml and writes APP_ID, the key and the secret to .env.
 */
export async function runStart(env: NodeJS.ProcessEnv, io: Io): Promise<void> {
  const config = loadEnvConfig(env);
  requireFor("start", config);
  if (!config.appId) return serveSetupPage(config, env, io);

  const redis = config.redisUrl ? undefined : await startEmbeddedRedis(config.dataDir, env);
  const redisUrl = config.redisUrl ?? redis!.url;
  const withRedis: EnvConfig = { ...config, redisUrl };
  const server = await startServer({ config: withRedis });
  const worker = spawnWorker({ ...env, REDIS_URL: redisUrl });
  const stopAll = async () => {
    worker.kill("SIGTERM");
    await server.close();
    await new Promise<void>((r) => (worker.exitCode !== null ? r() : worker.once("exit", () => r())));
    await redis?.stop();
  };
  worker.once("exit", (code, signal) => {
    if (code === 0) return;
    io.err(`nightshift: the worker exited (${signal ?? `code ${code}`}); stopping so a supervisor can restart everything`);
    void stopAll().finally(() => process.exit(1));
  });
  onShutdown(stopAll);
  io.out(`nightshift: server at ${server.url}, worker pid ${worker.pid}, redis ${redis ? "private (AOF) at " + redisUrl : "at REDIS_URL"}`);
}

function spawnWorker(env: NodeJS.ProcessEnv) {
  const extension = fileURLToPath(import.meta.url).endsWith(".ts") ? "ts" : "js";
  const entry = resolve(here, `../../workers/run-worker.${extension}`);
  return spawn(process.execPath, [...process.execArgv, entry], { env, stdio: "inherit" });
}

async function serveSetupPage(config: EnvConfig, env: NodeJS.ProcessEnv, io: Io): Promise<void> {
  if (!existsSync(resolve(process.cwd(), "app.yml"))) process.chdir(packageRoot);
  io.out(`nightshift: no APP_ID yet; open http://${config.host}:${config.port}/probot to register the GitHub App from app.yml, then restart \`nightshift start\``);
  await runProbot(() => {}, { env: { ...env, PORT: String(config.port), HOST: config.host } });
}
