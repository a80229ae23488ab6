import { Worker, type ConnectionOptions, type Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Probot } from "probot";
import type { StopReason } from "../agent/events.js";
import type { EnvConfig } from "../config/env.js";
import { cloneUrlFor } from "../github/clone-url.js";
import { installationToken } from "../github/installation-token.js";
import type { RedisKeys } from "../queue/keys.js";
import { STAGE_QUEUES, stageJobId, type VerifyJob } from "../verify/verify-job.js";
import type { VerifyReport } from "../verify/verify.js";
import { quietMention } from "../text/neutralise-output.js";
import { publish, type PublishOutcome } from "./publish.js";

export type PublishJob = VerifyJob & { verification: VerifyReport };

export interface PublishWorkerDeps {
  config: EnvConfig;
  probot: Probot;
  redis: Redis;
  keys: RedisKeys;
  connection: ConnectionOptions;
  /** CI gate polling interval (ms). */
  ciPollMs: number;
}

/** The publish stage as a BullMQ worker: push, CI gate, draft PR, for each verified patch. */
export function startPublishWorker(deps: PublishWorkerDeps): Worker<PublishJob> {
  const { config, probot, redis, keys } = deps;
  return new Worker<PublishJob>(
    STAGE_QUEUES.publish,
    async (job) => {
      const data = job.data;
      const octokit = await probot.auth(data.installationId);
      const outcome = await publish({
        octokit,
        redis,
        keys,
        owner: data.owner,
        repo: data.repo,
        issue: data.issueNumber,
        issueTitle: data.issueTitle,
        requester: data.requester,
        defaultBranch: data.defaultBranch,
        baseSha: data.baseSha,
        cloneUrl: cloneUrlFor(config, data.owner, data.repo),
        token: await installationToken(probot, data.installationId, { repository: data.repo, contents: "write" }),
        patch: data.patch,
        testCommand: data.config.test,
        verification: data.verification,
        run: { ...data.run, stopReason: data.run.stopReason as StopReason },
        ci: data.config.ci,
        ciTimeoutMs: data.config.ci_timeout_minutes * 60_000,
        pollMs: deps.ciPollMs,
        inputDigest: (await redis.hget(keys.run(data.runId), "modelInput")) ?? undefined,
        choice: data.config.outcome,
        openPrLimit: data.config.open_pr_limit,
        codeowners: data.config.codeowners_review,
        about: {
          model: config.model,
          runId: data.runId,
          runUrl: config.admin.publicUrl
            ? `${config.admin.publicUrl.replace(/\/$/, "")}/runs/${encodeURIComponent(data.runId)}`
            : undefined,
          followUpLimit: data.config.follow_up_limit,
          followUp: data.followUp
            ? `the review by ${quietMention(data.followUp.reviewer)} on #${data.followUp.pr}`
            : undefined,
        },
      });
      await recordPublished(redis, keys, data, outcome);
      return outcome.kind;
    },
    { connection: deps.connection, prefix: config.redisPrefix, concurrency: 2 },
  );
}

/** The run record learns the PR or branch; an open PR is remembered as Nightshift's, for the review loop. */
async function recordPublished(redis: Redis, keys: RedisKeys, data: PublishJob, outcome: PublishOutcome) {
  const fields: Record<string, string> = {
    stage: "published",
    publishedAt: new Date().toISOString(),
    outcome: outcome.kind,
  };
  if (outcome.kind === "pr-opened" || outcome.kind === "pr-updated") {
    fields.prNumber = String(outcome.number);
    fields.prUrl = outcome.url;
    await redis.hset(keys.pull(`${data.owner}/${data.repo}`, outcome.number), {
      issue: String(data.issueNumber),
      baseSha: data.baseSha,
      headSha: outcome.sha,
      requester: data.requester,
      runId: data.runId,
    });
  }
  if (outcome.kind === "branch-pushed") Object.assign(fields, { branch: outcome.branch, why: outcome.why });
  await redis.hset(keys.run(data.runId), fields);
}

/** Queues a verified patch for publishing (idempotent per run). */
export async function queuePublish(queue: Queue<PublishJob>, job: PublishJob): Promise<void> {
  await queue.add("publish", job, {
    jobId: stageJobId("publish", job.runId),
    attempts: 3,
    backoff: { type: "exponential", delay: 30_000 },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  });
}
