import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { parseRepoConfig } from "../src/config/repo-config.js";
import { createRunHome, removeRunHome } from "../src/sandbox/run-state.js";
import { createSandbox, type SandboxPhase } from "../src/sandbox/sandbox.js";
import { handToSandboxUser } from "../src/sandbox/workspace.js";
import { requireDocker } from "./support/docker.js";

/** The YAML examples in README's "Per-repository config" section, as written. */
function readmeExamples(): string[] {
  const readme = readFileSync(join(import.meta.dirname, "../README.md"), "utf8");
  const section = readme.split("## Per-repository config")[1]!.split("\n## ")[0]!;
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** A tiny repository each example's commands fit, with one passing test. */
const REPOS: Record<string, Record<string, string>> = {
  "nightshift-sandbox:node": {
    "package.json": JSON.stringify({ name: "tiny", version: "1.0.0", scripts: { test: "node --test" } }),
    "package-lock.json": JSON.stringify({
      name: "tiny",
      version: "1.0.0",
      lockfileVersion: 3,
      requires: true,
      packages: { "": { name: "tiny", version: "1.0.0" } },
    }),
    "test/add.test.js": 'const test = require("node:test");\ntest("adds", () => {});\n',
  },
  "nightshift-sandbox:python": {
    "pyproject.toml":
      '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n' +
      '[project]\nname = "tiny"\nversion = "1.0"\n\n[tool.setuptools]\npackages = ["tiny"]\n',
    "tiny/__init__.py": "def add(a, b):\n    return a + b\n",
    "tests/test_tiny.py": "from tiny import add\n\ndef test_add():\n    assert add(2, 3) == 5\n",
  },
};
const HOST_CA = process.env.NIGHTSHIFT_SETUP_CA_BUNDLE ?? "/etc/ssl/certs/ca-certificates.crt";

describe("README's config examples work as written in the default images", () => {
  const examples = readmeExamples();
  it("the README has the examples this test runs", () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples.map((yaml, i) => [i, yaml] as const))(
    "example %i: setup, then the test command",
    async (_i, yaml) => {
      const docker = await requireDocker();
      const config = parseRepoConfig(parse(yaml));
      const image = config.image!;
      const files = REPOS[image];
      if (!files) throw new Error(`no fixture for ${image}: add one to this test`);
      const workspace = mkdtempSync(join(tmpdir(), "nightshift-readme-"));
      const home = createRunHome();
      try {
        for (const [path, content] of Object.entries(files)) {
          mkdirSync(dirname(join(workspace, path)), { recursive: true });
          writeFileSync(join(workspace, path), content);
        }
        handToSandboxUser(workspace);
        const run = async (phase: SandboxPhase, command: string) => {
          const sandbox = await createSandbox(docker, {
            runId: "readme-example",
            namespace: "nightshift-test-readme",
            workspace,
            phase,
            image,
            home,
            ...(existsSync(HOST_CA) ? { caBundle: HOST_CA } : {}),
          });
          try {
            return await sandbox.exec(command, { timeoutMs: 180_000 });
          } finally {
            await sandbox.destroy();
          }
        };
        const setup = await run("setup", config.setup!);
        expect(setup.exitCode, setup.stdout + setup.stderr).toBe(0);
        const test = await run("agent", config.test);
        expect(test.exitCode, test.stdout + test.stderr).toBe(0);
      } finally {
        rmSync(workspace, { recursive: true, force: true });
        removeRunHome(home);
      }
    },
    240_000,
  );
});
