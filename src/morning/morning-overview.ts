import type { Redis } from "ioredis";
import { DateTime } from "luxon";
import type { RedisKeys } from "../queue/keys.js";
import { describeRun, type RunWords } from "./describe-run.js";
import type { RunFields } from "./night-data.js";
import { nightFigures, type NightFigures } from "./night-figures.js";

/** One night of one repository on the admin page's morning view. */
export interface NightRow extends NightFigures {
  night: string;
  prs: number;
  kept: number;
  noPr: number;
}

export interface RepoMorning {
  repo: string;
  /** The last day's runs, as the report issue lists them. */
  lastNight: { run: RunFields; words: RunWords }[];
  /** The last 30 nights, oldest first (nights without runs included, as zeros). */
  nights: NightRow[];
}

const NIGHTS = 30;
const MAX_RUNS = 5_000;

/**
 * The morning report across repositories for the admin page: every repository the viewer may read
 * with runs in the last 30 nights. A night is named by the local date its evening began (a run at
 * 02:00 belongs to the night of the day before).
 */
export async function readMorningOverview(
  redis: Redis,
  keys: RedisKeys,
  canRead: (repo: string) => Promise<boolean>,
  now: Date,
  timeZone: string,
): Promise<RepoMorning[]> {
  const since = now.getTime() - NIGHTS * 24 * 3600_000;
  const ids = (await redis.zrangebyscore(keys.runIndex, since, now.getTime())).slice(-MAX_RUNS);
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hgetall(keys.run(id));
  const runs = ((await pipeline.exec()) ?? []).map(([, v]) => v as RunFields).filter((r) => r?.runId);
  const byRepo = new Map<string, RunFields[]>();
  for (const run of runs) {
    const repo = (run.repo ?? run.runId!.split("#")[0]!).toLowerCase();
    byRepo.set(repo, [...(byRepo.get(repo) ?? []), run]);
  }
  const nightOf = (iso: string | undefined) =>
    DateTime.fromISO(iso ?? "", { zone: timeZone })
      .minus({ hours: 12 })
      .toISODate() ?? "unknown";
  const names = Array.from({ length: NIGHTS }, (_, i) =>
    DateTime.fromJSDate(now, { zone: timeZone })
      .minus({ hours: 12, days: NIGHTS - 1 - i })
      .toISODate()!,
  );
  const out: RepoMorning[] = [];
  for (const [repo, list] of [...byRepo.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!(await canRead(repo))) continue;
    const dayAgo = now.getTime() - 24 * 3600_000;
    const lastNight = list
      .filter((r) => Date.parse(r.startedAt ?? "") > dayAgo)
      .map((run) => ({ run, words: describeRun(run) }));
    const nights = names.map((night) => {
      const those = list.filter((r) => nightOf(r.startedAt) === night);
      const kinds = those.map((r) => describeRun(r).kind);
      return {
        night,
        ...nightFigures(those),
        prs: kinds.filter((k) => k === "pr").length,
        kept: kinds.filter((k) => k === "kept").length,
        noPr: kinds.filter((k) => k === "no-pr").length,
      };
    });
    out.push({ repo, lastNight, nights });
  }
  return out;
}
