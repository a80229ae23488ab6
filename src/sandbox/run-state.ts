import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { handToSandboxUser } from "./workspace.js";

/**
 * What setup leaves outside /workspace: a HOME of its own per run (venv, user site-packages, tools
 * installed with `--prefix ~/.local`, Go modules, Cargo crates), mounted into every phase of that run, and
 * a package-download cache per installation and repository, keyed by the lockfile, mounted only while
 * setup runs. Both are host directories handed to the sandbox's command user; the host never runs
 * anything in them, only removes them without following links.
 */
export function createRunHome(root = tmpdir()): string {
  const dir = mkdtempSync(join(root, "nightshift-home-"));
  handToSandboxUser(dir);
  return dir;
}

export function removeRunHome(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Removes run HOMEs a crashed worker left in `root` (`nightshift-home-*`, untouched for `maxAgeMs`); returns names. */
export function removeStaleRunHomes(root: string, maxAgeMs: number, now = Date.now()): string[] {
  const stale = readdirSync(root).filter((name) => {
    if (!name.startsWith("nightshift-home-")) return false;
    const stat = lstatSync(join(root, name));
    return stat.isDirectory() && now - stat.mtimeMs > maxAgeMs;
  });
  for (const name of stale) removeRunHome(join(root, name));
  return stale;
}

/** Lockfiles whose content decides which packages setup downloads (first few found, all hashed). */
export const LOCKFILES = [
  "package-lock.json",
  "npm-shrinkwrap.json",
  "pnpm-lock.yaml",
  "yarn.lock",
  "requirements.txt",
  "requirements-dev.txt",
  "poetry.lock",
  "uv.lock",
  "Pipfile.lock",
  "go.sum",
  "Cargo.lock",
  "pom.xml",
];
const MAX_LOCKFILE_BYTES = 32 * 1024 ** 2;

/**
 * A hash of the checkout's lockfiles, read on the host from a fresh clone before any container touched
 * it; links and oversized files count by name only. "none" when there are none.
 */
export function lockfileHash(workspace: string): string {
  const hash = createHash("sha256");
  let found = false;
  for (const name of LOCKFILES) {
    const path = join(workspace, name);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (!stat) continue;
    found = true;
    hash.update(`${name}\0`);
    if (stat.isFile() && stat.size <= MAX_LOCKFILE_BYTES) hash.update(readFileSync(path));
  }
  return found ? hash.digest("hex").slice(0, 16) : "none";
}

export interface CacheOwner {
  installationId: number;
  owner: string;
  repo: string;
}

/**
 * The download cache for one installation's repository and lockfile: `<root>/<installation>/<owner>/<repo>/
 * <lockfile hash>`. Another installation's runs never see it, even for a repository of the same name.
 */
export function packageCacheDir(root: string, owner: CacheOwner, lockHash: string): string {
  const safe = (part: string) =>
    part
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, "_")
      .replace(/^\.+/, "_");
  if (!Number.isSafeInteger(owner.installationId) || owner.installationId <= 0)
    throw new Error(`installation id ${owner.installationId} is not a positive integer`);
  const parent = join(root, String(owner.installationId), safe(owner.owner), safe(owner.repo));
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const dir = join(parent, safe(lockHash));
  if (!lstatSync(dir, { throwIfNoEntry: false })) {
    mkdirSync(dir, { mode: 0o700 });
    handToSandboxUser(dir);
  }
  return dir;
}
