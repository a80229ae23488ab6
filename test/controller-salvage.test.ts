import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { requireDocker } from "./support/docker.js";
import type { FakeGitHub } from "./support/fake-github.js";
import type { FakeOllama } from "./support/fake-ollama.js";
import { TEST_COMMAND } from "./fixtures/patch-corpus.js";
import { act, openNightshiftStack, type NightshiftStack } from "./support/nightshift-stack.js";
import { waitFor } from "./support/wait-for.js";
import { deliver, issuesPayload } from "./support/webhooks.js";

let stack: NightshiftStack;
let github: FakeGitHub;
let ollama: FakeOllama;

beforeEach(async () => {
  await requireDocker();
  stack = await openNightshiftStack({
    files: { ".github/nightshift.yml": `test: ${TEST_COMMAND}\nci: both\n` },
    issues: { 7: { title: "add() subtracts", body: "`add(2, 3)` in calc/ops.py returns -1 instead of 5." } },
  });
  ({ github, ollama } = stack);
});

afterEach(() => stack.close());

const start = (extra: Record<string, string> = {}) => stack.start(extra);
const statusComment = () => stack.statusComment();

describe("salvage through the run pipeline", () => {
  it(
    "a run stopped after writing the fix still hands its diff to verification, which passes it: draft PR marked " +
      "salvaged, run record says why",
    async () => {
      // The fix at turn 1, then the model loops on reading the same file until the controller stops it.
      ollama.setScript((_body, index) =>
        index === 0
          ? act({ tool: "edit", path: "calc/ops.py", search: "return a - b", replace: "return a + b" })
          : act({ tool: "read_file", path: "calc/ops.py" }),
      );
      const { webhookUrl, redis } = await start();
      try {
        expect((await deliver(webhookUrl, "s3cret", "issues", issuesPayload("labeled", "agent-try"))).status).toBe(202);
        const pr = await waitFor(async () => github.pulls[0], 150_000, "the draft PR");
        expect(pr.body).toContain("stopped because: repeated-action");
        expect(pr.body).toContain("Salvaged: the agent was stopped");
        expect(pr.body).toContain("`calc/ops.py` (+1 −1)");
        const runId = (await redis.zrange("nightshift:runs", "0", "-1"))[0]!;
        const record = await redis.hgetall(`nightshift:run:${runId}`);
        expect(record).toMatchObject({ stopReason: "repeated-action", salvaged: "true" });
        expect(record.salvagedBecause).toContain("repeating the same action");
      } finally {
        redis.disconnect();
      }
    },
    200_000,
  );

  it("a stopped run with a wrong diff is salvaged too, and verification (not the stop) rejects it: no PR", async () => {
    ollama.setScript((_body, index) =>
      index === 0
        ? act({ tool: "edit", path: "calc/ops.py", search: "return a - b", replace: "return a * b" })
        : act({ tool: "read_file", path: "calc/ops.py" }),
    );
    const { webhookUrl, redis } = await start();
    try {
      await deliver(webhookUrl, "s3cret", "issues", issuesPayload("labeled", "agent-try"));
      const text = await waitFor(
        async () => (statusComment().includes("independent verification") ? statusComment() : undefined),
        150_000,
        "the verification verdict",
      );
      expect(text).toContain("no PR");
      const runId = (await redis.zrange("nightshift:runs", "0", "-1"))[0]!;
      const record = await redis.hgetall(`nightshift:run:${runId}`);
      expect(record).toMatchObject({ stopReason: "repeated-action", salvaged: "true" });
      expect(github.pulls).toHaveLength(0);
    } finally {
      redis.disconnect();
    }
  }, 200_000);

  it("no JDK: told, the model fixed the bug anyway; the PR and the run record name what to install", async () => {
    const steps = [
      act({ tool: "run", command: "javac Ops.java" }),
      act({ tool: "run", command: "mvn -q compile" }),
      act({ tool: "run", command: "java -version" }),
      act({ tool: "edit", path: "calc/ops.py", search: "return a - b", replace: "return a + b" }),
    ];
    ollama.setScript((_body, index) => steps[index] ?? act({ tool: "finish", summary: "add() adds" }));
    const { webhookUrl, redis } = await start();
    try {
      await deliver(webhookUrl, "s3cret", "issues", issuesPayload("labeled", "agent-try"));
      const pr = await waitFor(async () => github.pulls[0], 150_000, "the draft PR");
      expect(pr.body).toContain("stopped because: finished");
      expect(pr.body).toContain(
        "Environment: the sandbox lacks a JDK with Maven or Gradle (`javac`, `mvn`, `java` not",
      );
      expect(pr.body).not.toContain("Salvaged");
      const runId = (await redis.zrange("nightshift:runs", "0", "-1"))[0]!;
      const record = await redis.hgetall(`nightshift:run:${runId}`);
      expect(record.environment).toContain("install a JDK and the build tool, and set JAVA_HOME");
    } finally {
      redis.disconnect();
    }
  }, 200_000);
});
