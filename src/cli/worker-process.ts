import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { pino } from "pino";
import { Probot } from "probot";
import { loadEnvConfig, requireFor, type EnvConfig } from "../config/env.js";
import { startDeliveryWorker } from "../intake/delivery-worker.js";
import { NightshiftOctokit } from "../github/octokit.js";
import { createRunPipeline } from "../run/run-pipeline.js";
import { startStageWorkers } from "../run/stage-workers.js";
import { startRunWorker } from "../run/run-worker.js";
import { onShutdown } from "./on-shutdown.js";
import { PreflightError, preflightSettings, runPreflight } from "./worker-preflight.js";

export type WorkerKind = "runs" | "deliveries";

/**
 * A BullMQ worker process. `runs`: the GPU worker — overnight runs (clone, setup, agent) and the
 * verify and publish stages. `deliveries`: the webhook handlers.
 */
export async function runWorkerProcess(env: NodeJS.ProcessEnv, kind: WorkerKind): Promise<void> {
  const config = loadEnvConfig(env);
  requireFor(kind === "runs" ? "worker" : "server", config);
  if (kind === "deliveries") {
    const worker = await startDeliveryWorker({ config });
    onShutdown(() => worker.close());
    return;
  }
  const docker = new Docker();
  await preflight(config, env, docker);
  const log = pino({ level: config.logLevel });
  const stages = await startStageWorkers({ config, docker, log });
  const probot = new Probot({
    appId: config.appId!,
    privateKey: config.privateKey!,
    baseUrl: config.githubBaseUrl,
    Octokit: NightshiftOctokit,
    log: log.child({ name: "probot" }),
  });
  const pipeline = createRunPipeline({ config, docker, probot, verifyQueue: stages.verifyQueue, log });
  const worker = await startRunWorker({ config, docker, pipeline, log });
  onShutdown(async () => {
    await worker.close();
    await stages.close();
  });
}

/** Exists while this machine's worker has passed its preflight (docker-compose.yml's healthcheck). */
export const READY_FILE = join(tmpdir(), "nightshift-worker.ready");

/** Checks Redis, Ollama, Docker, images and disk before taking runs; waits (or exits) while one fails. */
async function preflight(config: EnvConfig, env: NodeJS.ProcessEnv, docker: Docker): Promise<void> {
  const settings = preflightSettings(env);
  rmSync(READY_FILE, { force: true });
  const stop = new AbortController();
  const abort = () => stop.abort();
  process.once("SIGTERM", abort);
  process.once("SIGINT", abort);
  try {
    const { ready, failing } = await runPreflight(config, {
      ...settings,
      out: (line) => process.stdout.write(`${line}\n`),
      deps: { env, docker },
      signal: stop.signal,
      statusPrefix: config.redisPrefix,
    });
    if (stop.signal.aborted) process.exit(0);
    if (!ready) throw new PreflightError(failing.join(", "));
    // The compose healthcheck's signal: this worker passed its preflight.
    if (failing.length === 0) writeFileSync(READY_FILE, `${new Date().toISOString()}\n`);
  } finally {
    process.off("SIGTERM", abort);
    process.off("SIGINT", abort);
  }
}
