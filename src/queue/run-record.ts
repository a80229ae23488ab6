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

export async function recordRunStarted(
  redis: Redis,
  keys: RedisKeys,
  record: Omit<RunRecord, "endedAt" | "outcome">,
  now: Date,
): Promise<void> {
  await redis
    .multi()
    .hset(keys.run(record.runId), { ...record, attempt: String(record.attempt) })
    .hdel(keys.run(record.runId), "endedAt", "outcome")
    .zadd(keys.runIndex, now.getTime(), record.runId)
    .zadd(keys.issueRuns(record.jobId), now.getTime(), record.runId)
    .exec();
}

export async function recordRunEnded(
  redis: Redis,
  keys: RedisKeys,
  runId: string,
  outcome: string,
  now: Date,
): Promise<void> {
  await redis.hset(keys.run(runId), { stage: "ended", outcome, endedAt: now.toISOString() });
}

export async function readRunRecord(redis: Redis, keys: RedisKeys, runId: string): Promise<RunRecord | undefined> {
  const raw = await redis.hgetall(keys.run(runId));
  return raw.runId ? runRecordSchema.parse(raw) : undefined;
}

/** Events kept per run; the oldest are dropped past this, so a looping run cannot fill Redis. */
export const MAX_RUN_EVENTS = 5_000;

/** The agent's event sink for a run: appends each event to the run record's event list in Redis. */
export function runEventSink(
  redis: Redis,
  keys: RedisKeys,
  runId: string,
  onError: (error: unknown) => void,
): (event: { type: string }) => void {
  const key = keys.runEvents(runId);
  return (event) => {
    redis
      .multi()
      .rpush(key, JSON.stringify({ at: new Date().toISOString(), ...event }))
      .ltrim(key, -MAX_RUN_EVENTS, -1)
      .exec()
      .catch(onError);
  };
}

export async function readRunEvents(
  redis: Redis,
  keys: RedisKeys,
  runId: string,
): Promise<({ at: string; type: string } & Record<string, unknown>)[]> {
  const lines = await redis.lrange(keys.runEvents(runId), 0, -1);
  return lines.map((line) => JSON.parse(line) as { at: string; type: string } & Record<string, unknown>);
}
