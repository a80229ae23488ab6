import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvConfig } from "../src/config/env.js";
import { parseRepoConfig } from "../src/config/repo-config.js";
import { enqueueRun, openRunQueue } from "../src/queue/run-queue.js";
import { createSandbox } from "../src/sandbox/sandbox.js";
import { startRunWorker } from "../src/run/run-worker.js";
import { SANDBOX_IMAGE, requireDocker } from "./support/docker.js";
import { REDIS_URL, connectTestRedis, deletePrefix, uniquePrefix } from "./support/redis.js";
import type Docker from "dockerode";
import { waitFor } from "./support/wait-for.js";

let docker: Docker;
let workspace: string;
beforeAll(async () => {
  docker = await requireDocker();
  workspace = mkdtempSync(join(tmpdir(), "nightshift-reap-"));
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe("run worker start", () => {
  it("reaps sandbox containers whose run no worker holds", async () => {
    const prefix = uniquePrefix();
    const orphan = await createSandbox(docker, {
      runId: `acme/widgets#7@${Date.now()}`,
      workspace,
      namespace: prefix,
      phase: "agent",
      image: SANDBOX_IMAGE,
    });
    // Another installation's sandbox on the same engine is not ours to reap.
    const other = await createSandbox(docker, {
      runId: "elsewhere@1",
      workspace,
      namespace: `${prefix}-other`,
      phase: "agent",
      image: SANDBOX_IMAGE,
    });
    const redis = await connectTestRedis();
    const worker = await startRunWorker({
      config: loadEnvConfig({ REDIS_URL, NIGHTSHIFT_REDIS_PREFIX: prefix }),
      docker,
      log: pino({ level: "silent" }),
    });
    try {
      await expect(docker.getContainer(orphan.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await docker.getContainer(other.id).inspect()).State.Running).toBe(true);
    } finally {
      await worker.close();
      await orphan.destroy();
      await other.destroy();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });
});

describe("the overnight window", () => {
  it(
    "a run that comes due outside the window goes back to waiting for the next opening; /agent retry --now " +
      "runs anyway",
    async () => {
      const prefix = uniquePrefix();
      const redis = await connectTestRedis();
      const config = loadEnvConfig({
        REDIS_URL,
        NIGHTSHIFT_REDIS_PREFIX: prefix,
        NIGHTSHIFT_TZ: "UTC",
        NIGHTSHIFT_WINDOW: "22:00-06:00",
      });
      const daytime = () => new Date("2037-11-21T12:00:00Z");
      const ran: string[] = [];
      const worker = await startRunWorker({
        config,
        docker,
        clock: daytime,
        log: pino({ level: "silent" }),
        pipeline: async ({ job }) => (ran.push(job.id!), "ran"),
      });
      const runs = openRunQueue(redis, prefix);
      try {
        const base = {
          owner: "acme",
          repo: "widgets",
          installationId: 42,
          issueTitle: "t",
          requester: "maintainer",
          defaultBranch: "main",
          baseSha: "0".repeat(40),
          trigger: "label" as const,
          requestedAt: daytime().toISOString(),
          plannedStart: daytime().toISOString(),
          config: parseRepoConfig({ test: "true" }),
        };
        await enqueueRun(runs, { ...base, issueNumber: 1, immediate: false }, daytime());
        await enqueueRun(runs, { ...base, issueNumber: 2, immediate: true }, daytime());
        await waitFor(async () => (ran.length === 1 ? true : undefined));
        expect(ran).toEqual(["acme/widgets#2"]);
        const waiting = await waitFor(async () => {
          const job = await runs.getJob("acme/widgets#1");
          return job && (await job.getState()) === "delayed" ? job : undefined;
        });
        // Back to waiting until the window opens at 22:00 UTC (BullMQ scores delayed jobs by due time × 4096).
        const score = Number(await redis.zscore(runs.keys.delayed!, waiting.id!));
        expect(Math.floor(score / 0x1000)).toBe(Date.parse("2037-11-21T22:00:00Z"));
      } finally {
        await worker.close();
        await runs.close();
        await deletePrefix(redis, prefix);
        redis.disconnect();
      }
    },
  );
});

describe("stopping runs in flight", () => {
  async function setup(env: Record<string, string>, clock: () => Date) {
    const prefix = uniquePrefix();
    const redis = await connectTestRedis();
    const config = loadEnvConfig({
      REDIS_URL,
      NIGHTSHIFT_REDIS_PREFIX: prefix,
      NIGHTSHIFT_TZ: "UTC",
      NIGHTSHIFT_WINDOW: "22:00-06:00",
      ...env,
    });
    let started = 0;
    // A run that lasts until it is told to stop.
    const worker = await startRunWorker({
      config,
      docker,
      clock,
      log: pino({ level: "silent" }),
      pipeline: ({ signal }) => (
        started++,
        new Promise((resolve) => signal.addEventListener("abort", () => resolve("stopped: aborted")))
      ),
    });
    const runs = openRunQueue(redis, prefix);
    const base = {
      owner: "acme",
      repo: "widgets",
      installationId: 42,
      issueTitle: "t",
      requester: "maintainer",
      defaultBranch: "main",
      baseSha: "0".repeat(40),
      trigger: "label" as const,
      requestedAt: clock().toISOString(),
      plannedStart: clock().toISOString(),
      config: parseRepoConfig({ test: "true" }),
      issueNumber: 1,
    };
    return {
      redis,
      runs,
      worker,
      base,
      started: () => started,
      done: async () => (await runs.close(), await deletePrefix(redis, prefix), redis.disconnect()),
    };
  }
  const stateOf = async (runs: ReturnType<typeof openRunQueue>) => (await runs.getJob("acme/widgets#1"))?.getState();

  it("SIGTERM (close): the running run goes back to the queue for another worker", async () => {
    const s = await setup({}, () => new Date("2037-11-21T23:00:00Z"));
    try {
      await enqueueRun(s.runs, { ...s.base, immediate: false }, new Date(s.base.plannedStart));
      await waitFor(async () => (s.started() === 1 ? true : undefined));
      await s.worker.close();
      expect(["delayed", "waiting"]).toContain(await stateOf(s.runs));
    } finally {
      await s.done();
    }
  });

  it("NIGHTSHIFT_WINDOW_END=stop: a run still going when the window closes waits for the next one", async () => {
    let now = new Date("2037-11-21T05:59:00Z");
    const s = await setup({ NIGHTSHIFT_WINDOW_END: "stop" }, () => now);
    try {
      await enqueueRun(s.runs, { ...s.base, immediate: false }, now);
      await waitFor(async () => (s.started() === 1 ? true : undefined));
      now = new Date("2037-11-21T06:01:00Z"); // the window closes
      await waitFor(
        async () => ((await stateOf(s.runs)) === "delayed" ? true : undefined),
        5_000,
        "the run back to waiting",
      );
      const score = Number(await s.redis.zscore(s.runs.keys.delayed!, "acme/widgets#1"));
      expect(Math.floor(score / 0x1000)).toBe(Date.parse("2037-11-21T22:00:00Z"));
    } finally {
      await s.worker.close();
      await s.done();
    }
  });
});

describe("checkouts left by crashed runs", () => {
  it("are removed when they are a day old; fresh ones and other directories stay", async () => {
    const { mkdirSync, utimesSync, existsSync } = await import("node:fs");
    const { removeStaleWorkspaces } = await import("../src/sandbox/workspace.js");
    const root = mkdtempSync(join(tmpdir(), "nightshift-root-"));
    try {
      for (const name of ["nightshift-ws-old", "nightshift-ws-new", "unrelated-old"]) mkdirSync(join(root, name));
      const dayAgo = new Date(Date.now() - 25 * 3600_000);
      utimesSync(join(root, "nightshift-ws-old"), dayAgo, dayAgo);
      utimesSync(join(root, "unrelated-old"), dayAgo, dayAgo);
      expect(removeStaleWorkspaces(root, 24 * 3600_000)).toEqual(["nightshift-ws-old"]);
      expect(existsSync(join(root, "nightshift-ws-new")) && existsSync(join(root, "unrelated-old"))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
