import type { ProbotOctokit } from "probot";

const OURS = /^nightshift\/issue-\d+$/;

/** How many PRs from Nightshift's branches are open in the repository (the cap counts these). */
export async function openNightshiftPulls(octokit: ProbotOctokit, owner: string, repo: string): Promise<number> {
  let count = 0;
  for await (const page of octokit.paginate.iterator(octokit.rest.pulls.list, {
    owner,
    repo,
    state: "open",
    per_page: 100,
  }))
    count += page.data.filter(
      (p) => OURS.test(p.head.ref) && p.head.repo?.full_name?.toLowerCase() === `${owner}/${repo}`.toLowerCase(),
    ).length;
  return count;
}
