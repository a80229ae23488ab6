import type { Context } from "probot";

/** The label's look when Nightshift creates it. */
export const LABEL_COLOR = "5319e7";
export const LABEL_DESCRIPTION = "Nightshift works this issue overnight and proposes a draft PR";

type InstallContext = Context<"installation.created"> | Context<"installation_repositories.added">;

/**
 * On install (or when repositories are added to an installation), creates the trigger label in each
 * repository that lacks it, so maintainers can label issues right away. A label that exists is left as is.
 */
export async function createLabelOnInstall(ctx: InstallContext, label: string): Promise<void> {
  const repos = "repositories_added" in ctx.payload ? ctx.payload.repositories_added : (ctx.payload.repositories ?? []);
  const owner =
    ctx.payload.installation.account && "login" in ctx.payload.installation.account
      ? ctx.payload.installation.account.login
      : undefined;
  for (const repo of repos.slice(0, 100)) {
    const [repoOwner, name] = repo.full_name.includes("/") ? repo.full_name.split("/") : [owner, repo.name];
    if (!repoOwner || !name) continue;
    try {
      await ctx.octokit.rest.issues.createLabel({
        owner: repoOwner,
        repo: name,
        name: label,
        color: LABEL_COLOR,
        description: LABEL_DESCRIPTION,
      });
    } catch (error) {
      // 422: the label exists already. Anything else is logged; one repository never stops the rest.
      if ((error as { status?: number }).status !== 422)
        ctx.log.warn({ repo: repo.full_name, err: error }, "could not create the trigger label");
    }
  }
}
