import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloneAt, hostGit } from "../git/host-git.js";
import type { RunJob } from "../queue/run-job.js";

/** The agent's task for a follow-up: the issue, then the review it must answer (already sanitised). */
export function withReview(issueBody: string, followUp: RunJob["followUp"]): string {
  if (!followUp) return issueBody;
  return (
    `${issueBody}\n\n## Review of the draft PR #${followUp.pr} (address these comments)\n\n` +
    "The workspace already holds the PR's change; improve it as the reviewer asks.\n\n" +
    followUp.feedback
  );
}

/**
 * A follow-up's patch for verification and publishing: the PR's change plus the agent's new diff, as one
 * diff against the PR's base commit. Made with host git on a fresh clone (never the sandbox's workspace):
 * check out the PR head, apply the agent's diff, diff against the base.
 */
export async function combineWithPr(o: {
  cloneUrl: string;
  token: string;
  baseSha: string;
  headSha: string;
  patch: string;
}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "nightshift-follow-up-"));
  try {
    await cloneAt(dir, o.cloneUrl, o.headSha, o.token);
    await hostGit(dir, ["apply", "--whitespace=nowarn", "-"], { input: o.patch });
    await hostGit(dir, ["add", "--all"]);
    return await hostGit(dir, ["diff", "--cached", "--no-ext-diff", "--no-textconv", "--binary", o.baseSha]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
