import type { AddressInfo } from "node:net";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import { Probot, ProbotOctokit } from "probot";
import type { EnvConfig } from "./config/env.js";
import { nightshiftApp } from "./github/app.js";
import type { Delivery } from "./github/delivery.js";
import { createWebhookServer } from "./github/webhook-server.js";
import { QUEUE_NAMES, redisKeys } from "./queue/keys.js";
import { connectRedis } from "./queue/redis.js";
import { openRunQueue } from "./queue/run-queue.js";

export interface ServerDeps {
  config: EnvConfig;
  /** The Octokit class handlers use; defaults to Probot's (retries, GitHub's write and notification throttling). */
  Octokit?: typeof ProbotOctokit;
  clock?: () => Date;
  log?: Logger;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

const DELIVERY_RETENTION_S = 3 * 24 * 3600;

/**
 * The webhook server: HTTP intake that stores deliveries in Redis, and the delivery worker that
 * runs the Probot handlers on them (label intake, comment commands) with the installation token.
 */
export async function startServer({ config, Octokit, clock = () => new Date(), log = pino({ level: config.logLevel }) }: ServerDeps): Promise<RunningServer> {
  if (!config.appId || !config.privateKey || !config.webhookSecret || !config.redisUrl) {
    throw new Error("startServer needs APP_ID, a private key, WEBHOOK_SECRET and REDIS_URL; loadEnvConfig and requireFor check these");
  }
  const redis: Redis = connectRedis(config.redisUrl);
  const keys = redisKeys(config.redisPrefix);
  const runs = openRunQueue(redis, config.redisPrefix);
  const deliveries = new Queue<Delivery>(QUEUE_NAMES.deliveries, {
    connection: redis,
    prefix: config.redisPrefix,
    defaultJobOptions: { attempts: 6, backoff: { type: "exponential", delay: 2_000 }, removeOnComplete: true, removeOnFail: true },
  });

  const probot = new Probot({ appId: config.appId, privateKey: config.privateKey, secret: config.webhookSecret, baseUrl: config.githubBaseUrl, Octokit, log: log.child({ name: "probot" }) });
  await probot.load(nightshiftApp({ config, runs, redis, keys, clock }));

  const workerRedis = connectRedis(config.redisUrl);
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
    log[final ? "error" : "warn"]({ delivery: job?.id, event: job?.name, attempt: job?.attemptsMade, err }, final ? "webhook handler failed for good" : "webhook handler failed; will retry");
  });
  worker.on("error", (err) => log.error({ err }, "delivery worker error"));

  const http = createWebhookServer({ secret: config.webhookSecret, path: config.webhookPath, label: config.label, deliveries, redis, keys, log });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.port, config.host, resolve);
  });
  const { port } = http.address() as AddressInfo;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, webhookPath: config.webhookPath }, "nightshift server listening");

  return {
    url,
    async close() {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
      await worker.close();
      await deliveries.close();
      await runs.close();
      workerRedis.disconnect();
      redis.disconnect();
    },
  };
}
