import type { Redis } from "ioredis";
import type { RedisKeys } from "./keys.js";

/** The durable history of one run, shared by every server and worker through Redis. */
export interface RunRecord {
  runId: string;
  jobId: string;
  issue: string;
  requester: string;
  baseSha: string;
  attempt: number;
  stage: string;
  startedAt: string;
  endedAt?: string;
  outcome?: string;
  worker?: string;
}

export async function recordRunStarted(redis: Redis, keys: RedisKeys, record: Omit<RunRecord, "endedAt" | "outcome">, now: Date): Promise<void> {
  await redis
    .multi()
    .hset(keys.run(record.runId), { ...record, attempt: String(record.attempt) })
    .hdel(keys.run(record.runId), "endedAt", "outcome")
    .zadd(keys.runIndex, now.getTime(), record.runId)
    .exec();
}

export async function recordRunEnded(redis: Redis, keys: RedisKeys, runId: string, outcome: string, now: Date): Promise<void> {
  await redis.hset(keys.run(runId), { stage: "ended", outcome, endedAt: now.toISOString() });
}

export async function readRunRecord(redis: Redis, keys: RedisKeys, runId: string): Promise<RunRecord | undefined> {
  const raw = await redis.hgetall(keys.run(runId));
  if (!raw.runId) return undefined;
  return { ...raw, attempt: Number(raw.attempt) } as unknown as RunRecord;
}

export async function listRunIds(redis: Redis, keys: RedisKeys, limit = 100): Promise<string[]> {
  return redis.zrevrange(keys.runIndex, 0, limit - 1);
}
