import type { Redis } from "ioredis";
import type { Context, ProbotOctokit } from "probot";
import type { EnvConfig } from "../config/env.js";
import {
  REPO_CONFIG_FILE,
  RepoConfigError,
  parseRepoConfig,
  repoConfigErrorMarkdown,
  type RepoConfig,
} from "../config/repo-config.js";
import { nextWindowStart } from "../config/window.js";
import { withLock } from "../queue/issue-lock.js";
import { issueKey, type RedisKeys } from "../queue/keys.js";
import type { RunJob } from "../queue/run-job.js";
import { enqueueRun, queuePosition, runJobId, type RunQueue } from "../queue/run-queue.js";
import { canWrite } from "../github/can-write.js";
import { upsertStatusComment, type IssueRef } from "../github/status-comment.js";
import { closedIssueText, queuedText, refusalText } from "./status-text.js";
import { zeroConfig } from "./zero-config.js";

export interface IntakeDeps {
  config: EnvConfig;
  runs: RunQueue;
  redis: Redis;
  keys: RedisKeys;
  clock: () => Date;
}

/** What intake reads of an `issues` or `issue_comment` event's context. */
export interface IssueContext {
  octokit: ProbotOctokit;
  payload: {
    repository: { name: string; owner: { login: string }; default_branch: string };
    issue: { number: number; title: string; state?: string };
    installation?: { id: number } | undefined;
  };
  config: Context["config"];
}

export function issueRef(ctx: IssueContext): IssueRef {
  return {
    owner: ctx.payload.repository.owner.login,
    repo: ctx.payload.repository.name,
    issue_number: ctx.payload.issue.number,
  };
}

export type RequestOutcome = "queued" | "already-queued" | "promoted" | "running" | "refused" | "closed" | "bad-config";

/**
 * A writer asked for a run (label or `/agent retry`): check the requester, read and validate the
 * repository's config, record the default branch's head, and queue at most one run for the issue,
 * delayed to the next overnight window unless `now`. Safe to call again for the same event.
 */
export async function requestRun(
  ctx: IssueContext,
  deps: IntakeDeps,
  request: {
    requester: string;
    trigger: RunJob["trigger"];
    now: boolean;
    /** A follow-up run on Nightshift's PR: its base stays the PR's base commit. */
    followUp?: RunJob["followUp"] & { baseSha: string };
  },
): Promise<RequestOutcome> {
  const ref = issueRef(ctx);
  const { owner, repo, issue_number } = ref;
  const key = issueKey(owner, repo, issue_number);
  if (!(await canWrite(ctx.octokit, owner, repo, request.requester))) {
    await refuseOnce(ctx, deps, key, request.requester);
    return "refused";
  }
  if (ctx.payload.issue.state === "closed") {
    // Politely, once a day per issue: a closed issue is not worked on (reopen it first).
    if (await firstToday(deps, deps.keys.answered(key, "(closed issue)")))
      await ctx.octokit.rest.issues.createComment({ ...ref, body: closedIssueText(deps.config.label) });
    return "closed";
  }
  const file = await readRepoConfig(ctx);
  const badConfig = async (text: string) => {
    await withLock(deps.redis, deps.keys.issueLock(key), () =>
      upsertStatusComment(ctx.octokit, deps.redis, deps.keys, ref, key, text),
    );
    return "bad-config" as const;
  };
  if (file instanceof RepoConfigError) return badConfig(repoConfigErrorMarkdown(file));
  const defaultBranch = ctx.payload.repository.default_branch;
  const { followUp } = request;
  const baseSha =
    followUp?.baseSha ??
    (await ctx.octokit.rest.repos.getBranch({ owner, repo, branch: defaultBranch })).data.commit.sha;
  // No config file: zero-config detection at the recorded head, said in the status comment.
  const detected = file ? undefined : await zeroConfig(ctx.octokit, { owner, repo, ref: baseSha });
  if (detected && "problem" in detected) return badConfig(detected.problem);
  const config = file ?? detected!.config;

  return withLock(deps.redis, deps.keys.issueLock(key), async () => {
    const now = deps.clock();
    const plannedStart = request.now ? now : nextWindowStart(deps.config.window, now, deps.config.timeZone);
    const data: RunJob = {
      owner,
      repo,
      installationId: ctx.payload.installation!.id,
      issueNumber: issue_number,
      issueTitle: ctx.payload.issue.title.slice(0, 256),
      requester: request.requester,
      defaultBranch,
      baseSha,
      trigger: request.trigger,
      immediate: request.now,
      requestedAt: now.toISOString(),
      plannedStart: plannedStart.toISOString(),
      config,
      ...(followUp
        ? {
            followUp: {
              pr: followUp.pr,
              reviewer: followUp.reviewer,
              headSha: followUp.headSha,
              feedback: followUp.feedback,
            },
          }
        : {}),
    };
    const { job, created } = await enqueueRun(deps.runs, data, now);
    const state = await job.getState();
    // A run that was already going is the worker's to report; one we just queued may have started at once.
    if (!created && state === "active") return "running";
    let outcome: RequestOutcome = created ? "queued" : "already-queued";
    if (!created && request.now && state === "delayed") {
      await job.updateData({ ...job.data, immediate: true });
      await job.promote();
      outcome = "promoted";
    }
    const position = await queuePosition(deps.runs, deps.redis, runJobId(data));
    const start = outcome === "promoted" ? now : new Date(job.data.plannedStart);
    const text = queuedText({
      plannedStart: start,
      now,
      timeZone: deps.config.timeZone,
      windowText: deps.config.windowText,
      position,
      baseSha: job.data.baseSha,
      requester: job.data.requester,
      immediate: outcome === "promoted",
    });
    const note = detected && "note" in detected ? `\n\n${detected.note}` : "";
    await upsertStatusComment(ctx.octokit, deps.redis, deps.keys, ref, key, text + note);
    return outcome;
  });
}

/**
 * The repository's `.github/nightshift.yml`, validated (undefined when there is none); a problem the
 * maintainer must fix comes back as a value.
 */
export async function readRepoConfig(ctx: IssueContext): Promise<RepoConfig | RepoConfigError | undefined> {
  try {
    const raw = await ctx.config(REPO_CONFIG_FILE);
    if (raw === null || raw === undefined) return undefined;
    return parseRepoConfig(raw);
  } catch (error) {
    if (error instanceof RepoConfigError) return error;
    // @probot/octokit-plugin-config has no error class; its errors (bad YAML, bad _extends) carry this prefix.
    const message = error instanceof Error ? error.message : "";
    if (!message.startsWith("[@probot/octokit-plugin-config]")) throw error;
    const cause =
      (error as Error).cause instanceof Error
        ? ((error as Error).cause as Error).message
        : message.replace("[@probot/octokit-plugin-config] ", "");
    return new RepoConfigError([`the file could not be read as YAML: ${cause.split("\n")[0]}`], { cause: error });
  }
}

/** One polite comment per person and issue; repeating the attempt adds no more. */
export async function refuseOnce(ctx: IssueContext, deps: IntakeDeps, key: string, login: string): Promise<void> {
  const first = await deps.redis.set(deps.keys.refusal(key, login), "1", "EX", 30 * 24 * 3600, "NX");
  if (first !== "OK") return;
  try {
    await ctx.octokit.rest.issues.createComment({ ...issueRef(ctx), body: refusalText(login, deps.config.label) });
  } catch (error) {
    await deps.redis.del(deps.keys.refusal(key, login));
    throw error;
  }
}

/** True the first time `key` is seen in a day: bounds the replies anyone can make Nightshift post. */
export async function firstToday(deps: IntakeDeps, key: string): Promise<boolean> {
  return (await deps.redis.set(key, "1", "EX", 24 * 3600, "NX")) === "OK";
}
