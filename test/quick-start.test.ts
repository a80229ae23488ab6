import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closedPort } from "./support/closed-port.js";
import { waitFor } from "./support/wait-for.js";

const root = resolve(import.meta.dirname, "..");
let clone: string | undefined;
let stop: (() => void) | undefined;
afterAll(() => {
  stop?.();
  if (clone) rmSync(clone, { recursive: true, force: true });
});

/** The README's Quick start commands, as code blocks: fails when the README changes them unnoticed. */
function quickStartCommands(): string[] {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = /## Quick start\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  return block
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter(Boolean);
}

describe("README Quick start, from a fresh clone", () => {
  it("lists the two commands this test and CI run", () => {
    expect(quickStartCommands()).toEqual(["npm ci && npm start", "bash .ci/run"]);
    // The second is CI itself (.ci/run runs this suite): check it parses and runs lint and the tests.
    execFileSync("bash", ["-n", join(root, ".ci/run")]);
    const ci = readFileSync(join(root, ".ci/run"), "utf8");
    expect(ci).toMatch(/^npm run lint$/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  it("`npm ci && npm start` in a fresh clone builds, starts, and serves the setup page at /", async () => {
    clone = mkdtempSync(join(tmpdir(), "nightshift-clone-"));
    // A fresh clone of this commit (uncommitted work is not part of it).
    execFileSync("git", ["clone", "--quiet", "--no-local", root, clone]);
    execFileSync("git", [
      "-C",
      clone,
      "checkout",
      "--quiet",
      execFileSync("git", ["-C", root, "rev-parse", "HEAD"], { encoding: "utf8" }).trim(),
    ]);
    const port = await closedPort();
    const child = spawn("bash", ["-c", "npm ci --no-audit --no-fund --prefer-offline && npm start"], {
      cwd: clone,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    stop = () => {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
    };
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output}`);
        const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
        return res?.ok ? true : undefined;
      },
      420_000,
      "the setup page",
    );
    expect(output).toContain("setup mode");
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(page).toContain("State: setup mode.");
  }, 480_000);
});
