import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";

export const SANDBOX_IMAGE = process.env.NIGHTSHIFT_SANDBOX_IMAGE ?? "nightshift-sandbox:bookworm";

/** The real Docker engine with the sandbox image, or a loud failure: these tests never skip. */
export async function requireDocker(): Promise<Docker> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(
      `sandbox tests need a Docker engine (install docker.io and start dockerd, or run .ci/run): ` +
        `${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    await docker.getImage(SANDBOX_IMAGE).inspect();
  } catch {
    throw new Error(`sandbox tests need the image ${SANDBOX_IMAGE}: run \`npm run sandbox:build\` (or .ci/run)`);
  }
  return docker;
}

/**
 * A small git repository to clone from: a Python module with a test, a symlink to the host's
 * /etc/passwd (a checkout must never let the host follow it), returns its path and head SHA.
 */
export function fixtureRepo(): { path: string; sha: string } {
  const path = mkdtempSync(join(tmpdir(), "nightshift-fixture-"));
  mkdirSync(join(path, "src"));
  writeFileSync(join(path, "src/calc.py"), "def add(a, b):\n    return a - b\n");
  writeFileSync(join(path, "test_calc.py"), "from src.calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n");
  writeFileSync(join(path, "README.md"), "# calc\n");
  symlinkSync("/etc/passwd", join(path, "passwd-link"));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: path, encoding: "utf8" }).trim();
  git("init", "--quiet", "--initial-branch=main");
  git("add", "-A");
  git("commit", "--quiet", "-m", "initial");
  return { path, sha: git("rev-parse", "HEAD") };
}

/** A toolchain image (`npm run sandbox:build <name>`), or a loud failure naming the command. */
export async function requireToolchainImage(docker: Docker, name: string): Promise<string> {
  const image = `nightshift-sandbox:${name}`;
  try {
    await docker.getImage(image).inspect();
  } catch {
    throw new Error(`these tests need the image ${image}: run \`npm run sandbox:build ${name}\` (or .ci/run)`);
  }
  return image;
}
