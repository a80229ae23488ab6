import { Worker } from "bullmq";
import { pino, type Logger } from "pino";
import { Probot, type ProbotOctokit } from "probot";
import type { EnvConfig } from "../config/env.js";
import { nightshiftApp } from "./handlers.js";
import { NightshiftOctokit } from "../github/octokit.js";
import type { Delivery } from "./delivery.js";
import { QUEUE_NAMES, redisKeys } from "../queue/keys.js";
import { connectRedis } from "../queue/redis.js";
import { openRunQueue } from "../queue/run-queue.js";
import { startMorningScheduler } from "../morning/morning-scheduler.js";

export interface DeliveryWorkerDeps {
  config: EnvConfig;
  /** The Octokit class handlers use; defaults to NightshiftOctokit (retries, GitHub's pacing, rate-limit waits). */
  Octokit?: typeof ProbotOctokit;
  clock?: () => Date;
  log?: Logger;
}

/** How long a handled delivery id is remembered, so GitHub's redeliveries are recognised. */
const DELIVERY_RETENTION_S = 3 * 24 * 3600;

/**
 * Runs the Probot handlers (label intake, comment commands) on stored deliveries with the
 * installation token. A failing handler throws, and BullMQ redelivers with backoff; the handlers
 * are idempotent, so a retry never doubles a job or a comment.
 */
export async function startDeliveryWorker({
  config,
  Octokit,
  clock = () => new Date(),
  log = pino({ level: config.logLevel }),
}: DeliveryWorkerDeps): Promise<{ close(): Promise<void> }> {
  if (!config.appId || !config.privateKey || !config.webhookSecret || !config.redisUrl) {
    throw new Error(
      "startDeliveryWorker needs APP_ID, a private key, WEBHOOK_SECRET and REDIS_URL; loadEnvConfig and " +
        "requireFor check these",
    );
  }
  const redis = connectRedis(config.redisUrl);
  const workerRedis = connectRedis(config.redisUrl);
  const keys = redisKeys(config.redisPrefix);
  const runs = openRunQueue(redis, config.redisPrefix);
  const probot = new Probot({
    appId: config.appId,
    privateKey: config.privateKey,
    secret: config.webhookSecret,
    baseUrl: config.githubBaseUrl,
    Octokit: Octokit ?? NightshiftOctokit,
    log: log.child({ name: "probot" }),
  });
  await probot.load(nightshiftApp({ config, runs, redis, keys, clock }));
  // When the window closes, each repository's morning report (once per night across servers).
  const morning = startMorningScheduler({
    probot,
    redis,
    keys,
    runs,
    window: config.window,
    windowText: config.windowText,
    timeZone: config.timeZone,
    clock,
    onError: (err, repo) => log.warn({ err, repo }, "could not write the morning report"),
  });

  const worker = new Worker<Delivery>(
    QUEUE_NAMES.deliveries,
    async (job) => {
      const { id, name, payload } = job.data;
      await probot.receive({ id, name, payload } as Parameters<Probot["receive"]>[0]);
      await redis.set(keys.delivery(id), "1", "EX", DELIVERY_RETENTION_S);
    },
    { connection: workerRedis, prefix: config.redisPrefix, concurrency: config.intakeConcurrency },
  );
  worker.on("failed", (job, err) => {
    const final = job && job.attemptsMade >= (job.opts.attempts ?? 1);
    log[final ? "error" : "warn"](
      { delivery: job?.id, event: job?.name, attempt: job?.attemptsMade, err },
      final ? "webhook handler failed for good" : "webhook handler failed; will retry",
    );
  });
  worker.on("error", (err) => log.error({ err }, "delivery worker error"));
  log.info({ concurrency: config.intakeConcurrency }, "nightshift delivery worker handling webhooks");
  return {
    async close() {
      morning.stop();
      await worker.close();
      await runs.close();
      workerRedis.disconnect();
      redis.disconnect();
    },
  };
}
