import type { Redis } from "ioredis";
import { z } from "zod";
import type { RedisKeys } from "./keys.js";

/** The durable history of one run, shared by every server and worker through Redis (a hash of strings). */
const runRecordSchema = z.object({
  runId: z.string(),
  jobId: z.string(),
  issue: z.string(),
  requester: z.string(),
  baseSha: z.string(),
  attempt: z.coerce.number().int(),
  stage: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  outcome: z.string().optional(),
  worker: z.string().optional(),
});

export type RunRecord = z.infer<typeof runRecordSchema>;

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
  return raw.runId ? runRecordSchema.parse(raw) : undefined;
}

export async function listRunIds(redis: Redis, keys: RedisKeys, limit = 100): Promise<string[]> {
  return redis.zrevrange(keys.runIndex, 0, limit - 1);
}
