import { type Queue, Worker, type ConnectionOptions } from "bullmq";
import type Docker from "dockerode";
import type { Redis } from "ioredis";
import type { Probot } from "probot";
import type { EnvConfig } from "../config/env.js";
import { cloneUrlFor } from "../github/clone-url.js";
import { installationToken } from "../github/installation-token.js";
import { upsertStatusComment } from "../github/status-comment.js";
import { queuePublish, type PublishJob } from "../publish/publish-worker.js";
import { redactSecrets } from "../publish/secrets.js";
import { issueKey, type RedisKeys } from "../queue/keys.js";
import { STAGE_QUEUES, stageJobId, verifyJobSchema, type VerifyJob } from "./verify-job.js";
import { refusalText } from "./evidence-text.js";
import { verifyPatch, type VerifyInput, type VerifyReport } from "./verify.js";

export interface VerifyWorkerDeps {
  config: EnvConfig;
  docker: Docker;
  probot: Probot;
  redis: Redis;
  keys: RedisKeys;
  connection: ConnectionOptions;
  publishQueue: Queue<PublishJob>;
}

/**
 * The verify stage as a BullMQ worker: checks each patch independently and, when it passes, queues
 * the publish job; a rejection is explained on the issue.
 */
export function startVerifyWorker(deps: VerifyWorkerDeps): Worker<VerifyJob> {
  const { config, redis, keys, probot } = deps;
  // Base runs of recent commits: several patches of one base share its (trusted) results.
  const baseCache: VerifyInput["baseCache"] = new Map();
  return new Worker<VerifyJob>(
    STAGE_QUEUES.verify,
    async (job) => {
      const data = verifyJobSchema.parse(job.data);
      const token = await installationToken(probot, data.installationId, { repository: data.repo, contents: "read" });
      const verification = await verifyPatch({
        docker: deps.docker,
        namespace: config.redisPrefix,
        runId: data.runId,
        repo: { cloneUrl: cloneUrlFor(config, data.owner, data.repo), token, baseSha: data.baseSha },
        patch: data.patch,
        config: data.config,
        image: config.sandboxImage,
        workspaceRoot: config.workspaceRoot,
        cacheOwner: { installationId: data.installationId, owner: data.owner, repo: data.repo },
        setupCaBundle: config.setupCaBundle,
        baseCache,
      });
      if (baseCache.size > 16) baseCache.delete(baseCache.keys().next().value!);
      await redis.hset(keys.run(data.runId), {
        stage: "verified",
        verifiedAt: new Date().toISOString(),
        verdict: verification.verdict,
        verifyStage: verification.stage,
        verifyTestsMs: String(verification.tests?.durationMs ?? 0),
        verifyEvidence: JSON.stringify(evidenceRecord(verification)),
      });
      if (verification.verdict === "accepted") {
        await queuePublish(deps.publishQueue, { ...data, verification });
        return "accepted";
      }
      const octokit = await probot.auth(data.installationId);
      const ref = { owner: data.owner, repo: data.repo, issue_number: data.issueNumber };
      const text = redactSecrets(refusalText(verification)).text;
      await upsertStatusComment(octokit, redis, keys, ref, issueKey(data.owner, data.repo, data.issueNumber), text);
      return verification.verdict;
    },
    { connection: deps.connection, prefix: config.redisPrefix, concurrency: 1 },
  );
}

/** Queues a run's patch for verification (idempotent per run). */
export async function queueVerification(queue: Queue<VerifyJob>, job: VerifyJob): Promise<void> {
  await queue.add("verify", job, {
    jobId: stageJobId("verify", job.runId),
    attempts: 2,
    backoff: { type: "fixed", delay: 60_000 },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  });
}

/** What the run record keeps of a verification: the evidence, not the output. */
function evidenceRecord(report: VerifyReport) {
  return {
    verdict: report.verdict,
    stage: report.stage,
    rejections: report.rejections,
    warnings: report.warnings ?? [],
    changes: report.changes ?? [],
    reproduction: report.reproduction,
    runs: report.evidence?.runs ?? [],
    baseTestsRun: report.evidence?.baseTestsRun,
    problems: report.evidence?.problems ?? [],
    requireReproduction: report.evidence?.requireReproduction,
    durationMs: report.durationMs,
  };
}
