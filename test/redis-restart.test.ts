import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadEnvConfig } from "../src/config/env.js";
import { startDeliveryWorker } from "../src/intake/delivery-worker.js";
import { startEmbeddedRedis } from "../src/cli/embedded-redis.js";
import { openRunQueue } from "../src/queue/run-queue.js";
import { startServer } from "../src/intake/start-server.js";
import { startFakeGitHub } from "./support/fake-github.js";
import { GOOD_CONFIG, HEAD_SHA, SECRET } from "./support/harness.js";
import { appKeyPair } from "./support/keys.js";
import { UnthrottledOctokit } from "./support/unthrottled-octokit.js";
import { waitFor } from "./support/wait-for.js";
import { deliver, issuesPayload } from "./support/webhooks.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

describe("Redis restarted (append-only file on)", () => {
  it("loses no queued run, and the server and workers reconnect by themselves", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nightshift-aof-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    let redis = await startEmbeddedRedis(dir);
    const port = Number(new URL(redis.url).port);
    cleanups.push(() => redis.stop());
    const github = await startFakeGitHub({ publicKeyPem: appKeyPair().publicKey });
    cleanups.push(() => github.close());
    github.repos.set("acme/widgets", {
      defaultBranch: "main",
      headSha: HEAD_SHA,
      files: { ".github/nightshift.yml": GOOD_CONFIG },
      roles: { maintainer: "admin" },
    });
    const config = loadEnvConfig({
      APP_ID: "1",
      PRIVATE_KEY: appKeyPair().privateKey,
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: "0",
      REDIS_URL: redis.url,
      NIGHTSHIFT_TZ: "UTC",
      NIGHTSHIFT_WINDOW: "22:00-06:00",
    });
    const log = pino({ level: "silent" });
    const clock = () => new Date("2037-11-21T12:00:00Z");
    const server = await startServer({ config, log });
    const handlers = await startDeliveryWorker({ config, Octokit: UnthrottledOctokit, clock, log });
    cleanups.push(
      () => server.close(),
      () => handlers.close(),
    );
    const probe = new Redis(redis.url, { maxRetriesPerRequest: null });
    probe.on("error", () => {});
    const runs = openRunQueue(probe, config.redisPrefix);
    cleanups.push(
      () => runs.close(),
      () => probe.disconnect(),
    );
    const url = `${server.url}${config.webhookPath}`;

    expect((await deliver(url, SECRET, "issues", issuesPayload("labeled", "agent-try", { issue: 1 }))).status).toBe(
      202,
    );
    await waitFor(async () => ((await runs.getJobCounts("delayed")).delayed === 1 ? true : undefined));

    await redis.stop(); // SIGTERM: Redis writes its append-only file and exits
    redis = await startEmbeddedRedis(dir, process.env, { port });

    // The run queued before the restart is still there, with its data.
    const job = await waitFor(
      async () => (await runs.getJob("acme/widgets#1").catch(() => undefined)) ?? undefined,
      15_000,
      "the job after restart",
    );
    expect(job.data).toMatchObject({ issueNumber: 1, baseSha: HEAD_SHA });
    // Intake and handlers reconnected: a new label is queued too.
    await waitFor(
      async () => {
        const res = await deliver(url, SECRET, "issues", issuesPayload("labeled", "agent-try", { issue: 2 })).catch(
          () => undefined,
        );
        return res?.status === 202 ? true : undefined;
      },
      15_000,
      "the server to take webhooks again",
    );
    await waitFor(
      async () => ((await runs.getJobCounts("delayed")).delayed === 2 ? true : undefined),
      15_000,
      "the second job",
    );
  }, 60_000);
});
