// A run whose commands fill the workspace: `nightshift start` stops it and says why on the issue.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_COMMAND } from "../fixtures/patch-corpus.js";
import { requireDocker } from "../support/docker.js";
import { act, openNightshiftStack, type NightshiftStack } from "../support/nightshift-stack.js";
import { waitFor } from "../support/wait-for.js";
import { deliver, issuesPayload } from "../support/webhooks.js";

let stack: NightshiftStack | undefined;

beforeAll(async () => {
  await requireDocker();
  stack = await openNightshiftStack({
    files: { ".github/nightshift.yml": `test: ${TEST_COMMAND}\n` },
    issues: { 7: { title: "add() subtracts", body: "`add(2, 3)` returns -1." } },
  });
  // Fill the disk first; whatever the loop asks next, finish (the controller may also stop it).
  stack.ollama.setScript((_request, index) =>
    index === 0
      ? act({ tool: "run", command: "dd if=/dev/zero of=fill bs=1M count=2048 status=none; df -m ." })
      : act({ tool: "finish", summary: "done" }),
  );
}, 60_000);

afterAll(() => stack?.close());

describe("a run that fills its workspace", () => {
  it("stops with a reason that names the disk limit; no PR", async () => {
    const { github } = stack!;
    const { webhookUrl, redis } = await stack!.start({ NIGHTSHIFT_WORKSPACE_DISK_MB: "64" });
    redis.disconnect();
    expect((await deliver(webhookUrl, "s3cret", "issues", issuesPayload("labeled", "agent-try"))).status).toBe(202);
    const status = () => stack!.statusComment();
    const text = await waitFor(
      async () => (status().includes("no PR") ? status() : undefined),
      180_000,
      "the stop explained",
    ).catch((error: Error) => {
      throw new Error(`${error.message}; status: ${status()}; output: ${stack!.cli().output().slice(-3000)}`);
    });
    expect(text).toContain("the workspace hit its 64 MiB disk limit (NIGHTSHIFT_WORKSPACE_DISK_MB)");
    expect(github.pulls).toHaveLength(0);
  }, 300_000);
});
