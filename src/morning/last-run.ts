import type { Redis } from "ioredis";
import type { RedisKeys } from "../queue/keys.js";
import { describeRun } from "./describe-run.js";

/** The run record (all fields) of an issue's latest run, or undefined when it never ran. */
export async function lastRunOf(
  redis: Redis,
  keys: RedisKeys,
  issueKey: string,
): Promise<Record<string, string> | undefined> {
  const [runId] = await redis.zrange(keys.issueRuns(issueKey), "-1", "-1");
  if (!runId) return undefined;
  const run = await redis.hgetall(keys.run(runId));
  return run.runId ? run : undefined;
}

/** The status comment when nothing is queued or running: the last run's outcome, from its run record. */
export async function lastOutcomeText(redis: Redis, keys: RedisKeys, issueKey: string): Promise<string | undefined> {
  const run = await lastRunOf(redis, keys, issueKey);
  if (!run) return undefined;
  const words = describeRun(run);
  const when = run.endedAt ?? run.publishedAt ?? run.startedAt ?? "";
  const label =
    words.kind === "pr" || words.kind === "kept" ? "done" : words.kind === "in-progress" ? "finishing" : "no PR";
  return [
    `**Nightshift: ${label}** — ${words.headline}.`,
    "",
    `- last run: ${when ? `${when.slice(0, 16).replace("T", " ")} UTC` : "time unknown"}, requested by ` +
      `@${run.requester ?? "unknown"}`,
    ...(words.help ? [`- what would help: ${words.help}`] : []),
    "",
    "Nothing is queued for this issue now; comment `/agent retry` to queue it again.",
  ].join("\n");
}
