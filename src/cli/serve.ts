import { resolve } from "node:path";
import { loadEnvConfig, requireFor, type EnvConfig } from "../config/env.js";
import { startEmbeddedRedis } from "./embedded-redis.js";
import { startServer } from "../intake/start-server.js";
import type { Io } from "./main.js";
import { onShutdown } from "./on-shutdown.js";
import { spawnWorkers } from "./process-tree.js";
import { manifestPath } from "./package-root.js";
import { startSetupServer } from "../setup/setup-server.js";

/**
 * `nightshift server` (webhook intake + delivery worker) and `nightshift start` (that, plus the run
 * worker, plus a private Redis when REDIS_URL is unset). With no APP_ID, `start` serves Probot's
 * setup page instead, which registers the App from app.yml and writes the credentials to .env.
 */
export async function runServe(command: "server" | "start", env: NodeJS.ProcessEnv, io: Io): Promise<void> {
  const config = loadEnvConfig(env);
  // No App yet: setup mode, for `server` too, so a supervisor (compose) does not restart it in a loop.
  if (!config.appId) return serveSetupPage(config, env, io);
  requireFor(command, config);

  const redis = config.redisUrl ? undefined : await startEmbeddedRedis(config.dataDir, env);
  const redisUrl = config.redisUrl ?? redis!.url;
  const withRedis: EnvConfig = { ...config, redisUrl };
  const server = await startServer({ config: withRedis });
  const workers = spawnWorkers(
    command === "start" ? ["deliveries", "runs"] : ["deliveries"],
    // One machine: the run worker prints its preflight lines but starts anyway (the server is useful
    // before Ollama has the model); `nightshift worker` alone waits until every check passes.
    { NIGHTSHIFT_PREFLIGHT: "warn", ...env, REDIS_URL: redisUrl },
    io,
    () => {
      void stopAll().finally(() => process.exit(1));
    },
  );
  async function stopAll() {
    await workers.stop();
    await server.close();
    await redis?.stop();
  }
  onShutdown(stopAll);
  const pids = Object.entries(workers.pids)
    .map(([kind, pid]) => `${kind} worker pid ${pid}`)
    .join(", ");
  io.out(
    `nightshift: server at ${server.url}, ${pids}, redis ${redis ? `private (AOF) at ${redisUrl}` : "at REDIS_URL"}`,
  );
}

async function serveSetupPage(config: EnvConfig, env: NodeJS.ProcessEnv, io: Io): Promise<void> {
  const envPath = resolve(env.NIGHTSHIFT_ENV_FILE || ".env");
  const server = await startSetupServer({ config, manifestPath, envPath });
  onShutdown(() => server.close());
  const where = config.admin.publicUrl ?? server.url;
  io.out(
    `nightshift: no APP_ID yet: setup mode. Open ${where}/ to register the GitHub App from app.yml (or import ` +
      `one); the settings go to ${envPath}. Then restart.`,
  );
}
