import picomatch from "picomatch";
import type { ProbotOctokit } from "probot";

const LOCATIONS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/** The owners of `files` by the repository's CODEOWNERS (last matching rule wins, as on GitHub). */
export async function codeownersFor(
  octokit: ProbotOctokit,
  owner: string,
  repo: string,
  files: string[],
): Promise<{ users: string[]; teams: string[] }> {
  const text = await readFirst(octokit, owner, repo);
  if (!text) return { users: [], teams: [] };
  const rules = parseCodeowners(text);
  const users = new Set<string>();
  const teams = new Set<string>();
  for (const file of files) {
    const rule = [...rules].reverse().find((r) => r.match(file));
    for (const who of rule?.owners ?? []) {
      const team = /^@[\w-]+\/([\w-]+)$/.exec(who);
      if (team) teams.add(team[1]!);
      else if (/^@[\w-]+$/.test(who)) users.add(who.slice(1));
    }
  }
  return { users: [...users], teams: [...teams] };
}

/** CODEOWNERS lines → matchers; a pattern without a slash matches at any depth, a leading slash anchors. */
export function parseCodeowners(text: string): { match: (path: string) => boolean; owners: string[] }[] {
  return text
    .slice(0, 64 * 1024)
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean)
    .map((line) => {
      const [pattern = "", ...owners] = line.split(/\s+/);
      let glob = pattern.startsWith("/") ? pattern.slice(1) : pattern.includes("/") ? pattern : `**/${pattern}`;
      if (glob.endsWith("/")) glob += "**";
      const isMatch = picomatch([glob, `${glob}/**`], { dot: true });
      return { match: (path: string) => isMatch(path), owners };
    });
}

async function readFirst(octokit: ProbotOctokit, owner: string, repo: string): Promise<string | undefined> {
  for (const path of LOCATIONS) {
    try {
      const { data } = await octokit.rest.repos.getContent({ owner, repo, path });
      if (!Array.isArray(data) && data.type === "file" && "content" in data)
        return Buffer.from(data.content, "base64").toString("utf8");
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
  }
  return undefined;
}
