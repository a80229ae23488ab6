import { hostname } from "node:os";
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import type { EnvConfig } from "./config/env.js";
import { QUEUE_NAMES, redisKeys, type RedisKeys } from "./queue/keys.js";
import { assertNoEviction, connectRedis } from "./queue/redis.js";
import type { RunJob } from "./queue/run-job.js";
import { recordRunEnded, recordRunStarted } from "./queue/run-record.js";

/** What a worker does with a run once it starts; returns the outcome stored in the run record. */
export type RunPipeline = (run: { runId: string; job: Job<RunJob>; signal: AbortSignal; redis: Redis; keys: RedisKeys }) => Promise<string>;

/**
 * Until the sandbox, agent and verification stages exist (issues 3-7), a run only passes through:
 * the worker records that it started and ended, so server → Redis → worker is exercised for real.
 */
export const recordOnlyPipeline: RunPipeline = async () => "recorded (no pipeline stages yet)";

export interface WorkerDeps {
  config: EnvConfig;
  pipeline?: RunPipeline;
  clock?: () => Date;
  log?: Logger;
}

export interface RunningWorker {
  close(): Promise<void>;
}

/** The id of one run: the issue's job id and the time the job was queued (stable across retries of that job). */
export function runIdFor(job: Job<RunJob>): string {
  return `${job.id}@${job.timestamp}`;
}

export async function startRunWorker({ config, pipeline = recordOnlyPipeline, clock = () => new Date(), log = pino({ level: config.logLevel }) }: WorkerDeps): Promise<RunningWorker> {
  if (!config.redisUrl) throw new Error("startRunWorker needs REDIS_URL; requireFor checks it");
  const redis = connectRedis(config.redisUrl);
  try {
    await assertNoEviction(redis);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  const keys = redisKeys(config.redisPrefix);
  const workerName = `${hostname()}:${process.pid}`;
  const controller = new AbortController();
  const workerRedis = connectRedis(config.redisUrl);
  const worker = new Worker<RunJob>(
    QUEUE_NAMES.runs,
    async (job) => {
      const runId = runIdFor(job);
      const { owner, repo, issueNumber, requester, baseSha } = job.data;
      await recordRunStarted(redis, keys, { runId, jobId: job.id!, issue: `${owner}/${repo}#${issueNumber}`, requester, baseSha, attempt: job.attemptsMade + 1, stage: "started", startedAt: clock().toISOString(), worker: workerName }, clock());
      log.info({ runId }, "run started");
      const outcome = await pipeline({ runId, job, signal: controller.signal, redis, keys });
      await recordRunEnded(redis, keys, runId, outcome, clock());
      log.info({ runId, outcome }, "run ended");
      return outcome;
    },
    { connection: workerRedis, prefix: config.redisPrefix, concurrency: config.gpuSlots },
  );
  worker.on("error", (err) => log.error({ err }, "run worker error"));
  worker.on("failed", (job, err) => log.error({ job: job?.id, err }, "run failed"));
  log.info({ worker: workerName, slots: config.gpuSlots }, "nightshift worker waiting for runs");
  return {
    async close() {
      controller.abort();
      await worker.close();
      workerRedis.disconnect();
      redis.disconnect();
    },
  };
}
