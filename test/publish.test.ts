import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { publish, type PublishInput } from "../src/publish/publish.js";
import { redactSecrets } from "../src/publish/secrets.js";
import type { VerifyReport } from "../src/verify/verify.js";
import { TEST_COMMAND } from "./fixtures/patch-corpus.js";
import type { FakeGitHub } from "./support/fake-github.js";
import { openPublishFixture, type PublishFixture } from "./support/publish-fixture.js";

let github: FakeGitHub;
let token: string;

const verification: VerifyReport = {
  verdict: "accepted",
  stage: "tests",
  rejections: [],
  tests: { passed: true, exitCode: 0, output: "OK", durationMs: 1200, timedOut: false },
  reproduction: {
    kind: "none",
    reason: "the patch adds or changes no tests, so there is no evidence that the issue was reproduced",
  },
  durationMs: 2000,
};

let fixture: PublishFixture;

beforeEach(async () => {
  fixture = await openPublishFixture();
  ({ github, token } = fixture);
});

afterEach(() => fixture.close());

function input(overrides: Partial<PublishInput> = {}): PublishInput {
  return {
    ...fixture.base(),
    requester: "maintainer",
    verification,
    run: {
      summary: "add() subtracted; it adds now.",
      turns: 6,
      tokens: 41_000,
      durationMs: 540_000,
      stopReason: "finished",
    },
    ci: "both",
    ...overrides,
  };
}

const statusComment = () => github.comments.find((c) => c.body.startsWith("<!-- nightshift:status -->"))?.body ?? "";

describe("publishing a verified patch", () => {
  it(
    "pushes nightshift/issue-7 over git HTTP, waits for green CI, and opens a draft PR with " + "the evidence",
    async () => {
      const outcome = await publish(input());
      expect(outcome).toMatchObject({ kind: "pr-opened" });
      const sha = github.branchSha("acme/widgets", "nightshift/issue-7")!;
      expect(outcome).toMatchObject({ sha });
      const pr = github.pulls[0]!;
      expect(pr).toMatchObject({
        head: "nightshift/issue-7",
        base: "main",
        draft: true,
        state: "open",
        title: "Nightshift: fix for #7: add() subtracts",
      });
      for (const part of [
        "Fixes #7",
        "A local language model wrote this change",
        "add() subtracted; it adds now.",
        "1 file(s) changed, +1 −1",
        "`calc/ops.py` (+1 −1)",
        "Tamper guard: passed",
        `\`${TEST_COMMAND}\` passed in 1.2 s`,
        "No reproduction evidence",
        "GitHub checks green",
        "6 turns, 41,000 tokens, 9.0 min, energy unknown, stopped because: finished",
      ]) {
        expect(pr.body).toContain(part);
      }
      const log = execFileSync("git", ["log", "-1", "--format=%an <%ae>%n%B", sha], {
        cwd: join(github.gitRoot, "acme/widgets.git"),
        encoding: "utf8",
      });
      expect(log).toContain("nightshift[bot] <nightshift[bot]@users.noreply.github.com>");
      expect(log).toContain("Co-authored-by: maintainer <maintainer@users.noreply.github.com>");
      expect(statusComment()).toContain(`draft PR ready** — #${pr.number}`);
      // The token never appears in a URL the fake saw, nor in any body it received.
      for (const request of github.requests) {
        expect(request.path).not.toContain(token);
        expect(JSON.stringify(request.body ?? "")).not.toContain(token);
      }
      expect(github.requests.some((r) => r.path.includes("/acme/widgets.git/git-receive-pack"))).toBe(true);
    },
  );

  it("a rerun updates the open PR instead of opening a second", async () => {
    await publish(input());
    const second = await publish(
      input({
        run: { summary: "second attempt", turns: 3, tokens: 9_000, durationMs: 60_000, stopReason: "finished" },
      }),
    );
    expect(second).toMatchObject({ kind: "pr-updated" });
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]!.body).toContain("second attempt");
  });

  it("CI red: no PR, the branch is deleted, and the status comment says why", async () => {
    github.ci.outcome = "failure";
    const outcome = await publish(input());
    expect(outcome).toMatchObject({ kind: "ci-failed", detail: "check suite github-actions concluded failure" });
    expect(github.pulls).toHaveLength(0);
    expect(github.branchSha("acme/widgets", "nightshift/issue-7")).toBeUndefined();
    expect(statusComment()).toContain(
      "the repository's CI failed (check suite github-actions concluded failure). The branch was deleted.",
    );
  });

  it("CI that never finishes times out as red", async () => {
    github.ci.outcome = "pending";
    const outcome = await publish(input({ ciTimeoutMs: 300 }));
    expect(outcome.kind).toBe("ci-timeout");
    expect(github.pulls).toHaveLength(0);
  });

  it("`ci: local` opens the PR without waiting for GitHub's checks", async () => {
    github.ci.outcome = "pending";
    const outcome = await publish(input({ ci: "local" }));
    expect(outcome.kind).toBe("pr-opened");
    expect(github.pulls[0]!.body).toContain("local verification only");
  });

  it("never recreates a PR a person closed", async () => {
    await publish(input());
    github.pulls[0]!.state = "closed";
    const again = await publish(input());
    expect(again).toMatchObject({ kind: "closed-by-person" });
    expect(github.pulls).toHaveLength(1);
    expect(statusComment()).toContain("someone closed Nightshift's previous PR");
  });

  it("never pushes over a branch a person has pushed to", async () => {
    await publish(input());
    // A maintainer adds a commit to the branch.
    const work = mkdtempSync(join(tmpdir(), "nightshift-person-"));
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=person", "-c", "user.email=p@example.com", ...args], {
        cwd: work,
        encoding: "utf8",
      });
    git("clone", "--quiet", join(github.gitRoot, "acme/widgets.git"), ".");
    git("checkout", "--quiet", "nightshift/issue-7");
    git("commit", "--quiet", "--allow-empty", "-m", "my own change");
    git("push", "--quiet", "origin", "nightshift/issue-7");
    const theirs = github.branchSha("acme/widgets", "nightshift/issue-7");
    rmSync(work, { recursive: true, force: true });
    const outcome = await publish(input());
    expect(outcome).toMatchObject({ kind: "branch-taken" });
    expect(github.branchSha("acme/widgets", "nightshift/issue-7")).toBe(theirs);
  });

  it("refuses every branch but nightshift/issue-<n>, and a git server that rejects the token", async () => {
    await expect(publish(input({ token: "ghs_wrong" }))).rejects.toThrow(/git clone failed/);
    await expect(publish(input({ token: "ghs_wrong" }))).rejects.not.toThrow(/ghs_wrong/);
  });

  it("redacts secrets from PR bodies and comments", async () => {
    const leaked = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    await publish(
      input({
        run: {
          summary: `used ${leaked} and AKIAABCDEFGHIJKLMNOP`,
          turns: 1,
          tokens: 1,
          durationMs: 1,
          stopReason: "finished",
        },
      }),
    );
    expect(github.pulls[0]!.body).not.toContain(leaked);
    expect(github.pulls[0]!.body).toContain("[redacted GitHub token]");
    expect(github.pulls[0]!.body).toContain("[redacted AWS access key]");
    expect(redactSecrets("-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----").found).toEqual([
      "private key",
    ]);
  });
});
