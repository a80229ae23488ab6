import type { Redis } from "ioredis";
import { pino } from "pino";
import { loadEnvConfig, type EnvConfig } from "../../src/config/env.js";
import { issueKey, redisKeys } from "../../src/queue/keys.js";
import { openRunQueue, type RunQueue } from "../../src/queue/run-queue.js";
import { startDeliveryWorker } from "../../src/intake/delivery-worker.js";
import { startServer, type RunningServer } from "../../src/intake/start-server.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github.js";
import { appKeyPair } from "./keys.js";
import { REDIS_URL, connectTestRedis, deletePrefix, uniquePrefix } from "./redis.js";
import { UnthrottledOctokit } from "./unthrottled-octokit.js";
import { deliver } from "./webhooks.js";

export const SECRET = "test-webhook-secret";
export const HEAD_SHA = "0123456789abcdef0123456789abcdef01234567";
export const GOOD_CONFIG = "setup: npm ci\ntest: npm test\nbudgets:\n  turns: 30\n";

export interface Harness {
  github: FakeGitHub;
  server: RunningServer;
  config: EnvConfig;
  redis: Redis;
  runs: RunQueue;
  keys: ReturnType<typeof redisKeys>;
  webhookUrl: string;
  deliver(event: string, payload: unknown, id?: string): ReturnType<typeof deliver>;
  /** Waits until the delivery queue is drained (every handler has run or failed for good). */
  settle(): Promise<void>;
  statusComments(issue?: number): { id: number; body: string }[];
  runJobId(issue?: number): string;
  close(): Promise<void>;
}

/**
 * The real webhook server on loopback, a real Redis under a unique prefix, and the GitHub fake
 * reached through GHE_HOST/GHE_PROTOCOL: the same path a GitHub Enterprise install uses.
 */
export async function startHarness(
  options: { env?: Record<string, string>; clock?: () => Date; files?: Record<string, string> } = {},
): Promise<Harness> {
  const { privateKey, publicKey } = appKeyPair();
  const github = await startFakeGitHub({ publicKeyPem: publicKey });
  github.repos.set("acme/widgets", {
    defaultBranch: "main",
    headSha: HEAD_SHA,
    files: options.files ?? { ".github/nightshift.yml": GOOD_CONFIG },
    roles: { maintainer: "admin", writer: "write", keeper: "maintain", reader: "read", triager: "triage" },
  });
  const prefix = uniquePrefix();
  const config = loadEnvConfig({
    APP_ID: "1",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    HOST: "127.0.0.1",
    PORT: "0",
    REDIS_URL,
    NIGHTSHIFT_REDIS_PREFIX: prefix,
    NIGHTSHIFT_TZ: "Europe/Berlin",
    LOG_LEVEL: "silent",
    ...options.env,
  });
  const redis = await connectTestRedis();
  const log = pino({ level: "silent" });
  const server = await startServer({ config, log, clock: options.clock });
  const handlers = await startDeliveryWorker({ config, Octokit: UnthrottledOctokit, clock: options.clock, log });
  const runs = openRunQueue(redis, prefix);
  const keys = redisKeys(prefix);
  const webhookUrl = `${server.url}${config.webhookPath}`;
  const deliveriesKey = (state: string) => `${prefix}:deliveries:${state}`;
  return {
    github,
    server,
    config,
    redis,
    runs,
    keys,
    webhookUrl,
    deliver: (event, payload, id) => deliver(webhookUrl, SECRET, event, payload, id),
    async settle() {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const [waiting, active, delayed, prioritized] = await Promise.all(
          ["wait", "active", "delayed", "prioritized"].map((s) =>
            s === "delayed" || s === "prioritized" ? redis.zcard(deliveriesKey(s)) : redis.llen(deliveriesKey(s)),
          ),
        );
        if (waiting === 0 && active === 0 && delayed === 0 && prioritized === 0) return;
        if (Date.now() > deadline)
          throw new Error(`deliveries did not settle: wait=${waiting} active=${active} delayed=${delayed}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    statusComments: (issue = 7) =>
      github.comments.filter(
        (c) => c.issue === `acme/widgets#${issue}` && c.body.startsWith("<!-- nightshift:status -->"),
      ),
    runJobId: (issue = 7) => issueKey("acme", "widgets", issue),
    async close() {
      await server.close();
      await handlers.close();
      await runs.close();
      await github.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
