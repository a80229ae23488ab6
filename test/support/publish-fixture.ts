import { rmSync } from "node:fs";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { Probot, type ProbotOctokit } from "probot";
import { installationToken } from "../../src/github/installation-token.js";
import type { PublishInput } from "../../src/publish/publish.js";
import { redisKeys } from "../../src/queue/keys.js";
import { PATCH_CASES, TEST_COMMAND, hostFixtureRepo, patchFor } from "../fixtures/patch-corpus.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github.js";
import { appKeyPair } from "./keys.js";
import { connectTestRedis, deletePrefix, uniquePrefix } from "./redis.js";
import { UnthrottledOctokit } from "./unthrottled-octokit.js";

/** What publish() tests run against: the GitHub fake hosting the fixture repository, a Redis prefix, a token. */
export interface PublishFixture {
  github: FakeGitHub;
  repo: { path: string; sha: string };
  redis: Redis;
  prefix: string;
  octokit: ProbotOctokit;
  token: string;
  /** The fields every publish of the fixture's fix for #7 shares; each test file adds its own. */
  base(): Omit<PublishInput, "requester" | "verification" | "run" | "ci">;
  close(): Promise<void>;
}

export async function openPublishFixture(): Promise<PublishFixture> {
  const keys = appKeyPair();
  const github = await startFakeGitHub({ publicKeyPem: keys.publicKey });
  const repo = hostFixtureRepo(github);
  const redis = await connectTestRedis();
  const prefix = uniquePrefix();
  const probot = new Probot({
    appId: 1,
    privateKey: keys.privateKey,
    baseUrl: github.baseUrl,
    Octokit: UnthrottledOctokit,
    log: pino({ level: "silent" }),
  });
  const octokit = await probot.auth(42);
  const token = await installationToken(probot, 42);
  return {
    github,
    repo,
    redis,
    prefix,
    octokit,
    token,
    base: () => ({
      octokit,
      redis,
      keys: redisKeys(prefix),
      owner: "acme",
      repo: "widgets",
      issue: 7,
      issueTitle: "add() subtracts",
      defaultBranch: "main",
      baseSha: repo.sha,
      cloneUrl: `http://${github.host}/acme/widgets.git`,
      token,
      patch: patchFor(
        repo,
        PATCH_CASES.find((c) => c.name === "fix-add")!,
      ),
      testCommand: TEST_COMMAND,
      ciTimeoutMs: 5_000,
      pollMs: 50,
    }),
    async close() {
      await github.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
      rmSync(repo.path, { recursive: true, force: true });
    },
  };
}
