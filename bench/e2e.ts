/**
 * npm run bench:e2e — N labelled issues through the whole night's work (signed webhook → queue →
 * clone over git HTTP → sandbox → agent with the scripted model answering at once → verification →
 * push → green CI → draft PR), with 1 and then 2 worker processes against one Redis. Prints issues
 * completed per minute, time per stage (p50/p95), Nightshift's overhead as a share of a run (all but
 * model and test time), and the scaling ratio from 1 to 2 workers.
 */
import { rmSync } from "node:fs";
import { Redis } from "ioredis";
import { pino } from "pino";
import { loadEnvConfig } from "../src/config/env.js";
import { startDeliveryWorker } from "../src/intake/delivery-worker.js";
import { startServer } from "../src/intake/start-server.js";
import { TEST_COMMAND, hostFixtureRepo } from "../test/fixtures/patch-corpus.js";
import { startFakeGitHub } from "../test/support/fake-github.js";
import { startFakeOllama, type ChatBody } from "../test/support/fake-ollama.js";
import { appKeyPair } from "../test/support/keys.js";
import { REDIS_URL, deletePrefix, uniquePrefix } from "../test/support/redis.js";
import { UnthrottledOctokit } from "../test/support/unthrottled-octokit.js";
import { deliver, issuesPayload } from "../test/support/webhooks.js";
import { spawnTs } from "./support/spawn-ts.js";

const ISSUES = Number(process.env.BENCH_ISSUES ?? 8);
const MODEL = "bench-model";
const SCRIPT = [
  { tool: "read_file", path: "calc/ops.py" },
  { tool: "edit", path: "calc/ops.py", search: "return a - b", replace: "return a + b" },
  { tool: "run", command: TEST_COMMAND },
  { tool: "finish", summary: "add() adds now" },
];

const keys = appKeyPair();
const github = await startFakeGitHub({ publicKeyPem: keys.publicKey });
const repo = hostFixtureRepo(github, { ".github/nightshift.yml": `test: ${TEST_COMMAND}\n` });
const ollama = await startFakeOllama([MODEL], (body: ChatBody) => ({
  content: JSON.stringify(SCRIPT[body.messages.filter((m) => m.role === "assistant").length] ?? SCRIPT[3]),
}));
const redis = new Redis(REDIS_URL);
const pct = (xs: number[], p: number) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]! : NaN;

async function phase(workers: number, firstIssue: number) {
  const prefix = uniquePrefix();
  const env: Record<string, string> = {
    APP_ID: "1",
    PRIVATE_KEY: keys.privateKey,
    WEBHOOK_SECRET: "s3cret",
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    HOST: "127.0.0.1",
    PORT: "0",
    REDIS_URL,
    OLLAMA_HOST: ollama.host,
    NIGHTSHIFT_MODEL: MODEL,
    NIGHTSHIFT_REDIS_PREFIX: prefix,
    NIGHTSHIFT_WINDOW: "00:00-24:00",
    LOG_LEVEL: "warn",
  };
  const config = loadEnvConfig(env);
  const log = pino({ level: "warn" });
  const server = await startServer({ config, log });
  const handlers = await startDeliveryWorker({ config, Octokit: UnthrottledOctokit, log });
  const procs = await Promise.all(
    Array.from({ length: workers }, () => spawnTs<{ ready: boolean }>("bench/e2e-worker.ts", env)),
  );
  const issues = Array.from({ length: ISSUES }, (_, i) => firstIssue + i);
  for (const issue of issues)
    github.issues.set(`acme/widgets#${issue}`, {
      title: "add() subtracts",
      body: "`add(2, 3)` in calc/ops.py returns -1",
    });
  const started = performance.now();
  for (const issue of issues)
    await deliver(
      `${server.url}${config.webhookPath}`,
      "s3cret",
      "issues",
      issuesPayload("labeled", "agent-try", { issue }),
    );
  const done = new Map<number, Record<string, string>>();
  while (done.size < issues.length && performance.now() - started < 600_000) {
    for (const issue of issues) {
      if (done.has(issue)) continue;
      const runId = (await redis.zrange(`${prefix}:runs`, "0", "-1")).find((id) =>
        id.startsWith(`acme/widgets#${issue}@`),
      );
      const record = runId ? await redis.hgetall(`${prefix}:run:${runId}`) : {};
      if (record.outcome && record.publishedAt) done.set(issue, { ...record, runId: runId! });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const minutes = (performance.now() - started) / 60_000;
  const stages = {
    queue: [] as number[],
    "clone+setup": [] as number[],
    agent: [] as number[],
    verify: [] as number[],
    "publish+CI": [] as number[],
  };
  const overheadShare: number[] = [];
  for (const record of done.values()) {
    const t = (k: string) => Date.parse(record[k]!);
    stages["clone+setup"].push(t("agentAt") - t("cloneAt"));
    stages.agent.push(t("verifyAt") - t("agentAt"));
    stages.verify.push(t("verifiedAt") - t("verifyAt"));
    stages["publish+CI"].push(t("publishedAt") - t("verifiedAt"));
    stages.queue.push(t("cloneAt") - t("startedAt"));
    const events = (await redis.lrange(`${prefix}:run:${record.runId}:events`, 0, -1)).map(
      (l) => JSON.parse(l) as { type: string; durationMs?: number; tests?: unknown },
    );
    const modelMs = events.filter((e) => e.type === "model_reply").reduce((n, e) => n + (e.durationMs ?? 0), 0);
    const testMs =
      events.filter((e) => e.type === "observation" && e.tests).reduce((n, e) => n + (e.durationMs ?? 0), 0) +
      Number(record.verifyTestsMs ?? 0);
    const total = t("publishedAt") - t("startedAt");
    overheadShare.push((total - modelMs - testMs) / total);
  }
  for (const p of procs) p.child.kill("SIGTERM");
  await Promise.all(procs.map((p) => new Promise((r) => p.child.once("exit", r))));
  await handlers.close();
  await server.close();
  await deletePrefix(redis, prefix);
  return { workers, completed: done.size, perMinute: done.size / minutes, stages, overhead: pct(overheadShare, 0.5) };
}

const one = await phase(1, 1);
const two = await phase(2, 1001);
github.pulls.length = 0;
await github.close();
await ollama.close();
redis.disconnect();
rmSync(repo.path, { recursive: true, force: true });

console.log(
  `\nbench:e2e — ${ISSUES} labelled issues per phase, scripted model answering at once, real Redis, Docker, git\n`,
);
console.log("workers   completed   issues/min   overhead share of a run (p50)");
for (const r of [one, two])
  console.log(
    `${String(r.workers).padStart(7)}   ${String(r.completed).padStart(9)}   ` +
      `${r.perMinute.toFixed(1).padStart(10)}   ${(r.overhead * 100).toFixed(0).padStart(27)}%`,
  );
console.log("\nstage (ms)        1 worker p50/p95     2 workers p50/p95");
for (const stage of Object.keys(one.stages) as (keyof typeof one.stages)[]) {
  console.log(
    `${stage.padEnd(16)}  ${`${pct(one.stages[stage], 0.5)}/${pct(one.stages[stage], 0.95)}`.padStart(18)}   ` +
      `${`${pct(two.stages[stage], 0.5)}/${pct(two.stages[stage], 0.95)}`.padStart(18)}`,
  );
}
console.log(`\nscaling 1 → 2 workers: ${(two.perMinute / one.perMinute).toFixed(2)}x issues per minute`);
await (await import("./e2e-setup-ahead.js")).setupAheadPhase();
