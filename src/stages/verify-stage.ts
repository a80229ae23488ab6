import { Queue, Worker } from "bullmq";
import Docker from "dockerode";
import type { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import { Probot, type ProbotOctokit } from "probot";
import type { StopReason } from "../agent/events.js";
import type { EnvConfig } from "../config/env.js";
import { installationToken } from "../github/installation-token.js";
import { NightshiftOctokit } from "../github/octokit.js";
import { upsertStatusComment } from "../github/status-comment.js";
import { issueKey, redisKeys } from "../queue/keys.js";
import { connectRedis } from "../queue/redis.js";
import { publish } from "../publish/publish.js";
import { redactSecrets } from "../publish/secrets.js";
import { verifyPatch, type VerifyReport } from "../verify/verify.js";
import { STAGE_QUEUES, stageJobId, verifyJobSchema, type VerifyJob } from "./jobs.js";

export interface StageDeps {
  config: EnvConfig;
  docker?: Docker;
  Octokit?: typeof ProbotOctokit;
  /** CI gate polling interval (ms). */
  ciPollMs?: number;
  log?: Logger;
}

export type PublishJob = VerifyJob & { verification: VerifyReport };

/** Where GitHub serves a repository over git smart HTTP (github.com, or GHE_HOST). */
export function cloneUrlFor(config: EnvConfig, owner: string, repo: string): string {
  return config.gheHost ? `${config.githubBaseUrl.replace(/\/api\/v3$/, "")}/${owner}/${repo}.git` : `https://github.com/${owner}/${repo}.git`;
}

/**
 * The verify and publish stages as BullMQ workers: a job waits in Redis until a worker takes it, so
 * a restart loses nothing. Verify checks the patch independently and, when it passes, queues the
 * publish job; a rejection is explained on the issue.
 */
export async function startStageWorkers({ config, docker = new Docker(), Octokit = NightshiftOctokit, ciPollMs = 30_000, log = pino({ level: config.logLevel }) }: StageDeps) {
  if (!config.appId || !config.privateKey || !config.redisUrl) throw new Error("the verify and publish stages need APP_ID, a private key and REDIS_URL");
  const redis: Redis = connectRedis(config.redisUrl);
  const keys = redisKeys(config.redisPrefix);
  const probot = new Probot({ appId: config.appId, privateKey: config.privateKey, baseUrl: config.githubBaseUrl, Octokit, log: log.child({ name: "probot" }) });
  const publishQueue = new Queue<PublishJob>(STAGE_QUEUES.publish, { connection: redis, prefix: config.redisPrefix });
  const connections = [connectRedis(config.redisUrl), connectRedis(config.redisUrl)];

  const verifier = new Worker<VerifyJob>(
    STAGE_QUEUES.verify,
    async (job) => {
      const data = verifyJobSchema.parse(job.data);
      const token = await installationToken(probot, data.installationId);
      const verification = await verifyPatch({ docker, namespace: config.redisPrefix, runId: data.runId, repo: { cloneUrl: cloneUrlFor(config, data.owner, data.repo), token, baseSha: data.baseSha }, patch: data.patch, config: data.config, image: config.sandboxImage, workspaceRoot: config.workspaceRoot });
      await redis.hset(keys.run(data.runId), { stage: "verified", verifiedAt: new Date().toISOString(), verdict: verification.verdict, verifyStage: verification.stage, verifyTestsMs: String(verification.tests?.durationMs ?? 0) });
      if (verification.verdict === "accepted") {
        await publishQueue.add("publish", { ...data, verification }, { jobId: stageJobId("publish", data.runId), attempts: 3, backoff: { type: "exponential", delay: 30_000 }, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } });
        return "accepted";
      }
      const octokit = await probot.auth(data.installationId);
      await upsertStatusComment(octokit, redis, keys, { owner: data.owner, repo: data.repo, issue_number: data.issueNumber }, issueKey(data.owner, data.repo, data.issueNumber), redactSecrets(rejectionText(verification)).text);
      return "rejected";
    },
    { connection: connections[0]!, prefix: config.redisPrefix, concurrency: 1 },
  );

  const publisher = new Worker<PublishJob>(
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
        token: await installationToken(probot, data.installationId),
        patch: data.patch,
        testCommand: data.config.test,
        verification: data.verification,
        run: { ...data.run, stopReason: data.run.stopReason as StopReason },
        ci: data.config.ci,
        ciTimeoutMs: data.config.ci_timeout_minutes * 60_000,
        pollMs: ciPollMs,
      });
      await redis.hset(keys.run(data.runId), { stage: "published", publishedAt: new Date().toISOString(), outcome: outcome.kind });
      return outcome.kind;
    },
    { connection: connections[1]!, prefix: config.redisPrefix, concurrency: 2 },
  );
  for (const worker of [verifier, publisher]) worker.on("failed", (job, err) => log.error({ job: job?.id, err }, "stage failed"));

  return {
    verifyQueue: new Queue<VerifyJob>(STAGE_QUEUES.verify, { connection: redis, prefix: config.redisPrefix }),
    async close() {
      await verifier.close();
      await publisher.close();
      await publishQueue.close();
      for (const c of connections) c.disconnect();
      redis.disconnect();
    },
  };
}

/** Queues a run's patch for verification (idempotent per run). */
export async function queueVerification(queue: Queue<VerifyJob>, job: VerifyJob): Promise<void> {
  await queue.add("verify", job, { jobId: stageJobId("verify", job.runId), attempts: 2, backoff: { type: "fixed", delay: 60_000 }, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } });
}

function rejectionText(report: VerifyReport): string {
  const why =
    report.stage === "tamper"
      ? report.rejections.map((r) => `- \`${r.rule}\`${r.file ? ` in \`${r.file}\`` : ""}: ${r.detail}`).join("\n")
      : report.stage === "apply"
        ? `- the patch did not apply to the base commit: ${report.applyError}`
        : report.stage === "setup"
          ? `- the setup command failed (exit ${report.setup?.exitCode})`
          : `- the test suite failed on a fresh clone (exit ${report.tests?.exitCode}):\n\n\`\`\`\n${(report.tests?.output ?? "").slice(-1500)}\n\`\`\``;
  return `**Nightshift: no PR** — the patch did not pass independent verification:\n${why}`;
}
