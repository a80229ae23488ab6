import type { Redis } from "ioredis";
import type { ProbotOctokit } from "probot";
import type { RedisKeys } from "../queue/keys.js";
import type { RunQueue } from "../queue/run-queue.js";

/** Run records are hashes of strings. */
export type RunFields = Record<string, string>;

/** Everything a morning report shows for one repository. */
export interface NightData {
  repo: string;
  since: Date;
  until: Date;
  /** Runs of the night, oldest first. */
  runs: RunFields[];
  /** Nightshift's open PRs and who asked for each. */
  openPulls: { number: number; title: string; url: string; requester?: string; issue?: number }[];
  queued: { issue: number; title: string; requester: string; plannedStart: string; immediate: boolean }[];
}

const MAX_RUNS = 500;
const OURS = /^nightshift\/issue-(\d+)$/;

/** The runs of one repository (or of all, with `all`) started in (since, until], newest last; at most 500. */
export async function nightRuns(redis: Redis, keys: RedisKeys, repo: string, since: Date, until: Date, all = false) {
  const ids = await redis.zrangebyscore(keys.runIndex, `(${since.getTime()}`, until.getTime());
  const mine = ids.filter((id) => all || id.toLowerCase().startsWith(`${repo.toLowerCase()}#`)).slice(-MAX_RUNS);
  const pipeline = redis.pipeline();
  for (const id of mine) pipeline.hgetall(keys.run(id));
  const rows = (await pipeline.exec()) ?? [];
  return rows.map(([, value]) => value as RunFields).filter((r) => r?.runId);
}

export async function readNight(o: {
  octokit: ProbotOctokit;
  redis: Redis;
  keys: RedisKeys;
  runs: RunQueue;
  owner: string;
  repo: string;
  since: Date;
  until: Date;
}): Promise<NightData> {
  const repo = `${o.owner}/${o.repo}`.toLowerCase();
  const [runs, pulls, jobs] = await Promise.all([
    nightRuns(o.redis, o.keys, repo, o.since, o.until),
    o.octokit.paginate(o.octokit.rest.pulls.list, { owner: o.owner, repo: o.repo, state: "open", per_page: 100 }),
    o.runs.getJobs(["waiting", "prioritized", "delayed"], 0, MAX_RUNS),
  ]);
  const openPulls = [];
  for (const pull of pulls) {
    const match = OURS.exec(pull.head.ref);
    if (!match || pull.head.repo?.full_name?.toLowerCase() !== repo) continue;
    const known = await o.redis.hget(o.keys.pull(repo, pull.number), "requester");
    openPulls.push({
      number: pull.number,
      title: pull.title,
      url: pull.html_url,
      requester: known ?? undefined,
      issue: Number(match[1]),
    });
  }
  const queued = jobs
    .filter((job) => job && `${job.data.owner}/${job.data.repo}`.toLowerCase() === repo)
    .map((job) => ({
      issue: job.data.issueNumber,
      title: job.data.issueTitle,
      requester: job.data.requester,
      plannedStart: job.data.plannedStart,
      immediate: job.data.immediate,
    }))
    .sort((a, b) => a.plannedStart.localeCompare(b.plannedStart));
  return { repo, since: o.since, until: o.until, runs, openPulls, queued };
}
