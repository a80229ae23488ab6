import type { ProbotOctokit } from "probot";
import { DETECT_READS } from "../config/detect-repo-config.js";
import { MAX_DETECT_BYTES, type RepoSnapshot } from "../config/detect-types.js";

/** Root entries past this many are not looked at (a hostile repository with a huge root). */
const MAX_ENTRIES = 5000;

/**
 * What zero-config detection needs from GitHub: the root tree of `ref` (names, types, sizes) and the
 * text of the few root files it reads, each only when its listed size is under the detection limit.
 */
export async function repoSnapshot(
  octokit: ProbotOctokit,
  { owner, repo, ref }: { owner: string; repo: string; ref: string },
): Promise<RepoSnapshot> {
  const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: ref });
  const entries = data.tree.slice(0, MAX_ENTRIES).flatMap((e): RepoSnapshot["entries"] => {
    if (!e.path) return [];
    if (e.type === "tree") return [{ name: e.path, type: "dir" }];
    if (e.type === "blob") return [{ name: e.path, type: "file", size: e.size ?? 0 }];
    return [];
  });
  const contents: Record<string, string> = {};
  for (const entry of entries) {
    if (entry.type !== "file" || !DETECT_READS.includes(entry.name) || (entry.size ?? 0) > MAX_DETECT_BYTES) continue;
    const response = await octokit.rest.repos.getContent({
      owner,
      repo,
      path: entry.name,
      ref,
      mediaType: { format: "raw" },
    });
    contents[entry.name] = typeof response.data === "string" ? response.data : "";
  }
  return { entries, contents };
}
