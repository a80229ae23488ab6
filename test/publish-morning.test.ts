import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseCodeowners } from "../src/publish/codeowners.js";
import { publish, type PublishInput } from "../src/publish/publish.js";
import type { VerifyReport } from "../src/verify/verify.js";
import { PATCH_CASES, patchFor } from "./fixtures/patch-corpus.js";
import type { FakeGitHub } from "./support/fake-github.js";
import { openPublishFixture, type PublishFixture } from "./support/publish-fixture.js";

let github: FakeGitHub;
let repo: { path: string; sha: string };

const verification: VerifyReport = {
  verdict: "accepted",
  stage: "tests",
  rejections: [],
  tests: { passed: true, exitCode: 0, output: "OK", durationMs: 1200, timedOut: false },
  reproduction: { kind: "reproduced", fixed: ["tests.test_ops.OpsTest.test_add"] },
  durationMs: 2000,
};

let fixture: PublishFixture;

beforeEach(async () => {
  fixture = await openPublishFixture();
  ({ github, repo } = fixture);
  github.repos.get("acme/widgets")!.roles.alice = "write";
});

afterEach(() => fixture.close());

function input(overrides: Partial<PublishInput> = {}): PublishInput {
  return {
    ...fixture.base(),
    requester: "alice",
    verification,
    run: { summary: "add() adds now.", turns: 6, tokens: 41_000, durationMs: 540_000, stopReason: "finished" },
    ci: "local",
    about: {
      model: "qwen2.5-coder:7b",
      runId: "acme/widgets#7@1",
      runUrl: "https://nightshift.example/runs/acme%2Fwidgets%237%401",
      followUpLimit: 3,
    },
    ...overrides,
  };
}

const status = (issue: number) =>
  github.comments.find((c) => c.issue === `acme/widgets#${issue}` && c.body.startsWith("<!-- nightshift:status -->"))
    ?.body ?? "";

describe("draft PRs that ask the right person", () => {
  it("asks the requester to review; the body names model, base, run page, evidence and feedback", async () => {
    const outcome = await publish(input());
    expect(outcome).toMatchObject({ kind: "pr-opened", reviewers: ["alice"] });
    const pr = github.pulls[0]!;
    expect(pr.requestedReviewers).toEqual(["alice"]);
    expect(github.requests.some((r) => r.path.endsWith(`/pulls/${pr.number}/requested_reviewers`))).toBe(true);
    for (const part of [
      "Requested by @\u200dalice, who is asked to review it.",
      "Model: `qwen2.5-coder:7b`",
      `Base commit: \`${repo.sha.slice(0, 12)}\``,
      "[run `acme/widgets#7@1`](https://nightshift.example/runs/acme%2Fwidgets%237%401)",
      "Reproduction: 1 test(s) failed without the patch and pass with it",
      "**How to give feedback:**",
      "at most 3 per PR",
    ])
      expect(pr.body).toContain(part);
    expect(status(7)).toContain("review requested from @\u200dalice");
  });

  it("CODEOWNERS of the touched files are asked too when configured (last matching rule wins)", async () => {
    github.repos.get("acme/widgets")!.roles.bob = "write";
    github.repos.get("acme/widgets")!.files[".github/CODEOWNERS"] = "* @carol\ncalc/ @bob @acme/core\ndocs/ @dave\n";
    const outcome = await publish(input({ codeowners: true }));
    expect(outcome).toMatchObject({ kind: "pr-opened", reviewers: ["alice", "bob"] });
    expect(github.requests.find((r) => r.path.endsWith("/requested_reviewers"))?.body).toEqual({
      reviewers: ["alice", "bob"],
      team_reviewers: ["core"],
    });
    const rules = parseCodeowners("* @carol\ncalc/ @bob @acme/core\n/docs/*.md @dave # docs\n");
    const owners = (path: string) => [...rules].reverse().find((r) => r.match(path))?.owners;
    expect(owners("calc/ops.py")).toEqual(["@bob", "@acme/core"]);
    expect(owners("docs/a.md")).toEqual(["@dave"]);
    expect(owners("README.md")).toEqual(["@carol"]);
  });

  it("a code owner GitHub refuses (not a collaborator) does not stop the requester being asked", async () => {
    github.repos.get("acme/widgets")!.files[".github/CODEOWNERS"] = "calc/ @zed\n";
    const outcome = await publish(input({ codeowners: true }));
    expect(outcome).toMatchObject({ kind: "pr-opened", reviewers: ["alice"] });
    expect(github.pulls[0]!.requestedReviewers).toEqual(["alice"]);
  });
});

describe("outcome choice and the cap on open Nightshift PRs", () => {
  it("the cap holds: over it, the verified patch is pushed as a branch and the issue says why", async () => {
    expect((await publish(input({ openPrLimit: 1 }))).kind).toBe("pr-opened");
    const second = await publish(input({ issue: 8, openPrLimit: 1 }));
    expect(second).toMatchObject({ kind: "branch-pushed", branch: "nightshift/issue-8" });
    expect(github.pulls).toHaveLength(1);
    expect(github.branchSha("acme/widgets", "nightshift/issue-8")).toBeDefined();
    expect(status(8)).toContain("the repository has 1 open Nightshift PR already (limit `open_pr_limit: 1`)");
    // The open PR itself can still be updated at the cap.
    expect((await publish(input({ openPrLimit: 1 }))).kind).toBe("pr-updated");
  });

  it("`outcome: branch` pushes and opens nothing", async () => {
    const outcome = await publish(input({ choice: "branch" }));
    expect(outcome).toMatchObject({ kind: "branch-pushed" });
    expect(github.pulls).toHaveLength(0);
    expect(status(7)).toContain("`outcome: branch`");
  });

  it("`outcome: comment` pushes nothing and puts the neutralised patch in the status comment", async () => {
    const hostile = patchFor(
      repo,
      PATCH_CASES.find((c) => c.name === "fix-add")!,
    ).replace("return a + b", "return a + b  # @someone fixes #1 https://x.example");
    const outcome = await publish(input({ choice: "comment", patch: hostile }));
    expect(outcome.kind).toBe("patch-commented");
    expect(github.branchSha("acme/widgets", "nightshift/issue-7")).toBeUndefined();
    expect(github.pulls).toHaveLength(0);
    const text = status(7);
    expect(text).toContain("```diff");
    expect(text).toContain("-    return a - b");
    expect(text).not.toMatch(/@someone|#1 |https:\/\//);
  });
});
