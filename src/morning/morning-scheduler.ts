import type { Redis } from "ioredis";
import { DateTime } from "luxon";
import type { Probot } from "probot";
import { isInsideWindow, type NightWindow } from "../config/window.js";
import type { RedisKeys } from "../queue/keys.js";
import type { RunQueue } from "../queue/run-queue.js";
import { nightRuns } from "./night-data.js";
import { writeReport } from "./write-report.js";

export interface MorningDeps {
  probot: Pick<Probot, "auth">;
  redis: Redis;
  keys: RedisKeys;
  runs: RunQueue;
  window: NightWindow;
  windowText: string;
  timeZone: string;
  clock: () => Date;
  onError: (error: unknown, repo?: string) => void;
}

/** Reports are written this long after the window closed at most (a server down all morning writes none). */
const LATE_MS = 12 * 3600_000;

/** The last time the window closed at or before `now`, in `zone`. */
export function lastWindowEnd(window: NightWindow, now: Date, zone: string): Date {
  const local = DateTime.fromJSDate(now, { zone });
  let end = local.startOf("day").plus({ minutes: window.end });
  if (end > local) end = end.minus({ days: 1 });
  return end.toJSDate();
}

/**
 * One tick of the morning: if the window has closed since the last report (and within 12 h), write
 * each repository's report once — whichever server gets there first (a Redis key per night). Returns
 * the repositories reported.
 */
export async function morningTick(deps: MorningDeps): Promise<string[]> {
  const now = deps.clock();
  if (isInsideWindow(deps.window, now, deps.timeZone)) return [];
  const end = lastWindowEnd(deps.window, now, deps.timeZone);
  if (now.getTime() - end.getTime() > LATE_MS) return [];
  const first = await deps.redis.set(deps.keys.morningDone(end.toISOString()), "1", "EX", 7 * 24 * 3600, "NX");
  if (first !== "OK") return [];
  const since = new Date(now.getTime() - 24 * 3600_000);
  const runs = await nightRuns(deps.redis, deps.keys, "", since, now, true);
  const repos = new Map<string, { owner: string; repo: string; installationId: number; report: boolean }>();
  for (const run of runs) {
    const job = parseJob(run.job);
    if (job) repos.set(`${job.owner}/${job.repo}`.toLowerCase(), job); // the latest run's config wins
  }
  const done: string[] = [];
  for (const [name, job] of repos) {
    if (!job.report) continue;
    try {
      const octokit = await deps.probot.auth(job.installationId);
      await writeReport(
        {
          octokit,
          redis: deps.redis,
          keys: deps.keys,
          runs: deps.runs,
          timeZone: deps.timeZone,
          windowText: deps.windowText,
          now,
        },
        job.owner,
        job.repo,
        { morning: true },
      );
      done.push(name);
    } catch (error) {
      deps.onError(error, name);
    }
  }
  return done;
}

function parseJob(text: string | undefined) {
  try {
    const job = JSON.parse(text ?? "") as {
      owner?: string;
      repo?: string;
      installationId?: number;
      config?: { report?: boolean };
    };
    if (!job.owner || !job.repo || !job.installationId) return undefined;
    return {
      owner: job.owner,
      repo: job.repo,
      installationId: job.installationId,
      report: job.config?.report !== false,
    };
  } catch {
    return undefined;
  }
}

/** Ticks every `intervalMs` (default a minute; the first after one interval) until stopped. */
export function startMorningScheduler(deps: MorningDeps, intervalMs = 60_000): { stop(): void } {
  const tick = () => void morningTick(deps).catch((error: unknown) => deps.onError(error));
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
