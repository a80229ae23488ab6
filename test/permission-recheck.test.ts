import { rmSync } from "node:fs";
import { Queue } from "bullmq";
import Docker from "dockerode";
import { pino } from "pino";
import { Probot } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { installationToken } from "../src/github/installation-token.js";
import { publish } from "../src/publish/publish.js";
import { redisKeys } from "../src/queue/keys.js";
import { readRunRecord } from "../src/queue/run-record.js";
import { createRunPipeline } from "../src/run/run-pipeline.js";
import { startRunWorker } from "../src/run/run-worker.js";
import { STAGE_QUEUES, type VerifyJob } from "../src/verify/verify-job.js";
import { PATCH_CASES, TEST_COMMAND, hostFixtureRepo, patchFor } from "./fixtures/patch-corpus.js";
import { startFakeGitHub, type FakeGitHub } from "./support/fake-github.js";
import { startHarness, type Harness } from "./support/harness.js";
import { appKeyPair } from "./support/keys.js";
import { connectTestRedis, deletePrefix, uniquePrefix } from "./support/redis.js";
import { UnthrottledOctokit } from "./support/unthrottled-octokit.js";
import { waitFor } from "./support/wait-for.js";
import { issuesPayload } from "./support/webhooks.js";

// 00:30 in Berlin: inside the default window, so the run starts at once.
const NIGHT = new Date("2037-11-21T23:30:00Z");
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("write access is checked again", () => {
  it("when a run starts: a requester who lost access stops it with an explanation, before any clone", async () => {
    const h: Harness = await startHarness({ clock: () => NIGHT });
    cleanups.push(() => h.close());
    expect((await h.deliver("issues", issuesPayload("labeled", "agent-try", { sender: "writer" }))).status).toBe(202);
    await h.settle();
    expect(await h.runs.count()).toBe(1);
    // Between queueing and the run, the writer is demoted to read.
    h.github.repos.get("acme/widgets")!.roles.writer = "read";

    const probot = new Probot({
      appId: 1,
      privateKey: h.config.privateKey!,
      baseUrl: h.config.githubBaseUrl,
      Octokit: UnthrottledOctokit,
      log: pino({ level: "silent" }),
    });
    const verifyQueue = new Queue<VerifyJob>(STAGE_QUEUES.verify, {
      connection: h.redis,
      prefix: h.config.redisPrefix,
    });
    const log = pino({ level: "silent" });
    const pipeline = createRunPipeline({ config: h.config, docker: new Docker(), probot, verifyQueue, log });
    const worker = await startRunWorker({ config: h.config, pipeline, clock: () => NIGHT, log });
    cleanups.push(async () => (await worker.close(), await verifyQueue.close()));

    const runId = await waitFor(async () => (await h.redis.zrange(h.keys.runIndex, "0", "-1"))[0]);
    const record = await waitFor(async () => {
      const r = await readRunRecord(h.redis, h.keys, runId);
      return r?.endedAt ? r : undefined;
    });
    expect(record.outcome).toBe("stopped: requester lost write access");
    const status = h.statusComments()[0]!.body;
    expect(status).toContain("writer, who asked for this run, no longer has write access");
    expect(status).toContain("before it started");
    // Neither cloned nor read the issue for the model.
    expect(h.github.requests.some((r) => r.method === "GET" && r.path.endsWith("/issues/7"))).toBe(false);
    expect(h.github.requests.some((r) => r.path.includes("git-upload-pack"))).toBe(false);
    expect(await verifyQueue.count()).toBe(0);
  });

  it("before publishing: nothing is pushed and no PR is opened for a requester who lost access", async () => {
    const keys = appKeyPair();
    const github: FakeGitHub = await startFakeGitHub({ publicKeyPem: keys.publicKey });
    const repo = hostFixtureRepo(github);
    const redis = await connectTestRedis();
    const prefix = uniquePrefix();
    cleanups.push(async () => {
      await github.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
      rmSync(repo.path, { recursive: true, force: true });
    });
    const probot = new Probot({
      appId: 1,
      privateKey: keys.privateKey,
      baseUrl: github.baseUrl,
      Octokit: UnthrottledOctokit,
      log: pino({ level: "silent" }),
    });
    const outcome = await publish({
      octokit: await probot.auth(42),
      redis,
      keys: redisKeys(prefix),
      owner: "acme",
      repo: "widgets",
      issue: 7,
      issueTitle: "add() subtracts",
      requester: "former-writer", // no longer a collaborator at all
      defaultBranch: "main",
      baseSha: repo.sha,
      cloneUrl: `http://${github.host}/acme/widgets.git`,
      token: await installationToken(probot, 42),
      patch: patchFor(
        repo,
        PATCH_CASES.find((c) => c.name === "fix-add")!,
      ),
      testCommand: TEST_COMMAND,
      verification: {
        verdict: "accepted",
        stage: "tests",
        rejections: [],
        reproduction: { kind: "none", reason: "no tests changed" },
        durationMs: 1,
      },
      run: { summary: "fixed", turns: 3, tokens: 100, durationMs: 1000, stopReason: "finished" },
      ci: "local",
      ciTimeoutMs: 1000,
      inputDigest: "The model was given the issue's title and 40 characters of its body.",
    });
    expect(outcome).toEqual({ kind: "requester-lost-access", requester: "former-writer" });
    expect(github.pulls).toHaveLength(0);
    expect(github.branchSha("acme/widgets", "nightshift/issue-7")).toBeUndefined();
    const status = github.comments.find((c) => c.body.startsWith("<!-- nightshift:status -->"))!.body;
    expect(status).toContain("no longer has write access");
    expect(status).toContain("before publishing");
    expect(status).toContain("The model was given the issue's title");
  });
});
