import type { ProbotOctokit } from "probot";
import { codeownersFor } from "./codeowners.js";

/**
 * Asks the person who requested the run (and, if the repository wants it, the CODEOWNERS of the
 * touched files) to review the PR. GitHub refuses reviewers who are not collaborators (422); that is
 * logged by the caller, never fatal: the PR is open either way.
 */
export async function requestReview(o: {
  octokit: ProbotOctokit;
  owner: string;
  repo: string;
  pull: number;
  requester: string;
  files: string[];
  codeowners: boolean;
}): Promise<{ reviewers: string[]; teams: string[] }> {
  const owners = o.codeowners ? await codeownersFor(o.octokit, o.owner, o.repo, o.files) : { users: [], teams: [] };
  const reviewers = [...new Set([o.requester, ...owners.users])].filter((r) => !r.endsWith("[bot]")).slice(0, 15);
  const teams = owners.teams.slice(0, 15);
  if (await ask(o, reviewers, teams)) return { reviewers, teams };
  // One reviewer GitHub refuses fails the whole request: the requester alone, then.
  if ((reviewers.length > 1 || teams.length > 0) && (await ask(o, [o.requester], [])))
    return { reviewers: [o.requester], teams: [] };
  return { reviewers: [], teams: [] };
}

async function ask(
  o: { octokit: ProbotOctokit; owner: string; repo: string; pull: number },
  reviewers: string[],
  teams: string[],
): Promise<boolean> {
  try {
    await o.octokit.rest.pulls.requestReviewers({
      owner: o.owner,
      repo: o.repo,
      pull_number: o.pull,
      reviewers,
      ...(teams.length > 0 ? { team_reviewers: teams } : {}),
    });
    return true;
  } catch (error) {
    if ((error as { status?: number }).status !== 422) throw error;
    return false;
  }
}
