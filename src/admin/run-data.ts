import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { EnvConfig } from "../config/env.js";
import { isInsideWindow } from "../config/window.js";
import type { RedisKeys } from "../queue/keys.js";
import type { RunJob } from "../queue/run-job.js";
import { queuePosition, type RunQueue } from "../queue/run-queue.js";
import { readWorkerBeats, workerKeys, type WorkerBeat } from "../queue/worker-heartbeat.js";

/** A run record as stored: a hash of strings. Other stages add fields; pages show the ones they do not know too. */
export type RunFields = Record<string, string>;

/** "owner/repo" (lower case) of a run id ("owner/repo#7@1700000000000") or of a job id ("owner/repo#7"). */
export function repoOf(id: string): string {
  return id.split("#")[0]!.toLowerCase();
}

export interface QueuedRun {
  jobId: string;
  repo: string;
  issueNumber: number;
  title: string;
  requester: string;
  state: "waiting" | "delayed";
  plannedStart: string;
  position: number | undefined;
  immediate: boolean;
}

export interface RunningRun {
  runId: string;
  jobId: string;
  repo: string;
  fields: RunFields;
}

export interface Tonight {
  windowOpen: boolean;
  windowText: string;
  timeZone: string;
  paused: boolean;
  queued: QueuedRun[];
  running: RunningRun[];
  workers: WorkerBeat[];
  preflights: WorkerPreflight[];
}

/** A GPU worker's last start-up check (src/cli/worker-preflight.ts writes it; kept a day). */
export interface WorkerPreflight {
  worker: string;
  at: string;
  checks: { name: string; ok: boolean; detail: string; fix?: string }[];
}

const QUEUE_LIMIT = 500;

const PREFLIGHT_KEPT_MS = 24 * 3600_000;

/** Every worker's last preflight, newest first; records older than a day or that do not parse are dropped. */
async function readPreflights(redis: Redis, prefix: string, now: number): Promise<WorkerPreflight[]> {
  const key = workerKeys(prefix).preflights;
  const records: WorkerPreflight[] = [];
  for (const [worker, text] of Object.entries(await redis.hgetall(key))) {
    try {
      const value = JSON.parse(text) as { at?: unknown; results?: unknown };
      if (typeof value.at !== "string" || !Array.isArray(value.results)) throw new Error("not a preflight record");
      if (now - Date.parse(value.at) > PREFLIGHT_KEPT_MS) throw new Error("stale");
      const checks = (value.results as Record<string, unknown>[]).map((r) => ({
        name: typeof r.name === "string" ? r.name : "?",
        ok: r.ok === true,
        detail: typeof r.detail === "string" ? r.detail : "",
        ...(typeof r.fix === "string" ? { fix: r.fix } : {}),
      }));
      records.push({ worker, at: value.at, checks });
    } catch {
      await redis.hdel(key, worker);
    }
  }
  return records.sort((a, b) => b.at.localeCompare(a.at));
}

export async function readTonight(
  deps: { redis: Redis; keys: RedisKeys; runs: RunQueue; config: EnvConfig },
  canRead: (repo: string) => Promise<boolean>,
  now = new Date(),
): Promise<Tonight> {
  const { redis, runs, config } = deps;
  const [jobs, paused, workers, preflights] = await Promise.all([
    runs.getJobs(["active", "waiting", "prioritized", "delayed"], 0, QUEUE_LIMIT),
    runs.isPaused(),
    readWorkerBeats(redis, config.redisPrefix, now.getTime()),
    readPreflights(redis, config.redisPrefix, now.getTime()),
  ]);
  const queued: QueuedRun[] = [];
  const running: RunningRun[] = [];
  for (const job of jobs.filter((j): j is Job<RunJob> => !!j?.id)) {
    if (!(await canRead(repoOf(job.id!)))) continue;
    const state = await job.getState();
    if (state === "active") {
      const runId = `${job.id}@${job.timestamp}`;
      running.push({ runId, jobId: job.id!, repo: repoOf(job.id!), fields: await redis.hgetall(deps.keys.run(runId)) });
    } else if (state === "waiting" || state === "prioritized" || state === "delayed") {
      const due = state === "delayed" ? new Date(job.timestamp + (job.delay ?? 0)).toISOString() : undefined;
      queued.push({
        jobId: job.id!,
        repo: repoOf(job.id!),
        issueNumber: job.data.issueNumber,
        title: job.data.issueTitle,
        requester: job.data.requester,
        state: state === "delayed" ? "delayed" : "waiting",
        plannedStart: due ?? job.data.plannedStart,
        position: await queuePosition(runs, redis, job.id!),
        immediate: job.data.immediate,
      });
    }
  }
  queued.sort((a, b) => (a.position ?? Infinity) - (b.position ?? Infinity));
  return {
    windowOpen: isInsideWindow(config.window, now, config.timeZone),
    windowText: config.windowText,
    timeZone: config.timeZone,
    paused,
    queued,
    running,
    workers,
    preflights,
  };
}

export interface HistoryFilter {
  repo?: string;
  outcome?: string;
  stop?: string;
  /** YYYY-MM-DD, inclusive, UTC. */
  from?: string;
  to?: string;
  /** An issue number ("7" or "#7") or words of the title. */
  q?: string;
  page: number;
}

export interface HistoryPage {
  runs: RunFields[];
  total: number;
  page: number;
  pages: number;
  repos: string[];
  outcomes: string[];
  stops: string[];
}

export const PAGE_SIZE = 50;
const SUMMARY = ["runId", "issue", "title", "outcome", "stopReason", "stage", "startedAt", "endedAt", "turns"] as const;
const FIELDS = [...SUMMARY, "tokens", "liveTokens", "energyWh", "verdict"];

async function readFields(redis: Redis, keys: RedisKeys, ids: string[], fields: string[]): Promise<RunFields[]> {
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hmget(keys.run(id), ...fields);
  const rows = (await pipeline.exec()) ?? [];
  return rows.map(([, values]) => {
    const run: RunFields = {};
    fields.forEach((name, i) => {
      const value = (values as (string | null)[] | null)?.[i];
      if (value !== null && value !== undefined) run[name] = value;
    });
    return run;
  });
}

/**
 * Runs of the history newest first, filtered and paginated. Repository, date and issue-number filters
 * work on the index alone (the run id names the repository and issue), so a page costs one range read
 * and one pipeline of 50 hashes however long the history is; outcome, stop reason and title filters
 * read those fields of the runs in range (`npm run bench:admin` measures both with 10,000 runs).
 */
export async function readHistory(
  redis: Redis,
  keys: RedisKeys,
  filter: HistoryFilter,
  canRead: (repo: string) => Promise<boolean>,
  settled: Map<string, RunFields> = new Map(),
): Promise<HistoryPage> {
  const max = filter.to ? Date.parse(`${filter.to}T23:59:59.999Z`) : Infinity;
  const min = filter.from ? Date.parse(`${filter.from}T00:00:00Z`) : -Infinity;
  const all = await redis.zrevrangebyscore(
    keys.runIndex,
    Number.isFinite(max) ? max : "+inf",
    Number.isFinite(min) ? min : "-inf",
  );
  const readable = new Map<string, boolean>();
  const q = filter.q?.trim().toLowerCase().replace(/^#/, "");
  const issueNumber = q && /^\d+$/.test(q) ? q : undefined;
  const titleWords = q && !issueNumber ? q : undefined;
  let ids: string[] = [];
  for (const id of all) {
    const repo = repoOf(id);
    if (!readable.has(repo)) readable.set(repo, await canRead(repo));
    if (!readable.get(repo)) continue;
    if (filter.repo && repo !== filter.repo.toLowerCase()) continue;
    if (issueNumber && !id.slice(0, id.lastIndexOf("@")).endsWith(`#${issueNumber}`)) continue;
    ids.push(id);
  }
  if (filter.outcome || filter.stop || titleWords) {
    const missing = ids.filter((id) => !settled.has(id));
    const fetched = await readFields(redis, keys, missing, ["outcome", "stopReason", "title"]);
    const rows = new Map(missing.map((id, i) => [id, fetched[i]!]));
    // A run whose outcome is final never changes these fields again: later filters read them from memory.
    for (const [id, run] of rows) if (run.outcome && run.outcome !== "verifying") remember(settled, id, run);
    ids = ids.filter((id) => {
      const run = settled.get(id) ?? rows.get(id)!;
      if (filter.outcome && !(run.outcome ?? "running").startsWith(filter.outcome)) return false;
      if (filter.stop && run.stopReason !== filter.stop) return false;
      return !titleWords || !!run.title?.toLowerCase().includes(titleWords);
    });
  }
  const pages = Math.max(1, Math.ceil(ids.length / PAGE_SIZE));
  const page = Math.min(Math.max(1, filter.page), pages);
  const runs = (await readFields(redis, keys, ids.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE), FIELDS)).filter(
    (run) => run.runId,
  );
  const outcomes = new Set(runs.map((r) => (r.outcome ?? "running").replace(/^stopped: .*/, "stopped")));
  const stops = new Set(runs.flatMap((r) => (r.stopReason ? [r.stopReason] : [])));
  if (filter.outcome) outcomes.add(filter.outcome);
  if (filter.stop) stops.add(filter.stop);
  return {
    runs,
    total: ids.length,
    page,
    pages,
    repos: [...readable]
      .filter(([, ok]) => ok)
      .map(([repo]) => repo)
      .sort(),
    outcomes: [...outcomes, "pr-opened", "stopped"].filter((v, i, a) => a.indexOf(v) === i).sort(),
    stops: [...stops].sort(),
  };
}

/** Outcome, stop reason and title of finished runs, kept per server (about 100 bytes a run) for history filters. */
export const SETTLED_LIMIT = 100_000;

function remember(settled: Map<string, RunFields>, id: string, run: RunFields): void {
  if (settled.size >= SETTLED_LIMIT) settled.delete(settled.keys().next().value!);
  settled.set(id, run);
}

export type RunEvent = { at: string; type: string } & Record<string, unknown>;

export async function readRun(
  redis: Redis,
  keys: RedisKeys,
  runId: string,
): Promise<{ fields: RunFields; events: RunEvent[] } | undefined> {
  const [fields, lines] = await Promise.all([
    redis.hgetall(keys.run(runId)),
    redis.lrange(keys.runEvents(runId), 0, -1),
  ]);
  if (!fields.runId) return undefined;
  const events: RunEvent[] = [];
  for (const line of lines) {
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch {
      events.push({ at: "", type: "unreadable", text: line.slice(0, 2_000) });
    }
  }
  return { fields, events };
}

/** Deletes runs older than the retention, with their events. Returns how many went. */
export async function sweepHistory(redis: Redis, keys: RedisKeys, retentionDays: number, now = Date.now()) {
  const cutoff = now - retentionDays * 24 * 3600_000;
  const old = await redis.zrangebyscore(keys.runIndex, "-inf", cutoff, "LIMIT", 0, 5_000);
  if (old.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const id of old)
    pipeline
      .del(keys.run(id), keys.runEvents(id))
      .zrem(keys.runIndex, id)
      .zrem(keys.issueRuns(id.split("@")[0]!), id); // the issue's run list (`/agent status`); empty lists vanish
  await pipeline.exec();
  return old.length;
}
