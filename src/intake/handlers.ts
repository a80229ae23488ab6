import type { ApplicationFunction, Context } from "probot";
import { withLock } from "../queue/issue-lock.js";
import { issueKey } from "../queue/keys.js";
import { cancelRun, queuePosition, runState } from "../queue/run-queue.js";
import { isBot } from "../github/is-bot.js";
import { helpText, parseCommand } from "./parse-command.js";
import { openOnboardingPr } from "./onboarding-pr.js";
import { canWrite } from "../github/can-write.js";
import { firstToday, issueRef, refuseOnce, requestRun, type IntakeDeps, type IssueContext } from "./request-run.js";
import { neutraliseLine } from "../text/neutralise-output.js";
import { upsertStatusComment } from "../github/status-comment.js";
import { lastOutcomeText } from "../morning/last-run.js";
import {
  issueRetryOnOpenPr,
  pullRequestCommand,
  registerMorningHandlers,
  reportCommand,
} from "../morning/morning-handlers.js";
import { cancelRequestedText, cancelledText, queuedText } from "./status-text.js";
import { createLabelOnInstall } from "./install-label.js";

/**
 * The GitHub half of Nightshift: the label starts a run, removing it or closing the issue takes a
 * waiting run out of the queue, and `/agent …` comments retry, cancel, report or explain.
 */
export function nightshiftApp(deps: IntakeDeps): ApplicationFunction {
  return (app) => {
    registerMorningHandlers(app, deps);
    app.on("issues.labeled", async (ctx) => {
      if (ctx.payload.label?.name !== deps.config.label || isBot(ctx.payload.sender)) return;
      await requestRun(ctx, deps, { requester: ctx.payload.sender.login, trigger: "label", now: false });
    });

    app.on("issues.unlabeled", async (ctx) => {
      if (ctx.payload.label?.name !== deps.config.label) return;
      await cancelWaiting(ctx, deps, `the \`${deps.config.label}\` label was removed by @${ctx.payload.sender.login}`);
    });

    app.on("issues.closed", async (ctx) => {
      await cancelWaiting(ctx, deps, "the issue was closed");
    });

    app.on(["installation.created", "installation_repositories.added"], async (ctx) => {
      await createLabelOnInstall(ctx, deps.config.label);
    });

    // The CI gate polls GitHub; these tell it to look now.
    app.on(["check_suite.completed", "workflow_run.completed"], async (ctx) => {
      const sha = "check_suite" in ctx.payload ? ctx.payload.check_suite.head_sha : ctx.payload.workflow_run.head_sha;
      await deps.redis.set(
        deps.keys.ciNotice(`${ctx.payload.repository.owner.login}/${ctx.payload.repository.name}`, sha),
        "1",
        "EX",
        24 * 3600,
      );
    });

    app.on("issue_comment.created", async (ctx) => {
      const { comment, issue } = ctx.payload;
      if (isBot(comment.user ?? ctx.payload.sender)) return;
      const command = parseCommand(comment.body ?? "");
      if (!command) return;
      const author = comment.user?.login ?? ctx.payload.sender.login;
      // On a PR only `/agent retry` means something: a follow-up run on Nightshift's own PR.
      if (issue.pull_request) {
        if (command.kind === "retry")
          await pullRequestCommand(ctx, deps, { author, body: comment.body ?? "", now: command.now });
        return;
      }
      const react = () =>
        ctx.octokit.rest.reactions.createForIssueComment(ctx.repo({ comment_id: comment.id, content: "+1" as const }));
      const key = issueKey(ctx.payload.repository.owner.login, ctx.payload.repository.name, issue.number);
      const owner = ctx.payload.repository.owner.login;
      const repo = ctx.payload.repository.name;
      // Anyone can comment: help, unknown commands and status answer writers always, others once a day per issue.
      const mayAnswer = async () =>
        (await canWrite(ctx.octokit, owner, repo, author)) || firstToday(deps, deps.keys.answered(key, author));

      switch (command.kind) {
        case "help":
          if (!(await mayAnswer())) return;
          await ctx.octokit.rest.issues.createComment({ ...issueRef(ctx), body: helpText(deps.config.label) });
          return;
        case "unknown":
          if (!(await mayAnswer())) return;
          await ctx.octokit.rest.issues.createComment({
            ...issueRef(ctx),
            body: `I don't know \`${neutraliseLine(command.text)}\`.\n\n${helpText(deps.config.label)}`,
          });
          return;
        case "config":
          if ((await openOnboardingPr(ctx, deps, author)) === "opened") await react();
          return;
        case "report":
          if (await reportCommand(ctx, deps, author)) await react();
          return;
        case "status":
          if (!(await mayAnswer())) return;
          await react();
          await refreshStatus(ctx, deps, key);
          return;
        case "retry": {
          const retry = { author, body: comment.body ?? "", now: command.now };
          if (await issueRetryOnOpenPr(ctx, deps, retry)) return; // answered on the PR
          const outcome = await requestRun(ctx, deps, { requester: author, trigger: "retry", now: command.now });
          if (outcome === "running") {
            await ctx.octokit.rest.issues.createComment({
              ...issueRef(ctx),
              body: "A Nightshift run for this issue is in progress already; `/agent cancel` stops it.",
            });
          } else if (outcome !== "refused" && outcome !== "closed") {
            await react();
          }
          return;
        }
        case "cancel": {
          if (!(await canWrite(ctx.octokit, owner, repo, author))) {
            await refuseOnce(ctx, deps, key, author);
            return;
          }
          await react();
          await withLock(deps.redis, deps.keys.issueLock(key), async () => {
            const result = await cancelRun(deps.runs, deps.redis, deps.keys, key);
            const text =
              result === "requested"
                ? cancelRequestedText(author)
                : result === "removed"
                  ? cancelledText(`@${author} cancelled it`)
                  : idleText();
            await upsertStatusComment(ctx.octokit, deps.redis, deps.keys, issueRef(ctx), key, text);
          });
          return;
        }
      }
    });
  };
}

async function cancelWaiting(ctx: Context<"issues">, deps: IntakeDeps, reason: string): Promise<void> {
  const key = issueKey(ctx.payload.repository.owner.login, ctx.payload.repository.name, ctx.payload.issue.number);
  await withLock(deps.redis, deps.keys.issueLock(key), async () => {
    const { job, state } = await runState(deps.runs, key);
    if (!job || (state !== "waiting" && state !== "delayed")) return;
    await job.remove();
    await upsertStatusComment(ctx.octokit, deps.redis, deps.keys, issueRef(ctx), key, cancelledText(reason));
  });
}

async function refreshStatus(ctx: IssueContext, deps: IntakeDeps, key: string): Promise<void> {
  await withLock(deps.redis, deps.keys.issueLock(key), async () => {
    const { job, state } = await runState(deps.runs, key);
    const now = deps.clock();
    // Finished jobs leave the queue; the last outcome comes from the run record.
    let text = (await lastOutcomeText(deps.redis, deps.keys, key)) ?? idleText();
    if (job && state === "active")
      text =
        `**Nightshift: running** — started ` +
        `${job.processedOn ? new Date(job.processedOn).toISOString() : "just now"}.`;
    if (job && (state === "waiting" || state === "delayed")) {
      const position = await queuePosition(deps.runs, deps.redis, key);
      text = queuedText({
        plannedStart: new Date(job.data.plannedStart),
        now,
        timeZone: deps.config.timeZone,
        windowText: deps.config.windowText,
        position,
        baseSha: job.data.baseSha,
        requester: job.data.requester,
        immediate: state === "waiting",
      });
    }
    await upsertStatusComment(ctx.octokit, deps.redis, deps.keys, issueRef(ctx), key, text);
  });
}

function idleText(): string {
  return "**Nightshift: idle** — nothing is queued or running for this issue.";
}
