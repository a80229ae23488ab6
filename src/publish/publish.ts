import type { Redis } from "ioredis";
import type { ProbotOctokit } from "probot";
import { upsertStatusComment } from "../github/status-comment.js";
import { issueKey, type RedisKeys } from "../queue/keys.js";
import type { VerifyReport } from "../verify/verify.js";
import { waitForCi } from "./ci-gate.js";
import { prBody, type PrAbout, type RunFigures } from "./pr-body.js";
import { openNightshiftPulls } from "./open-pulls.js";
import { patchCommentText } from "./patch-comment.js";
import { requestReview } from "./request-review.js";
import { BranchTakenError, branchFor, pushBranch } from "./push-branch.js";
import { redactSecrets } from "./secrets.js";
import { canWrite } from "../github/can-write.js";
import { lostAccessText } from "../intake/status-text.js";
import { neutraliseLine, neutraliseOutput, quietMention } from "../text/neutralise-output.js";

export interface PublishInput {
  octokit: ProbotOctokit;
  redis: Redis;
  keys: RedisKeys;
  owner: string;
  repo: string;
  issue: number;
  issueTitle: string;
  requester: string;
  defaultBranch: string;
  baseSha: string;
  cloneUrl: string;
  token: string;
  patch: string;
  testCommand: string;
  verification: VerifyReport;
  run: RunFigures;
  ci: "github" | "local" | "both";
  ciTimeoutMs: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** What the model was given of the issue and what was removed (the run's `modelInput`), for the status comment. */
  inputDigest?: string;
  /** What a verified patch becomes (`.github/nightshift.yml` `outcome`); default a draft PR. */
  choice?: "draft-pr" | "branch" | "comment";
  /** Open Nightshift PRs allowed at once; over it the patch is pushed as a branch only. Default: no cap. */
  openPrLimit?: number;
  /** Also ask CODEOWNERS of the touched files to review. */
  codeowners?: boolean;
  /** Model, run page, follow-up limit: named in the PR body. */
  about?: PrAbout;
}

export type PublishOutcome =
  | { kind: "pr-opened" | "pr-updated"; number: number; url: string; sha: string; reviewers: string[] }
  | { kind: "branch-pushed"; branch: string; sha: string; why: string }
  | { kind: "patch-commented" }
  | { kind: "ci-failed" | "ci-timeout"; detail: string; sha: string }
  | { kind: "closed-by-person"; number: number }
  | { kind: "branch-taken"; detail: string }
  | { kind: "requester-lost-access"; requester: string };

/**
 * Publishes a verified patch: push `nightshift/issue-<n>` (on the host, token in a header), wait for
 * the repository's CI per its policy, then open a draft PR or update the open one. Red or timeout
 * deletes the branch and opens nothing; a PR a person closed is never recreated; a branch a person
 * pushed to is left alone. Every outcome is written to the issue's status comment, secrets redacted.
 */
export async function publish(input: PublishInput): Promise<PublishOutcome> {
  const branch = branchFor(input.issue);
  const repoName = `${input.owner}/${input.repo}`;
  const { data: existing } = await input.octokit.rest.pulls.list({
    owner: input.owner,
    repo: input.repo,
    head: `${input.owner}:${branch}`,
    state: "all",
    per_page: 10,
  });
  const closed = existing.find((p) => p.state === "closed" && !p.merged_at);
  const open = existing.find((p) => p.state === "open");
  if (closed && !open) return report(input, { kind: "closed-by-person", number: closed.number });
  // Checked again before anything is published: the requester may have lost write access since.
  if (!(await canWrite(input.octokit, input.owner, input.repo, input.requester)))
    return report(input, { kind: "requester-lost-access", requester: input.requester });
  if (input.choice === "comment") return report(input, { kind: "patch-commented" });
  // Branch only: by the repository's choice, or because its cap on open Nightshift PRs is reached.
  let branchOnly = input.choice === "branch" ? "the repository asks for branches only (`outcome: branch`)" : undefined;
  if (!open && !branchOnly && input.openPrLimit !== undefined) {
    const count = await openNightshiftPulls(input.octokit, input.owner, input.repo);
    if (count >= input.openPrLimit)
      branchOnly =
        `the repository has ${count} open Nightshift PR${count === 1 ? "" : "s"} already (limit ` +
        `\`open_pr_limit: ${input.openPrLimit}\`); review or ` +
        "close some, then comment `/agent retry` for a PR";
  }

  // The model's summary is neutralised (no mentions, references, closing keywords, images, links); the
  // subject is Nightshift's own words, never the issue's title (anyone's, e.g. "closes #2").
  const summary = neutraliseOutput(redactSecrets(input.run.summary).text.slice(0, 4000));
  const coAuthor = `Co-authored-by: ${input.requester} <${input.requester}@users.noreply.github.com>`;
  const message = `Nightshift: fix for #${input.issue}\n\n${summary.slice(0, 2000)}\n\n${coAuthor}\n`;
  let pushed;
  try {
    pushed = await pushBranch({
      cloneUrl: input.cloneUrl,
      token: input.token,
      repo: repoName,
      baseSha: input.baseSha,
      patch: input.patch,
      branch,
      message,
      redis: input.redis,
      keys: input.keys,
    });
  } catch (error) {
    if (error instanceof BranchTakenError) return report(input, { kind: "branch-taken", detail: error.message });
    throw error;
  }

  let ci = "local verification only (repository policy `ci: local`)";
  if (input.ci !== "local") {
    const result = await waitForCi({
      octokit: input.octokit,
      owner: input.owner,
      repo: input.repo,
      sha: pushed.sha,
      timeoutMs: input.ciTimeoutMs,
      pollMs: input.pollMs ?? 30_000,
      notified: async () => (await input.redis.exists(input.keys.ciNotice(repoName, pushed.sha))) === 1,
      sleep: input.sleep,
      now: input.now,
    });
    if (result.result !== "success") {
      await input.octokit.rest.git
        .deleteRef({ owner: input.owner, repo: input.repo, ref: `heads/${branch}` })
        .catch((error: { status?: number }) => {
          if (error.status !== 422) throw error; // 422: already gone
        });
      return report(input, {
        kind: result.result === "timeout" ? "ci-timeout" : "ci-failed",
        detail: result.detail,
        sha: pushed.sha,
      });
    }
    ci = `GitHub checks green on ${pushed.sha.slice(0, 12)} (${result.detail})`;
  }
  if (branchOnly) return report(input, { kind: "branch-pushed", branch, sha: pushed.sha, why: branchOnly });

  const body = redactSecrets(
    prBody({
      issue: input.issue,
      run: { ...input.run, summary },
      pushed,
      verification: input.verification,
      ci,
      testCommand: input.testCommand,
      about: { requester: input.requester, baseSha: input.baseSha, ...input.about },
    }),
  ).text;
  const title = `Nightshift: fix for #${input.issue}: ${neutraliseLine(input.issueTitle, 150)}`;
  if (open) {
    await input.octokit.rest.pulls.update({
      owner: input.owner,
      repo: input.repo,
      pull_number: open.number,
      title,
      body,
    });
    const asked = await askForReview(input, open.number, pushed.files);
    return report(input, { kind: "pr-updated", number: open.number, url: open.html_url, sha: pushed.sha, ...asked });
  }
  const { data: pr } = await input.octokit.rest.pulls.create({
    owner: input.owner,
    repo: input.repo,
    head: branch,
    base: input.defaultBranch,
    title,
    body,
    draft: true,
  });
  const asked = await askForReview(input, pr.number, pushed.files);
  return report(input, { kind: "pr-opened", number: pr.number, url: pr.html_url, sha: pushed.sha, ...asked });
}

/** The requester (and CODEOWNERS if configured) is asked to review; the PR stands whatever GitHub answers. */
function askForReview(input: PublishInput, pull: number, files: { path: string }[]) {
  return requestReview({
    octokit: input.octokit,
    owner: input.owner,
    repo: input.repo,
    pull,
    requester: input.requester,
    files: files.map((f) => f.path),
    codeowners: input.codeowners ?? false,
  });
}

async function report(input: PublishInput, outcome: PublishOutcome): Promise<PublishOutcome> {
  const ref = { owner: input.owner, repo: input.repo, issue_number: input.issue };
  const text =
    outcome.kind === "patch-commented"
      ? patchCommentText(input.patch, input.verification, input.testCommand)
      : outcomeText(outcome);
  await upsertStatusComment(
    input.octokit,
    input.redis,
    input.keys,
    ref,
    issueKey(input.owner, input.repo, input.issue),
    redactSecrets(text + (input.inputDigest ? `\n\n${input.inputDigest}` : "")).text,
  );
  return outcome;
}

/** The status comment for each outcome, in plain words. */
function outcomeText(outcome: PublishOutcome): string {
  switch (outcome.kind) {
    case "pr-opened":
      return (
        `**Nightshift: draft PR ready** — #${outcome.number}, verified and green. Please review it` +
        (outcome.reviewers.length > 0
          ? ` (review requested from ${outcome.reviewers.map(quietMention).join(", ")}).`
          : ".")
      );
    case "branch-pushed":
      return (
        `**Nightshift: verified patch on a branch** — \`${outcome.branch}\` (\`${outcome.sha.slice(0, 12)}\`) has ` +
        `the verified, green patch. No PR was opened: ${outcome.why}.`
      );
    case "patch-commented":
      return "**Nightshift: verified patch** — see below.";
    case "pr-updated":
      return `**Nightshift: draft PR updated** — #${outcome.number} has the new attempt, verified and green.`;
    case "ci-failed":
      return (
        `**Nightshift: no PR** — the patch passed Nightshift's own verification, but the repository's CI ` +
        `failed (${outcome.detail}). The branch was deleted.`
      );
    case "ci-timeout":
      return (
        `**Nightshift: no PR** — the repository's CI did not finish in time (${outcome.detail}). The branch ` +
        `was deleted.`
      );
    case "closed-by-person":
      return (
        `**Nightshift: no PR** — someone closed Nightshift's previous PR #${outcome.number}; it will not ` +
        `open another for this issue.`
      );
    case "branch-taken":
      return `**Nightshift: no PR** — ${outcome.detail}.`;
    case "requester-lost-access":
      return lostAccessText(outcome.requester, "before publishing");
  }
}
