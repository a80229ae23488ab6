import { morningConfigFields } from "../config/morning-config.js";
import type { Context, Probot } from "probot";
import { canWrite } from "../github/can-write.js";
import { isBot } from "../github/is-bot.js";
import { readRepoConfig, refuseOnce, requestRun, type IntakeDeps, type IssueContext } from "../intake/request-run.js";
import { branchFor } from "../publish/push-branch.js";
import { issueKey } from "../queue/keys.js";
import { sanitiseInput } from "../text/sanitise-input.js";
import { itemMarker, type ReportItem } from "./report-body.js";
import { readReportState, writeReport } from "./write-report.js";
import { RepoConfigError } from "../config/repo-config.js";

type Repository = IssueContext["payload"]["repository"];
const OURS = /^nightshift\/issue-(\d+)$/;
const FEEDBACK_CHARS = 6000;

/** The morning's webhook handlers: ticks in the report issue, and reviews of Nightshift's PRs. */
export function registerMorningHandlers(app: Probot, deps: IntakeDeps): void {
  app.on("issues.edited", async (ctx) => {
    if (isBot(ctx.payload.sender)) return;
    await onReportEdited(ctx, deps);
  });
  app.on("pull_request_review.submitted", async (ctx) => {
    const { review, pull_request: pull } = ctx.payload;
    if (review.state !== "changes_requested" || !review.user || isBot(review.user)) return;
    const inline = await ctx.octokit.paginate(ctx.octokit.rest.pulls.listCommentsForReview, {
      owner: ctx.payload.repository.owner.login,
      repo: ctx.payload.repository.name,
      pull_number: pull.number,
      review_id: review.id,
      per_page: 100,
    });
    const text = [
      review.body ?? "",
      ...inline.map((c) => `On \`${c.path}\`${c.line ? ` line ${c.line}` : ""}: ${c.body}`),
    ]
      .filter(Boolean)
      .join("\n\n");
    await queueFollowUp(ctx, deps, { pr: pull.number, reviewer: review.user.login, text });
  });
}

/** Ticks in the report issue: honoured like `/agent retry` from whoever ticked, if they may write. */
async function onReportEdited(ctx: Context<"issues.edited">, deps: IntakeDeps): Promise<void> {
  const owner = ctx.payload.repository.owner.login;
  const repo = ctx.payload.repository.name;
  const state = await readReportState(deps.redis, deps.keys, `${owner}/${repo}`);
  if (!state.number || state.number !== ctx.payload.issue.number) return;
  const ticked = tickedItems(ctx.payload.issue.body ?? "", state.items);
  if (ticked.length === 0) return;
  const sender = ctx.payload.sender.login;
  const done: Record<string, string> = {};
  // Permission is asked of GitHub now: editing an issue says nothing about write access.
  if (await canWrite(ctx.octokit, owner, repo, sender)) {
    for (const item of ticked) {
      const { data: issue } = await ctx.octokit.rest.issues.get({ owner, repo, issue_number: item.issue });
      const target = issueContext(ctx, ctx.payload.repository, {
        number: item.issue,
        title: issue.title,
        state: issue.state,
      });
      const outcome = await requestRun(target, deps, { requester: sender, trigger: "retry", now: false });
      done[String(item.issue)] =
        outcome === "queued" || outcome === "already-queued"
          ? `queued for tonight by @${sender}`
          : `not queued (${outcome}); see the issue`;
    }
  }
  // Re-rendered either way: a tick from someone who may not write is undone.
  await writeReport(reportDeps(ctx, deps), owner, repo, { done });
}

/** The context intake's functions take, for another issue (or PR) of the event's repository. */
function issueContext(
  ctx: Pick<Context, "octokit" | "config"> & { payload: { installation?: { id: number } } },
  repository: Repository,
  issue: IssueContext["payload"]["issue"],
): IssueContext {
  return {
    octokit: ctx.octokit,
    payload: { repository, issue, installation: ctx.payload.installation },
    config: ctx.config.bind(ctx),
  };
}

/** Items whose checkbox line is ticked in `body`; only items Nightshift rendered count. */
export function tickedItems(body: string, items: ReportItem[]): ReportItem[] {
  const lines = body.slice(0, 256 * 1024).split(/\r?\n/);
  return items.filter((item) =>
    lines.some((line) => line.includes(itemMarker(item)) && /^\s*[-*]\s+\[[xX]\]\s/.test(line)),
  );
}

function reportDeps(ctx: { octokit: IssueContext["octokit"] }, deps: IntakeDeps) {
  return {
    octokit: ctx.octokit,
    redis: deps.redis,
    keys: deps.keys,
    runs: deps.runs,
    timeZone: deps.config.timeZone,
    windowText: deps.config.windowText,
    now: deps.clock(),
  };
}

/** `/agent report`: writers only; writes the repository's report issue now (not moving the night's start). */
export async function reportCommand(ctx: IssueContext, deps: IntakeDeps, author: string): Promise<boolean> {
  const owner = ctx.payload.repository.owner.login;
  const repo = ctx.payload.repository.name;
  const key = issueKey(owner, repo, ctx.payload.issue.number);
  if (!(await canWrite(ctx.octokit, owner, repo, author))) {
    await refuseOnce(ctx, deps, key, author);
    return false;
  }
  const config = await readRepoConfig(ctx);
  // No file: the defaults (report on); a broken file does not silence the report either.
  if (config !== undefined && !(config instanceof RepoConfigError) && !config.report) {
    await ctx.octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: ctx.payload.issue.number,
      body: "This repository has turned the morning report off (`report: false` in `.github/nightshift.yml`).",
    });
    return false;
  }
  await writeReport(reportDeps(ctx, deps), owner, repo);
  return true;
}

/** A comment's text without its `/agent …` lines: what the reviewer asks for. */
const reviewText = (body: string) =>
  body
    .split(/\r?\n/)
    .filter((line) => !/^\s*\/agent(\s|$)/.test(line))
    .join("\n")
    .trim() || "(no comments: the reviewer asked for another attempt)";

/** `/agent retry` (or `--now`) commented on a PR: a follow-up if it is Nightshift's PR; nothing otherwise. */
export async function pullRequestCommand(
  ctx: Context<"issue_comment.created">,
  deps: IntakeDeps,
  o: { author: string; body: string; now: boolean },
): Promise<void> {
  await queueFollowUp(ctx, deps, {
    pr: ctx.payload.issue.number,
    reviewer: o.author,
    text: reviewText(o.body),
    now: o.now,
  });
}

/**
 * `/agent retry` on an issue whose Nightshift PR is still open: a follow-up on that PR (from its branch, with
 * the comment as the review), not a fresh run that would start over and replace it. Returns false when the
 * issue has no open Nightshift PR, so the caller queues a normal run.
 */
export async function issueRetryOnOpenPr(
  ctx: Context<"issue_comment.created">,
  deps: IntakeDeps,
  o: { author: string; body: string; now: boolean },
): Promise<boolean> {
  const owner = ctx.payload.repository.owner.login;
  const repo = ctx.payload.repository.name;
  const { data: open } = await ctx.octokit.rest.pulls.list({
    owner,
    repo,
    state: "open",
    head: `${owner}:${branchFor(ctx.payload.issue.number)}`,
  });
  const pull = open.find((p) => p.head.repo?.full_name?.toLowerCase() === `${owner}/${repo}`.toLowerCase());
  if (!pull) return false;
  if (!(await deps.redis.hget(deps.keys.pull(`${owner}/${repo}`, pull.number), "issue"))) return false;
  await queueFollowUp(ctx, deps, { pr: pull.number, reviewer: o.author, text: reviewText(o.body), now: o.now });
  return true;
}

/**
 * A follow-up run on Nightshift's PR: writers only, one at a time per PR (the issue's run slot), at
 * most `follow_up_limit` per PR. It starts from the PR's head with the sanitised review as the task.
 */
async function queueFollowUp(
  ctx: Context<"pull_request_review.submitted" | "issue_comment.created">,
  deps: IntakeDeps,
  o: { pr: number; reviewer: string; text: string; now?: boolean },
): Promise<void> {
  const repository = ctx.payload.repository as Repository;
  const owner = repository.owner.login;
  const repo = repository.name;
  const known = await deps.redis.hgetall(deps.keys.pull(`${owner}/${repo}`, o.pr));
  if (!known.issue) return; // not a PR Nightshift opened
  const { data: pull } = await ctx.octokit.rest.pulls.get({ owner, repo, pull_number: o.pr });
  const match = OURS.exec(pull.head.ref);
  if (pull.state !== "open" || !match || Number(match[1]) !== Number(known.issue)) return;
  const issueNumber = Number(known.issue);
  const say = (body: string) => ctx.octokit.rest.issues.createComment({ owner, repo, issue_number: o.pr, body });
  const prKey = issueKey(owner, repo, o.pr);
  if (!(await canWrite(ctx.octokit, owner, repo, o.reviewer))) {
    await refuseOnce(issueContext(ctx, repository, { number: o.pr, title: pull.title }), deps, prKey, o.reviewer);
    return;
  }
  const { data: issue } = await ctx.octokit.rest.issues.get({ owner, repo, issue_number: issueNumber });
  const target = issueContext(ctx, repository, { number: issueNumber, title: issue.title, state: issue.state });
  const config = await readRepoConfig(target);
  const limit =
    config instanceof RepoConfigError
      ? 0
      : (config?.follow_up_limit ?? morningConfigFields.follow_up_limit.parse(undefined));
  const used = Number(await deps.redis.get(deps.keys.followUps(`${owner}/${repo}`, o.pr))) || 0;
  if (used >= limit) {
    await say(
      `Nightshift has made ${used} follow-up attempt(s) on this PR, the limit (\`follow_up_limit: ${limit}\` in ` +
        "`.github/nightshift.yml`); it will not try again here. Push a fix yourself, or close the PR.",
    );
    return;
  }
  const feedback = sanitiseInput(o.text, FEEDBACK_CHARS).text;
  const outcome = await requestRun(target, deps, {
    requester: o.reviewer,
    trigger: "review",
    now: o.now ?? false,
    followUp: { pr: o.pr, reviewer: o.reviewer, headSha: pull.head.sha, feedback, baseSha: known.baseSha! },
  });
  if (outcome === "queued") {
    await deps.redis.incr(deps.keys.followUps(`${owner}/${repo}`, o.pr));
    await say(
      `Nightshift queued follow-up ${used + 1} of ${limit}: it starts from this branch with the review as its task, ` +
        "pushes to this branch and updates this PR. Its status is on the issue.",
    );
  } else if (outcome === "already-queued" || outcome === "running" || outcome === "promoted") {
    await say(
      `A Nightshift run for #${issueNumber} is queued or running already (one at a time); request changes again ` +
        "once it has finished.",
    );
  }
}
