import type { AddressInfo } from "node:net";
import { Queue } from "bullmq";
import { pino, type Logger } from "pino";
import type { EnvConfig } from "../config/env.js";
import type { Delivery } from "./delivery.js";
import { createWebhookServer } from "./webhook-server.js";
import { QUEUE_NAMES, redisKeys } from "../queue/keys.js";
import { connectRedis } from "../queue/redis.js";
import { startAdmin } from "../admin/admin-server.js";

export interface ServerDeps {
  config: EnvConfig;
  log?: Logger;
  /** What the admin pages take as now (the last 30 nights, tonight's queue); the real clock by default. */
  clock?: () => Date;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Deliveries that fail are retried with backoff (GitHub outages, rate limits) before they are dropped and logged. */
export const DELIVERY_JOB_OPTIONS = {
  attempts: 6,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: true,
};

/**
 * The webhook intake: verifies each delivery and stores it in the `deliveries` queue. The handlers
 * run in the delivery worker (a separate process under `nightshift server` and `start`), so a slow
 * handler never delays GitHub's 2xx.
 */
export async function startServer({
  config,
  log = pino({ level: config.logLevel }),
  clock,
}: ServerDeps): Promise<RunningServer> {
  if (!config.webhookSecret || !config.redisUrl) {
    throw new Error("startServer needs WEBHOOK_SECRET and REDIS_URL; loadEnvConfig and requireFor check these");
  }
  const redis = connectRedis(config.redisUrl, { autoPipeline: true });
  const deliveries = new Queue<Delivery>(QUEUE_NAMES.deliveries, {
    connection: redis,
    prefix: config.redisPrefix,
    defaultJobOptions: DELIVERY_JOB_OPTIONS,
  });
  const admin = await startAdmin({ config, redis, log, clock });
  const http = createWebhookServer({
    secret: config.webhookSecret,
    path: config.webhookPath,
    label: config.label,
    deliveries,
    redis,
    keys: redisKeys(config.redisPrefix),
    log,
    admin: admin.handle,
    onDelivery: admin.observeIntake,
  });
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
      await admin.close();
      await deliveries.close();
      redis.disconnect();
    },
  };
}
