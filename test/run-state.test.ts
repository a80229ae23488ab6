import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRunHome,
  lockfileHash,
  packageCacheDir,
  removeRunHome,
  removeStaleRunHomes,
} from "../src/sandbox/run-state.js";
import { createSandbox, type SandboxPhase } from "../src/sandbox/sandbox.js";
import { cloneWorkspace, removeWorkspace } from "../src/sandbox/workspace.js";
import { requireDocker, requireToolchainImage } from "./support/docker.js";

const NAMESPACE = "nightshift-test-run-state";
let docker: Docker;
let image: string;
let root: string;
let source: string;

/** A repository with a tiny local Python package (installable with no index) and a lockfile. */
function sourceRepo(): { path: string; sha: string } {
  const path = mkdtempSync(join(tmpdir(), "nightshift-state-src-"));
  mkdirSync(join(path, "vendor/tinytool/tinytool"), { recursive: true });
  writeFileSync(
    join(path, "vendor/tinytool/setup.py"),
    "from setuptools import setup\nsetup(name='tinytool', version='1.0', packages=['tinytool'])\n",
  );
  writeFileSync(join(path, "vendor/tinytool/tinytool/__init__.py"), "ANSWER = 42\n");
  writeFileSync(join(path, "requirements.txt"), "tinytool==1.0\n");
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: path, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "initial");
  return { path, sha: git("rev-parse", "HEAD") };
}

beforeAll(async () => {
  docker = await requireDocker();
  image = await requireToolchainImage(docker, "python");
  root = mkdtempSync(join(tmpdir(), "nightshift-state-root-"));
  source = sourceRepo().path;
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(source, { recursive: true, force: true });
});

async function clone(): Promise<string> {
  const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd: source, encoding: "utf8" }).trim();
  return cloneWorkspace({ url: `file://${source}`, sha, root, diskLimitMb: 0 });
}

async function inPhase<T>(
  phase: SandboxPhase,
  options: { workspace: string; home?: string; cache?: string },
  body: (exec: (command: string) => Promise<{ exitCode: number; out: string }>) => Promise<T>,
): Promise<T> {
  const sandbox = await createSandbox(docker, {
    runId: `state-${phase}`,
    namespace: NAMESPACE,
    phase,
    image,
    ...options,
  });
  try {
    return await body(async (command) => {
      const r = await sandbox.exec(command, { timeoutMs: 120_000 });
      return { exitCode: r.exitCode, out: r.stdout + r.stderr };
    });
  } finally {
    await sandbox.destroy();
  }
}

describe("setup that persists into the later phases of a run", () => {
  it("a venv and a package setup installed outside /workspace are usable by the test command, offline", async () => {
    const workspace = await clone();
    const home = createRunHome(root);
    try {
      await inPhase("setup", { workspace, home }, async (exec) => {
        const made = await exec(
          'python3 -m venv --system-site-packages "$HOME/venv" && ' +
            "pip install --no-index --no-build-isolation ./vendor/tinytool",
        );
        expect(made.exitCode, made.out).toBe(0);
      });
      // Nothing of it is in the checkout: it lives in the run's HOME.
      expect(readdirSync(workspace).sort()).toEqual([".git", "requirements.txt", "vendor"]);
      await inPhase("agent", { workspace, home }, async (exec) => {
        const used = await exec("python -c 'import sys, tinytool; print(sys.prefix, tinytool.ANSWER)'");
        expect(used).toEqual({ exitCode: 0, out: "/tmp/home/venv 42\n" });
        // The agent phase never sees the download cache.
        expect((await exec("test -e /tmp/cache && echo mounted || echo absent")).out).toBe("absent\n");
      });
      // A phase without the run's HOME (what every phase had before) does not have it: the test is real.
      await inPhase("agent", { workspace }, async (exec) => {
        expect((await exec("python -c 'import tinytool'")).exitCode).not.toBe(0);
      });
    } finally {
      removeWorkspace(workspace);
      removeRunHome(home);
    }
    expect(existsSync(home)).toBe(false);
  }, 180_000);
});

describe("the run's HOME is not a way in", () => {
  it("a `git` the agent plants in HOME's bin directory never produces the patch", async () => {
    const workspace = await clone();
    const home = createRunHome(root);
    const sandbox = await createSandbox(docker, {
      runId: "state-planted-git",
      namespace: NAMESPACE,
      phase: "agent",
      image,
      workspace,
      home,
    });
    try {
      await sandbox.exec(
        "mkdir -p $HOME/.local/bin && printf '#!/bin/sh\\necho forged-diff\\n' > $HOME/.local/bin/git && " +
          "chmod +x $HOME/.local/bin/git",
      );
      expect((await sandbox.exec("git --version")).stdout).toBe("forged-diff\n"); // the plant works on PATH
      await sandbox.writeFile("requirements.txt", "tinytool==2.0\n");
      const diff = await sandbox.diff();
      expect(diff).toContain("+tinytool==2.0");
      expect(diff).not.toContain("forged-diff");
    } finally {
      await sandbox.destroy();
      removeWorkspace(workspace);
      removeRunHome(home);
    }
  }, 120_000);

  it("HOMEs a crashed worker left are removed when they are old; fresh ones and other files stay", () => {
    const dir = mkdtempSync(join(tmpdir(), "nightshift-homes-"));
    try {
      const old = createRunHome(dir);
      const fresh = createRunHome(dir);
      writeFileSync(join(dir, "nightshift-home-file"), "");
      const removed = removeStaleRunHomes(dir, 60_000, Date.now() + 120_000);
      expect(removed.sort()).toEqual([old, fresh].map((p) => p.slice(dir.length + 1)).sort());
      expect(removeStaleRunHomes(dir, 60_000)).toEqual([]);
      expect(existsSync(join(dir, "nightshift-home-file"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the package-download cache", () => {
  it("is per installation: installation B never sees what installation A's setup cached", async () => {
    const workspace = await clone();
    const lock = lockfileHash(workspace);
    const repo = { owner: "acme", repo: "widgets" };
    const cacheA = packageCacheDir(join(root, "cache"), { installationId: 1, ...repo }, lock);
    const cacheB = packageCacheDir(join(root, "cache"), { installationId: 2, ...repo }, lock);
    expect(cacheA).not.toBe(cacheB);
    try {
      await inPhase("setup", { workspace, cache: cacheA }, async (exec) => {
        const wrote = await exec('mkdir -p "$npm_config_cache" "$PIP_CACHE_DIR" && echo secret > "$PIP_CACHE_DIR/a"');
        expect(wrote.exitCode, wrote.out).toBe(0);
        expect((await exec('echo "$npm_config_cache $PIP_CACHE_DIR"')).out).toBe("/tmp/cache/npm /tmp/cache/pip\n");
      });
      await inPhase("setup", { workspace, cache: cacheA }, async (exec) => {
        expect((await exec('cat "$PIP_CACHE_DIR/a"')).out).toBe("secret\n"); // A's next night reuses it
      });
      await inPhase("setup", { workspace, cache: cacheB }, async (exec) => {
        const look = await exec(
          'ls -A /tmp/cache; cat "$PIP_CACHE_DIR/a" 2>&1; find / -name a -path "*pip*" 2>/dev/null',
        );
        expect(look.out).toContain("No such file");
        expect(look.out).not.toContain("secret");
      });
    } finally {
      removeWorkspace(workspace);
    }
  }, 180_000);

  it("is keyed by the lockfiles' content; a link counts by name only; hostile names stay inside the root", () => {
    const dir = mkdtempSync(join(tmpdir(), "nightshift-lock-"));
    try {
      expect(lockfileHash(dir)).toBe("none");
      writeFileSync(join(dir, "package-lock.json"), '{"a":1}');
      const first = lockfileHash(dir);
      writeFileSync(join(dir, "package-lock.json"), '{"a":2}');
      expect(lockfileHash(dir)).not.toBe(first);
      symlinkSync("/etc/shadow", join(dir, "yarn.lock"));
      expect(lockfileHash(dir)).toMatch(/^[0-9a-f]{16}$/);
      const cache = packageCacheDir(join(dir, "c"), { installationId: 7, owner: "..", repo: "../../etc" }, "../x");
      expect(cache.startsWith(join(dir, "c", "7"))).toBe(true);
      expect(() => packageCacheDir(join(dir, "c"), { installationId: -1, owner: "a", repo: "b" }, "x")).toThrow(
        /not a positive integer/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
