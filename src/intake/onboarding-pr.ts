import { detectedConfigYaml } from "../config/detect-repo-config.js";
import { REPO_CONFIG_PATH, RepoConfigError } from "../config/repo-config.js";
import { canWrite } from "../github/can-write.js";
import { issueKey } from "../queue/keys.js";
import { issueRef, readRepoConfig, refuseOnce, type IntakeDeps, type IssueContext } from "./request-run.js";
import { zeroConfig } from "./zero-config.js";

/** The branch the onboarding PR comes from. */
export const ONBOARDING_BRANCH = "nightshift/configure";

export type OnboardingOutcome = "refused" | "has-config" | "not-detected" | "already-open" | "opened";

/**
 * `/agent config`: like Renovate's onboarding, a PR that adds the `.github/nightshift.yml` zero-config
 * detection would run with, for the maintainers to review and edit. Writers only; the issue gets a
 * comment saying what happened (the PR, the existing file, or what detection looked for).
 */
export async function openOnboardingPr(
  ctx: IssueContext,
  deps: IntakeDeps,
  author: string,
): Promise<OnboardingOutcome> {
  const ref = issueRef(ctx);
  const { owner, repo } = ref;
  const say = (body: string) => ctx.octokit.rest.issues.createComment({ ...ref, body });
  if (!(await canWrite(ctx.octokit, owner, repo, author))) {
    await refuseOnce(ctx, deps, issueKey(owner, repo, ref.issue_number), author);
    return "refused";
  }
  const file = await readRepoConfig(ctx);
  if (file !== undefined) {
    const broken = file instanceof RepoConfigError ? " (it has a problem: comment `/agent retry` to see it)" : "";
    await say(`\`${REPO_CONFIG_PATH}\` exists on the default branch already${broken}; edit it there.`);
    return "has-config";
  }
  const base = ctx.payload.repository.default_branch;
  const { data: branch } = await ctx.octokit.rest.repos.getBranch({ owner, repo, branch: base });
  const detected = await zeroConfig(ctx.octokit, { owner, repo, ref: branch.commit.sha });
  if ("problem" in detected) {
    await say(detected.problem.replace("Nightshift cannot take this issue", "Nightshift cannot propose a config"));
    return "not-detected";
  }
  const { data: open } = await ctx.octokit.rest.pulls.list({ owner, repo, head: `${owner}:${ONBOARDING_BRANCH}` });
  if (open[0]) {
    await say(`A PR that adds \`${REPO_CONFIG_PATH}\` is open already: #${open[0].number}.`);
    return "already-open";
  }
  const refName = `refs/heads/${ONBOARDING_BRANCH}`;
  // A branch left from an earlier, closed onboarding PR starts over from the current head.
  await ctx.octokit.rest.git
    .deleteRef({ owner, repo, ref: `heads/${ONBOARDING_BRANCH}` })
    .catch((error: { status?: number }) => {
      if (error.status !== 404 && error.status !== 422) throw error;
    });
  await ctx.octokit.rest.git.createRef({ owner, repo, ref: refName, sha: branch.commit.sha });
  await ctx.octokit.rest.repos.createOrUpdateFileContents({
    owner,
    repo,
    path: REPO_CONFIG_PATH,
    branch: ONBOARDING_BRANCH,
    message: `Add ${REPO_CONFIG_PATH} for Nightshift`,
    content: Buffer.from(detectedConfigYaml(detected.detection)).toString("base64"),
  });
  const { data: pr } = await ctx.octokit.rest.pulls.create({
    owner,
    repo,
    head: ONBOARDING_BRANCH,
    base,
    title: "Configure Nightshift",
    body: [
      `This adds \`${REPO_CONFIG_PATH}\` with what Nightshift detected, so the commands it runs are written down ` +
        "and reviewable. Edit it on this branch before merging if anything is off.",
      "",
      detected.note.replace(/\n\nTo change this[\s\S]*$/, ""),
      "",
      `Requested by @${author} in #${ref.issue_number}.`,
    ].join("\n"),
  });
  await say(`Opened #${pr.number}: it adds \`${REPO_CONFIG_PATH}\` with the detected settings, for review.`);
  return "opened";
}
