import { hostname } from "node:os";
import { DelayedError, Worker, type Job } from "bullmq";
import Docker from "dockerode";
import type { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import type { EnvConfig } from "../config/env.js";
import { isInsideWindow, nextWindowStart } from "../config/window.js";
import { QUEUE_NAMES, redisKeys, type RedisKeys } from "../queue/keys.js";
import { assertNoEviction, connectRedis } from "../queue/redis.js";
import type { RunJob } from "../queue/run-job.js";
import { recordRunEnded, recordRunStarted } from "../queue/run-record.js";
import { openRunQueue, type RunQueue } from "../queue/run-queue.js";
import { announce, recordRunDetails } from "../queue/run-changes.js";
import { startWorkerHeartbeat } from "../queue/worker-heartbeat.js";
import { reapOrphans } from "../sandbox/reaper.js";
import { removeStaleWorkspaces } from "../sandbox/workspace.js";
import { removeStaleRunHomes } from "../sandbox/run-state.js";

/** Checkouts older than this in NIGHTSHIFT_WORKSPACES belong to no live run (a run's budget is hours at most). */
const STALE_WORKSPACE_MS = 24 * 3600_000;

/** What a worker does with a run once it starts; returns the outcome stored in the run record. */
export type RunPipeline = (run: {
  runId: string;
  job: Job<RunJob>;
  signal: AbortSignal;
  redis: Redis;
  keys: RedisKeys;
}) => Promise<string>;

/** A pipeline that only records that the run started and ended: for tests of the queue path itself. */
export const recordOnlyPipeline: RunPipeline = async () => "recorded (no pipeline stages)";

export interface WorkerDeps {
  config: EnvConfig;
  docker?: Docker;
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

/** Whether the run a sandbox container is labelled with is still held by a worker (its job is active). */
export async function isRunActive(runs: RunQueue, runId: string): Promise<boolean> {
  const at = runId.lastIndexOf("@");
  const job = at > 0 ? await runs.getJob(runId.slice(0, at)) : undefined;
  return !!job && String(job.timestamp) === runId.slice(at + 1) && (await job.getState()) === "active";
}

export async function startRunWorker({
  config,
  docker = new Docker(),
  pipeline = recordOnlyPipeline,
  clock = () => new Date(),
  log = pino({ level: config.logLevel }),
}: WorkerDeps): Promise<RunningWorker> {
  if (!config.redisUrl) throw new Error("startRunWorker needs REDIS_URL; requireFor checks it");
  const redis = connectRedis(config.redisUrl);
  try {
    await assertNoEviction(redis);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  const keys = redisKeys(config.redisPrefix);
  const runs = openRunQueue(redis, config.redisPrefix);
  try {
    const reaped = await reapOrphans(docker, config.redisPrefix, (runId) => isRunActive(runs, runId));
    if (reaped.length > 0)
      log.warn({ containers: reaped.length }, "removed sandbox containers left by runs that are gone");
  } catch (error) {
    log.warn(
      { err: error },
      "could not look for orphaned sandboxes; is the Docker engine running? (`nightshift doctor`)",
    );
  }
  const staleWorkspaces = [
    ...removeStaleWorkspaces(config.workspaceRoot, STALE_WORKSPACE_MS),
    ...removeStaleRunHomes(config.workspaceRoot, STALE_WORKSPACE_MS),
  ];
  if (staleWorkspaces.length > 0)
    log.warn({ workspaces: staleWorkspaces.length }, "removed checkouts left by crashed runs");
  const workerName = `${hostname()}:${process.pid}`;
  const running = new Set<AbortController>();
  const runningIds = new Set<string>();
  let shuttingDown = false;
  const workerRedis = connectRedis(config.redisUrl);
  const worker = new Worker<RunJob>(
    QUEUE_NAMES.runs,
    async (job, token) => {
      const inWindow = () => isInsideWindow(config.window, clock(), config.timeZone);
      const backToWaiting = async (at: number) => {
        await job.moveToDelayed(at, token);
        throw new DelayedError();
      };
      // Outside the window a run waits for the next opening (unless it was asked for now).
      if (!job.data.immediate && !inWindow())
        return backToWaiting(nextWindowStart(config.window, clock(), config.timeZone).getTime());

      const runId = runIdFor(job);
      const { owner, repo, issueNumber, requester, baseSha } = job.data;
      const controller = new AbortController();
      running.add(controller);
      runningIds.add(runId);
      let closedWindow = false;
      // Cancellation reaches whichever machine holds the run through Redis; the window may close.
      const watch = setInterval(() => {
        void redis.getdel(keys.cancel(job.id!)).then((asked) => asked && controller.abort());
        if (config.windowEnd === "stop" && !job.data.immediate && !inWindow()) {
          closedWindow = true;
          controller.abort();
        }
      }, 500);
      try {
        await recordRunStarted(
          redis,
          keys,
          {
            runId,
            jobId: job.id!,
            issue: `${owner}/${repo}#${issueNumber}`,
            requester,
            baseSha,
            attempt: job.attemptsMade + 1,
            stage: "started",
            startedAt: clock().toISOString(),
            worker: workerName,
          },
          clock(),
        );
        await recordRunDetails(redis, keys, runId, job.data);
        await announce(redis, config.redisPrefix, {
          kind: "run",
          runId,
          fields: { stage: "started" },
          structural: true,
        });
        log.info({ runId }, "run started");
        const outcome = await pipeline({ runId, job, signal: controller.signal, redis, keys });
        if (shuttingDown || closedWindow) {
          log.info(
            { runId },
            shuttingDown
              ? "worker stopping: the run goes back to the queue"
              : "the window closed: the run waits for the next one",
          );
          return backToWaiting(
            shuttingDown ? Date.now() + 1_000 : nextWindowStart(config.window, clock(), config.timeZone).getTime(),
          );
        }
        await recordRunEnded(redis, keys, runId, outcome, clock());
        await announce(redis, config.redisPrefix, { kind: "run", runId, fields: { outcome }, structural: true });
        log.info({ runId, outcome }, "run ended");
        return outcome;
      } finally {
        clearInterval(watch);
        running.delete(controller);
        runningIds.delete(runId);
      }
    },
    // A worker that dies (SIGKILL, power loss) stops renewing its lock; after lockMs the run counts as
    // stalled and goes back to the queue, at most stallRetries times, then fails.
    {
      connection: workerRedis,
      prefix: config.redisPrefix,
      // Beyond the GPU slots, `prepareAhead` runs clone and set up while others hold the GPU (gpu-slots.ts).
      concurrency: config.gpuSlots + config.prepareAhead,
      lockDuration: config.lockMs,
      stalledInterval: Math.max(1_000, Math.floor(config.lockMs / 2)),
      maxStalledCount: config.stallRetries,
    },
  );
  worker.on("error", (err) => log.error({ err }, "run worker error"));
  worker.on("failed", (job, err) => log.error({ job: job?.id, err }, "run failed"));
  // The admin page shows this worker and can drain it (no new runs; the ones in flight finish).
  const heartbeat = startWorkerHeartbeat({
    redis,
    prefix: config.redisPrefix,
    name: workerName,
    slots: config.gpuSlots,
    running: () => [...runningIds],
    onDrain: (drained) => (drained ? worker.pause(true) : worker.resume()),
    onError: (err) => log.warn({ err }, "worker heartbeat failed"),
  });
  worker.on("active", () => void heartbeat.beat());
  worker.on("completed", () => void heartbeat.beat());
  log.info({ worker: workerName, slots: config.gpuSlots }, "nightshift worker waiting for runs");
  return {
    async close() {
      // Graceful: take nothing new, stop the runs in flight, and put them back in the queue.
      shuttingDown = true;
      for (const controller of running) controller.abort();
      await heartbeat.stop();
      await worker.close();
      await runs.close();
      workerRedis.disconnect();
      redis.disconnect();
    },
  };
}
