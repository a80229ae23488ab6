import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { requireDocker } from "./support/docker.js";
import type { FakeGitHub } from "./support/fake-github.js";
import { startFakeOllama, type ChatBody, type FakeOllama } from "./support/fake-ollama.js";
import { TEST_COMMAND } from "./fixtures/patch-corpus.js";
import { E2E_MODEL, FIX_SCRIPT, act, openNightshiftStack, type NightshiftStack } from "./support/nightshift-stack.js";
import { waitFor } from "./support/wait-for.js";
import { commentPayload, deliver, issuesPayload } from "./support/webhooks.js";

let stack: NightshiftStack;
let github: FakeGitHub;
let ollama: FakeOllama;
let dataDir: string;

beforeEach(async () => {
  await requireDocker();
  stack = await openNightshiftStack({
    files: { ".github/nightshift.yml": `test: ${TEST_COMMAND}\nci: both\n` },
    issues: { 7: { title: "add() subtracts", body: "`add(2, 3)` in calc/ops.py returns -1 instead of 5." } },
  });
  ({ github, ollama, dataDir } = stack);
});

afterEach(() => stack.close());

const start = (extra: Record<string, string> = {}) => stack.start(extra);
const statusComment = () => stack.statusComment();

describe("end to end through `nightshift start`", () => {
  it(
    "a signed label → run → clone over git HTTP → sandbox → scripted model fixes the bug → verification → push → " +
      "green CI → draft PR",
    async () => {
      ollama.setScript(FIX_SCRIPT.map((reply) => ({ ...reply, delayMs: 30 })));
      // A fake nvidia-smi on the PATH: two GPUs drawing 150 W each.
      writeFileSync(join(dataDir, "nvidia-smi"), "#!/bin/sh\nprintf '150\\n150\\n'\n");
      chmodSync(join(dataDir, "nvidia-smi"), 0o755);
      const { webhookUrl, redis } = await start({
        PATH: `${dataDir}:${process.env.PATH}`,
        NIGHTSHIFT_ENERGY_INTERVAL_MS: "100",
      });
      try {
        expect((await deliver(webhookUrl, "s3cret", "issues", issuesPayload("labeled", "agent-try"))).status).toBe(202);
        const pr = await waitFor(async () => github.pulls[0], 120_000, "the draft PR");
        expect(pr).toMatchObject({ head: "nightshift/issue-7", draft: true });
        for (const part of [
          "Fixes #7",
          "add() subtracted; it adds now.",
          "`calc/ops.py` (+1 −1)",
          "passed in",
          "GitHub checks green",
          "stopped because: finished",
        ])
          expect(pr.body).toContain(part);
        expect(pr.body).toMatch(/energy \d+\.\d Wh/);
        await waitFor(
          async () => (statusComment().includes("draft PR ready") ? true : undefined),
          30_000,
          "the final status",
        );
        const runId = (await redis.zrange("nightshift:runs", "0", "-1"))[0]!;
        const record = await waitFor(async () => {
          const r = await redis.hgetall(`nightshift:run:${runId}`);
          return r.outcome === "pr-opened" ? r : undefined;
        });
        expect(record).toMatchObject({ stopReason: "finished", outcome: "pr-opened" });
        expect(Number(record.energyWh)).toBeGreaterThan(0);
        for (const stage of ["cloneAt", "agentAt", "verifyAt"]) expect(record[stage]).toMatch(/^\d{4}-/);
        expect(await redis.llen(`nightshift:run:${runId}:events`)).toBeGreaterThan(5);
        expect(github.comments.filter((c) => c.issue === "acme/widgets#7")).toHaveLength(1);
      } finally {
        redis.disconnect();
      }
    },
    180_000,
  );

  it("a flailing model is stopped, and the issue says why in plain words; no PR", async () => {
    ollama.setScript(() => act({ tool: "read_file", path: "calc/ops.py" }));
    const { webhookUrl, redis } = await start();
    try {
      await deliver(webhookUrl, "s3cret", "issues", issuesPayload("labeled", "agent-try"));
      const text = await waitFor(
        async () => (statusComment().includes("no PR") ? statusComment() : undefined),
        120_000,
        "the stop explained",
      );
      expect(text).toContain("the model kept repeating the same action and getting the same result");
      expect(github.pulls).toHaveLength(0);
      // No meter on this machine's PATH: energy is unknown, not estimated.
      const runId = (await redis.zrange("nightshift:runs", "0", "-1"))[0]!;
      expect(await redis.hget(`nightshift:run:${runId}`, "energyWh")).toBe("unknown");
    } finally {
      redis.disconnect();
    }
  }, 180_000);
});

describe("end to end: failure paths", () => {
  it("a tampered patch is rejected by verification and explained on the issue; no PR", async () => {
    ollama.setScript([
      act({
        tool: "edit",
        path: "tests/test_ops.py",
        search: "self.assertEqual(add(2, 3), 5)",
        replace: "self.assertEqual(add(2, 3), -1)",
      }),
      act({
        tool: "edit",
        path: "tests/test_stats.py",
        search: "self.assertEqual(total([1, -2, 3]), 2)",
        replace: "self.assertEqual(total([1, -2, 3]), -2)",
      }),
      act({ tool: "run", command: TEST_COMMAND }),
      act({ tool: "finish", summary: "made the tests agree with the code" }),
    ]);
    const { webhookUrl, redis } = await start();
    try {
      await deliver(webhookUrl, "s3cret", "issues", issuesPayload("labeled", "agent-try"));
      const text = await waitFor(
        async () => (statusComment().includes("independent verification") ? statusComment() : undefined),
        120_000,
        "the rejection",
      );
      expect(text).toContain("`test-modified` in `tests/test_ops.py`");
      expect(github.pulls).toHaveLength(0);
      expect(github.branchSha("acme/widgets", "nightshift/issue-7")).toBeUndefined();
    } finally {
      redis.disconnect();
    }
  }, 180_000);

  it("CI red leaves no PR and says so", async () => {
    ollama.setScript(FIX_SCRIPT);
    github.ci.outcome = "failure";
    const { webhookUrl, redis } = await start();
    try {
      await deliver(webhookUrl, "s3cret", "issues", issuesPayload("labeled", "agent-try"));
      const text = await waitFor(
        async () => (statusComment().includes("CI failed") ? statusComment() : undefined),
        120_000,
        "the CI verdict",
      );
      expect(text).toContain("The branch was deleted.");
      expect(github.pulls).toHaveLength(0);
      expect(github.branchSha("acme/widgets", "nightshift/issue-7")).toBeUndefined();
    } finally {
      redis.disconnect();
    }
  }, 180_000);
});

describe("faults, as real processes", () => {
  it(
    "Ollama unreachable: reported on the issue as an infrastructure failure, and the run is " + "retried later",
    async () => {
      await ollama.close();
      ollama = stack.ollama = await startFakeOllama([E2E_MODEL]);
      const { webhookUrl, redis } = await start({ OLLAMA_HOST: "http://127.0.0.1:9" });
      try {
        await deliver(webhookUrl, "s3cret", "issues", issuesPayload("labeled", "agent-try"));
        const text = await waitFor(
          async () => (statusComment().includes("infrastructure failure") ? statusComment() : undefined),
          60_000,
          "the infrastructure report",
        );
        expect(text).toContain("not the model's");
        expect(text).toContain("The run will be retried.");
        await waitFor(
          async () => ((await redis.zcard("nightshift:runs:delayed")) === 1 ? true : undefined),
          10_000,
          "the retry waiting",
        );
      } finally {
        redis.disconnect();
      }
    },
    120_000,
  );

  it("Ollama stopped mid-stream: an infrastructure failure, the run waits to be retried, no PR", async () => {
    ollama.setScript(() => ({
      content: JSON.stringify({ tool: "finish", summary: "x".repeat(4000) }),
      chunk: 4,
      delayMs: 20,
    }));
    const { webhookUrl, redis } = await start();
    try {
      await deliver(webhookUrl, "s3cret", "issues", issuesPayload("labeled", "agent-try"));
      await waitFor(async () => (ollama.requests.length > 0 ? true : undefined), 60_000, "the model call");
      await ollama.close(); // the model server goes away in the middle of a reply
      const text = await waitFor(
        async () => (statusComment().includes("infrastructure failure") ? statusComment() : undefined),
        60_000,
        "the infrastructure report",
      );
      expect(text).toContain("The run will be retried.");
      await waitFor(
        async () => ((await redis.zcard("nightshift:runs:delayed")) === 1 ? true : undefined),
        10_000,
        "the retry waiting",
      );
      expect(github.pulls).toHaveLength(0);
    } finally {
      redis.disconnect();
      ollama = stack.ollama = await startFakeOllama([E2E_MODEL]);
    }
  }, 120_000);

  it("/agent cancel stops a running run within 2 s and removes its container", async () => {
    ollama.setScript(() => ({
      content: JSON.stringify({ tool: "finish", summary: "x".repeat(4000) }),
      chunk: 4,
      delayMs: 20,
    }));
    const { webhookUrl, redis } = await start();
    try {
      await deliver(webhookUrl, "s3cret", "issues", issuesPayload("labeled", "agent-try"));
      await waitFor(async () => (ollama.requests.length > 0 ? true : undefined), 60_000, "the model call");
      const runId = (await redis.zrange("nightshift:runs", "0", "-1"))[0]!;
      const before = ollama.disconnects;
      const cancelled = Date.now();
      await deliver(webhookUrl, "s3cret", "issue_comment", commentPayload("/agent cancel"));
      await waitFor(async () => (ollama.disconnects > before ? true : undefined), 5_000, "the model stream closed");
      expect(Date.now() - cancelled).toBeLessThan(2_000 + 500); // + the webhook's own trip through the queue
      await waitFor(
        async () => (statusComment().includes("it was cancelled") ? true : undefined),
        30_000,
        "the cancellation on the issue",
      );
      // The status comment is written as the run unwinds; its sandbox is removed in the same unwinding.
      const docker = await requireDocker();
      const left = () => docker.listContainers({ all: true, filters: { label: [`nightshift.run=${runId}`] } });
      await waitFor(async () => ((await left()).length === 0 ? true : undefined), 10_000, "the sandbox removed");
      expect(github.pulls).toHaveLength(0);
    } finally {
      redis.disconnect();
    }
  }, 120_000);

  it(
    "a worker SIGKILLed mid-run: the run is picked up again, finishes once — one PR, one comment, no " +
      "orphan container",
    async () => {
      const assistantTurns = (body: ChatBody) => body.messages.filter((m) => m.role === "assistant").length;
      let first = true;
      ollama.setScript((body) => {
        if (first) {
          first = false;
          return { ...FIX_SCRIPT[0]!, chunk: 2, delayMs: 400 }; // slow, so the worker dies mid-stream
        }
        return FIX_SCRIPT[assistantTurns(body)]!;
      });
      const env = { NIGHTSHIFT_LOCK_MS: "3000" };
      const { webhookUrl, redis } = await start(env);
      await deliver(webhookUrl, "s3cret", "issues", issuesPayload("labeled", "agent-try"));
      await waitFor(async () => (ollama.requests.length > 0 ? true : undefined), 60_000, "the model call");
      const runId = (await redis.zrange("nightshift:runs", "0", "-1"))[0]!;
      redis.disconnect();
      const docker = await requireDocker();
      const orphan = await docker.listContainers({ all: true, filters: { label: [`nightshift.run=${runId}`] } });
      expect(orphan.length).toBeGreaterThan(0);
      const workerPid = Number(/runs worker pid (\d+)/.exec(stack.cli().output())![1]);
      process.kill(workerPid, "SIGKILL");
      expect(await stack.cli().exited()).toBe(1);

      // Restarted on the same machine: the private Redis comes back from its append-only file.
      const again = await start(env);
      try {
        const pr = await waitFor(async () => github.pulls[0], 120_000, "the draft PR");
        expect(pr).toMatchObject({ head: "nightshift/issue-7" });
        await waitFor(
          async () =>
            (await again.redis.hget(`nightshift:run:${runId}`, "outcome")) === "pr-opened" ? true : undefined,
          30_000,
          "the run record",
        );
        expect(github.pulls).toHaveLength(1);
        expect(github.comments.filter((c) => c.issue === "acme/widgets#7")).toHaveLength(1);
        expect(
          await docker.listContainers({ all: true, filters: { label: [`nightshift.run=${runId}`] } }),
        ).toHaveLength(0);
        expect(Number(await again.redis.hget(`nightshift:run:${runId}`, "attempt"))).toBeGreaterThanOrEqual(1);
      } finally {
        again.redis.disconnect();
      }
    },
    240_000,
  );
});
