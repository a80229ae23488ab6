import type { ProbotOctokit } from "probot";
import { detectRepoConfig, detectionMarkdown, type Detection } from "../config/detect-repo-config.js";
import { DetectionError } from "../config/detect-types.js";
import { REPO_CONFIG_PATH, parseRepoConfig, type RepoConfig } from "../config/repo-config.js";
import { repoSnapshot } from "./repo-snapshot.js";

export type ZeroConfig =
  { config: RepoConfig; note: string; detection: Extract<Detection, { found: true }> } | { problem: string };

/**
 * A repository without `.github/nightshift.yml`: detect its setup, test command and image from the root
 * of `ref`. Either the config to run with and a note saying what will run and how to change it, or the
 * problem to post (nothing detected: what was looked for; a hostile file: which one and what to do).
 */
export async function zeroConfig(
  octokit: ProbotOctokit,
  where: { owner: string; repo: string; ref: string },
): Promise<ZeroConfig> {
  let detection: Detection;
  try {
    detection = detectRepoConfig(await repoSnapshot(octokit, where));
  } catch (error) {
    if (!(error instanceof DetectionError)) throw error;
    return {
      problem:
        `Nightshift cannot take this issue: there is no \`${REPO_CONFIG_PATH}\`, and detecting how to install and ` +
        `test this repository failed: ${error.message}. Then comment \`/agent retry\`.`,
    };
  }
  if (!detection.found) return { problem: detectionMarkdown(detection) };
  const { setup, test } = detection.detected;
  const config = parseRepoConfig({
    ...(setup ? { setup } : {}),
    test,
    ...(detection.image ? { image: detection.image } : {}),
  });
  return { config, note: detectionMarkdown(detection), detection };
}
