import type { Redis } from "ioredis";
import type { ProbotOctokit } from "probot";
import { withLock } from "../queue/issue-lock.js";
import type { RedisKeys } from "../queue/keys.js";
import type { RunQueue } from "../queue/run-queue.js";
import { readNight } from "./night-data.js";
import { REPORT_MARKER, REPORT_TITLE, reportBody, type ReportItem } from "./report-body.js";

export const REPORT_LABEL = "nightshift-report";
const DAY_MS = 24 * 3600_000;

export interface ReportDeps {
  octokit: ProbotOctokit;
  redis: Redis;
  keys: RedisKeys;
  runs: RunQueue;
  timeZone: string;
  windowText: string;
  now: Date;
}

/** What Nightshift remembers of a repository's report issue (a Redis hash). */
export interface ReportState {
  number?: number;
  items: ReportItem[];
  /** Items already acted on since the last morning: issue → "queued by @x". */
  done: Record<string, string>;
}

export async function readReportState(redis: Redis, keys: RedisKeys, repo: string): Promise<ReportState> {
  const raw = await redis.hgetall(keys.reportIssue(repo));
  const parse = <T>(text: string | undefined, fallback: T): T => {
    try {
      return text ? (JSON.parse(text) as T) : fallback;
    } catch {
      return fallback;
    }
  };
  return {
    number: raw.number ? Number(raw.number) : undefined,
    items: parse<ReportItem[]>(raw.items, []),
    done: parse<Record<string, string>>(raw.done, {}),
  };
}

/**
 * Writes the repository's morning report: one issue, found by its number (remembered in Redis) or by
 * its label and marker, edited in place — never a second. `morning`: the scheduled report at the
 * window's close, which starts the next night; on-demand reports (`/agent report`) leave it be.
 */
export async function writeReport(
  deps: ReportDeps,
  owner: string,
  repo: string,
  { morning = false, done: extraDone = {} }: { morning?: boolean; done?: Record<string, string> } = {},
): Promise<number> {
  const full = `${owner}/${repo}`.toLowerCase();
  return withLock(deps.redis, deps.keys.issueLock(`report:${full}`), async () => {
    const cutoff = Number(await deps.redis.get(deps.keys.reportCutoff(full))) || 0;
    const since = new Date(Math.max(cutoff, deps.now.getTime() - DAY_MS));
    const state = await readReportState(deps.redis, deps.keys, full);
    const done = morning ? {} : { ...state.done, ...extraDone };
    const night = await readNight({ ...deps, owner, repo, since, until: deps.now });
    const { body, items } = reportBody(night, {
      timeZone: deps.timeZone,
      windowText: deps.windowText,
      now: deps.now,
      done: new Map(Object.entries(done).map(([k, v]) => [Number(k), v])),
    });
    const number = await upsertReportIssue(deps.octokit, owner, repo, state.number, body);
    await deps.redis.hset(deps.keys.reportIssue(full), {
      number: String(number),
      items: JSON.stringify(items),
      done: JSON.stringify(done),
    });
    if (morning) await deps.redis.set(deps.keys.reportCutoff(full), String(deps.now.getTime()));
    return number;
  });
}

async function upsertReportIssue(
  octokit: ProbotOctokit,
  owner: string,
  repo: string,
  known: number | undefined,
  body: string,
): Promise<number> {
  const number = known ?? (await findReportIssue(octokit, owner, repo));
  if (number) {
    try {
      // Reopened if someone closed it: the report is one open issue; `report: false` is how to stop it.
      await octokit.rest.issues.update({ owner, repo, issue_number: number, body, state: "open" });
      return number;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status !== 404 && status !== 410) throw error; // deleted or transferred: make a new one
    }
  }
  const { data } = await octokit.rest.issues.create({ owner, repo, title: REPORT_TITLE, body, labels: [REPORT_LABEL] });
  return data.number;
}

/** The report issue a previous Redis (or another install) made: labelled, opened by a bot, with the marker. */
async function findReportIssue(octokit: ProbotOctokit, owner: string, repo: string): Promise<number | undefined> {
  const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
    owner,
    repo,
    labels: REPORT_LABEL,
    state: "all",
    per_page: 100,
  });
  return issues.find((i) => i.user?.type === "Bot" && (i.body ?? "").startsWith(REPORT_MARKER))?.number;
}
