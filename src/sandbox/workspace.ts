import { chmodSync, chownSync, lchownSync, lstatSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloneAt } from "../git/host-git.js";

export interface CloneOptions {
  /** HTTPS clone URL with no credentials in it. */
  url: string;
  /** Installation token; sent as an HTTP header for this one command, never written anywhere. */
  token?: string;
  /** Commit to check out (the base SHA recorded at trigger time). */
  sha: string;
  /** Parent directory for workspaces; default the OS temp dir. */
  root?: string;
  /** Runs on the fresh checkout before any container may touch it (e.g. applying a patch). */
  prepare?: (dir: string) => Promise<void>;
}

/**
 * Clones on the host into a fresh directory the sandbox user can write, with the token in an
 * `http.extraHeader` given on the command line (so not in the URL, `.git/config` or the environment
 * of anything later), hooks disabled, and the commit checked out detached. The host runs git here
 * only before any container has touched the directory.
 */
export async function cloneWorkspace(options: CloneOptions): Promise<string> {
  const dir = mkdtempSync(join(options.root ?? tmpdir(), "nightshift-ws-"));
  try {
    await cloneAt(dir, options.url, options.sha, options.token);
    await options.prepare?.(dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  handToSandboxUser(dir);
  return dir;
}

/** The container runs as uid 1000: give it the tree (as root), or let anyone write it (as another user). */
function handToSandboxUser(dir: string): void {
  const uid = process.getuid?.() ?? 1000;
  const walk = (path: string) => {
    if (uid === 0) chownSync(path, 1000, 1000);
    else if (uid !== 1000) chmodSync(path, 0o777);
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      // A repository may hold a link to /etc/passwd: change the link itself, never what it points at.
      else if (entry.isSymbolicLink()) {
        if (uid === 0) lchownSync(child, 1000, 1000);
      } else if (entry.isFile()) {
        if (uid === 0) chownSync(child, 1000, 1000);
        else if (uid !== 1000) chmodSync(child, 0o666);
      }
    }
  };
  walk(dir);
}

/**
 * Removes checkouts a crashed worker left in `root` (`nightshift-ws-*`, untouched for `maxAgeMs`);
 * a live run's workspace is never that old. Returns the names removed.
 */
export function removeStaleWorkspaces(root: string, maxAgeMs: number, now = Date.now()): string[] {
  const stale = readdirSync(root).filter((name) => {
    if (!name.startsWith("nightshift-ws-")) return false;
    const stat = lstatSync(join(root, name));
    return stat.isDirectory() && now - stat.mtimeMs > maxAgeMs;
  });
  for (const name of stale) removeWorkspace(join(root, name));
  return stale;
}

/** Removes a workspace without following any link a container may have left in it. */
export function removeWorkspace(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
