import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { TEST_COMMAND, hostFixtureRepo } from "../fixtures/patch-corpus.js";
import { startCli, type CliProcess } from "./cli.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github.js";
import { startFakeOllama, type ChatBody, type FakeOllama, type ScriptedReply } from "./fake-ollama.js";
import { appKeyPair } from "./keys.js";

export const E2E_MODEL = "qwen2.5-coder:7b";
export const act = (a: Record<string, unknown>): ScriptedReply => ({ content: JSON.stringify(a) });
/** The scripted model's fix for the fixture repository's bug (#7: add() subtracts). */
export const FIX_SCRIPT = [
  act({ tool: "read_file", path: "calc/ops.py" }),
  act({ tool: "edit", path: "calc/ops.py", search: "return a - b", replace: "return a + b" }),
  act({ tool: "run", command: TEST_COMMAND }),
  act({ tool: "finish", summary: "add() subtracted; it adds now." }),
];

export interface NightshiftStack {
  github: FakeGitHub;
  /** Replaceable (a test that stops the model server starts another); close() closes the one here then. */
  ollama: FakeOllama;
  dataDir: string;
  /** The last `nightshift start` process. */
  cli(): CliProcess;
  /** `nightshift start` as a user runs it: private Redis, server, delivery worker, GPU worker. */
  start(extra?: Record<string, string>): Promise<{ webhookUrl: string; redis: Redis }>;
  /** Nightshift's status comment on an issue of acme/widgets ("" before there is one). */
  statusComment(issue?: number): string;
  close(): Promise<void>;
}

/**
 * What the end-to-end tests drive: the GitHub fake with the fixture repository (these files added, or the
 * repository `host` sets up) and these issues, the Ollama fake (scripted per test, or answering with `model`),
 * and a data folder.
 */
export async function openNightshiftStack(o: {
  /** Files added to the fixture repository, or `host`: another repository for acme/widgets (its folder). */
  files?: Record<string, string>;
  host?: (github: FakeGitHub) => { path: string };
  issues: Record<number, { title: string; body: string }>;
  model?: (body: ChatBody) => ScriptedReply;
}): Promise<NightshiftStack> {
  const github = await startFakeGitHub({ publicKeyPem: appKeyPair().publicKey });
  const repo = o.host ? o.host(github) : hostFixtureRepo(github, o.files);
  for (const [number, issue] of Object.entries(o.issues)) github.issues.set(`acme/widgets#${number}`, issue);
  const ollama = await startFakeOllama([E2E_MODEL], o.model);
  const dataDir = mkdtempSync(join(tmpdir(), "nightshift-e2e-"));
  let cli: CliProcess | undefined;
  const stack: NightshiftStack = {
    github,
    ollama,
    dataDir,
    cli: () => cli!,
    async start(extra = {}) {
      cli = startCli(["start"], {
        APP_ID: "1",
        PRIVATE_KEY: appKeyPair().privateKey,
        WEBHOOK_SECRET: "s3cret",
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        HOST: "127.0.0.1",
        PORT: "0",
        OLLAMA_HOST: stack.ollama.host,
        NIGHTSHIFT_MODEL: E2E_MODEL,
        NIGHTSHIFT_DATA_DIR: dataDir,
        NIGHTSHIFT_WINDOW: "00:00-24:00",
        LOG_LEVEL: "info",
        ...extra,
      });
      const started =
        /server at (http:\S+), deliveries worker pid \d+, runs worker pid \d+, redis private \(AOF\) at (redis:\S+)/;
      // Generous: a loaded machine starts the workers slowly.
      const [, serverUrl, redisUrl] = started.exec(await cli.waitFor(started, 90_000))!;
      await cli.waitFor(/waiting for runs/, 90_000);
      const redis = new Redis(redisUrl!, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
      redis.on("error", () => {});
      return { webhookUrl: `${serverUrl}/api/github/webhooks`, redis };
    },
    statusComment: (issue = 7) =>
      github.comments.find(
        (c) => c.issue === `acme/widgets#${issue}` && c.body.startsWith("<!-- nightshift:status -->"),
      )?.body ?? "",
    async close() {
      await cli?.stop();
      await github.close();
      await stack.ollama.close();
      rmSync(repo.path, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}
