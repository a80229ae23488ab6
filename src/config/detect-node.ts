import { DetectionError, has, text, type Detected, type RepoSnapshot } from "./detect-types.js";

/** `npm init`'s placeholder test script: it always fails, so it is no test command. */
const NPM_PLACEHOLDER = /^echo "?Error: no test specified"? && exit 1$/;

/** Where package managers Nightshift installs into HOME go (on the sandbox's PATH). */
const TOOL_PREFIX = '"$HOME/.local"';

/**
 * A Node repository: `package.json` with a real `scripts.test`. The lockfile picks the package manager
 * (pnpm-lock.yaml, yarn.lock, package-lock.json / npm-shrinkwrap.json, or `packageManager`).
 */
export function detectNode(snapshot: RepoSnapshot): Detected | { skipped: string } | undefined {
  const raw = text(snapshot, "package.json");
  if (raw === undefined) return undefined;
  let manifest: unknown;
  try {
    manifest = JSON.parse(raw.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new DetectionError("package.json", `is not valid JSON (${(error as Error).message.slice(0, 120)})`, {
      cause: error,
    });
  }
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest))
    throw new DetectionError("package.json", "is not a JSON object");
  const { scripts, packageManager } = manifest as Record<string, unknown>;
  if (scripts !== undefined && (typeof scripts !== "object" || scripts === null || Array.isArray(scripts)))
    throw new DetectionError("package.json", "has `scripts` that is not an object");
  const test = (scripts as Record<string, unknown> | undefined)?.test;
  if (test === undefined) return { skipped: "`package.json` has no `scripts.test`" };
  if (typeof test !== "string") throw new DetectionError("package.json", "has a `scripts.test` that is not a string");
  if (!test.trim()) return { skipped: "`package.json` has an empty `scripts.test`" };
  if (NPM_PLACEHOLDER.test(test.trim()))
    return { skipped: "`package.json`'s `scripts.test` is npm's placeholder (`no test specified`)" };

  const declared = typeof packageManager === "string" ? /^(npm|pnpm|yarn)@/.exec(packageManager)?.[1] : undefined;
  const evidence = ["`package.json` has `scripts.test`"];
  if (has(snapshot, "pnpm-lock.yaml") || declared === "pnpm") {
    evidence.push(has(snapshot, "pnpm-lock.yaml") ? "`pnpm-lock.yaml` → pnpm" : "`packageManager` → pnpm");
    // Without a lockfile, none is written: a new lockfile in the tree would count as part of the patch.
    const frozen = has(snapshot, "pnpm-lock.yaml") ? " --frozen-lockfile" : " --no-lockfile";
    return {
      ecosystem: "node",
      setup: `npm install --global --prefix ${TOOL_PREFIX} pnpm && pnpm install${frozen}`,
      test: "pnpm test",
      evidence,
    };
  }
  if (has(snapshot, "yarn.lock") || declared === "yarn") {
    const berry = has(snapshot, ".yarnrc.yml");
    const lockfile = has(snapshot, "yarn.lock");
    evidence.push(
      `${has(snapshot, "yarn.lock") ? "`yarn.lock`" : "`packageManager`"} → yarn${berry ? " (Berry)" : ""}`,
    );
    const frozen = berry ? "yarn install --immutable" : "yarn install --frozen-lockfile";
    const install = lockfile ? frozen : "yarn install --no-lockfile";
    return {
      ecosystem: "node",
      setup: `npm install --global --prefix ${TOOL_PREFIX} yarn && ${install}`,
      test: "yarn test",
      evidence,
    };
  }
  const npmLock = ["package-lock.json", "npm-shrinkwrap.json"].find((name) => has(snapshot, name));
  evidence.push(npmLock ? `\`${npmLock}\` → npm ci` : "no lockfile → npm install (writing none)");
  const setup = npmLock ? "npm ci" : "npm install --no-package-lock";
  return { ecosystem: "node", setup, test: "npm test", evidence };
}
