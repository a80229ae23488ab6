import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { requireDocker, requireToolchainImage } from "./support/docker.js";
import type { FakeGitHub } from "./support/fake-github.js";
import type { ScriptedReply } from "./support/fake-ollama.js";
import { openNightshiftStack, type NightshiftStack } from "./support/nightshift-stack.js";
import { waitFor } from "./support/wait-for.js";
import { deliver, issuesPayload } from "./support/webhooks.js";

/**
 * Real repositories (vendored under test/fixtures/real-repos, see each PROVENANCE.md) with a real
 * historical bug fix reverted. No `.github/nightshift.yml`: zero-config detection picks the image, setup
 * and test command; setup installs from the real registry (npm, PyPI; the C library's Makefile needs none
 * and runs in the worker's default image); the scripted model replays the real fix as Nightshift actions;
 * verification (per-test results from TAP or JUnit) and the draft PR follow.
 */
const HOST_CA = process.env.NIGHTSHIFT_SETUP_CA_BUNDLE ?? "/etc/ssl/certs/ca-certificates.crt";
const act = (a: Record<string, unknown>): ScriptedReply => ({ content: JSON.stringify(a), delayMs: 20 });

interface RealRepo {
  name: string;
  /** The image the queued comment names; undefined: the worker's default (a Makefile needs no toolchain). */
  image: string | undefined;
  /** setup undefined: nothing to install, so the run has no setup stage. */
  detected: { setup: string | undefined; test: string };
  issue: { title: string; body: string };
  script: ScriptedReply[];
  /** The test the fix makes pass (it failed on the base): the reproduction verification finds. */
  reproduces: RegExp;
  changed: string;
}

const REPOS: RealRepo[] = [
  {
    name: "bytes",
    image: "nightshift-sandbox:node",
    detected: { setup: "npm install --no-package-lock", test: "npm test" },
    issue: {
      title: "bytes.parse returns NaN for a string it cannot parse",
      body: "`bytes.parse('foobar')` returns `NaN`, but the docs say unparsable input gives `null` (index.js).",
    },
    script: [
      act({ tool: "read_file", path: "index.js" }),
      act({
        tool: "edit",
        path: "index.js",
        search: "  return Math.floor(map[unit] * floatValue);\n}",
        replace: "  if (isNaN(floatValue)) {\n    return null;\n  }\n\n  return Math.floor(map[unit] * floatValue);\n}",
      }),
      act({ tool: "run", command: "npm test" }),
      act({ tool: "finish", summary: "parse() returns null when the number part is not a number." }),
    ],
    reproduces: /parse/i,
    changed: "`index.js` (+4 −0)",
  },
  {
    name: "boltons",
    image: "nightshift-sandbox:python",
    detected: { setup: 'python3 -m venv --system-site-packages "$HOME/venv"', test: "python -m pytest" },
    issue: {
      title: "Bits accepts a value one bit too long for its length",
      body:
        "`Bits(4, 2)` in boltons/mathutils.py is accepted and gives a 3-bit value '100' with len 2; " +
        "it should raise.",
    },
    script: [
      act({ tool: "read_file", path: "boltons/mathutils.py" }),
      act({
        tool: "edit",
        path: "boltons/mathutils.py",
        search: "if val > 2 ** len_:",
        replace: "if val >= 2 ** len_:",
      }),
      act({ tool: "run", command: "python -m pytest" }),
      act({ tool: "finish", summary: "The length check rejects values that need more than len_ bits." }),
    ],
    reproduces: /test_bits_len_bound/,
    changed: "`boltons/mathutils.py` (+1 −1)",
  },
  {
    name: "inih",
    image: undefined,
    detected: { setup: undefined, test: "make test" },
    issue: {
      title: "With INI_ALLOW_NO_VALUE, name-only options after an error are ignored",
      body:
        "Built with INI_ALLOW_NO_VALUE=1, `ini_parse_stream` in ini.c stops calling the handler for lines that " +
        "have a name but no `=` or `:` once an earlier line had an error (e.g. an unterminated `[broken` " +
        "section). They should still be handled, as name=value lines are.",
    },
    script: [
      act({ tool: "read_file", path: "ini.c" }),
      act({
        tool: "edit",
        path: "ini.c",
        search: "            else if (!error) {\n                /* No '=' or ':' found on name[=:]value line */",
        replace: "            else {\n                /* No '=' or ':' found on name[=:]value line */",
      }),
      act({
        tool: "edit",
        path: "ini.c",
        search: "#else\n                error = lineno;\n#endif",
        replace: "#else\n                if (!error)\n                    error = lineno;\n#endif",
      }),
      act({ tool: "run", command: "make test" }),
      act({ tool: "finish", summary: "Name-only lines reach the handler after an error; the error stays the first." }),
    ],
    reproduces: /`test_ini\.name_only_after_error`/,
    changed: "`ini.c` (+3 −2)",
  },
];

let stack: NightshiftStack | undefined;

beforeAll(async () => {
  const docker = await requireDocker();
  for (const name of ["node", "python"]) await requireToolchainImage(docker, name);
  // inih (make) runs in the worker's default image, which requireDocker checked for.
});

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** A git repository built from the vendored snapshot, hosted by the fake GitHub as acme/widgets. */
function hostSnapshot(github: FakeGitHub, name: string): { path: string } {
  const dir = mkdtempSync(join(tmpdir(), `nightshift-real-${name}-`));
  cpSync(join(import.meta.dirname, "fixtures/real-repos", name, "files"), dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: dir }).toString();
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", `${name} with the fix reverted`);
  const sha = git("rev-parse", "HEAD").trim();
  github.repos.set("acme/widgets", { defaultBranch: "main", headSha: sha, files: {}, roles: { maintainer: "admin" } });
  github.hostRepo("acme/widgets", dir);
  return { path: dir };
}

describe.each(REPOS)("a real repository end to end: $name", (real) => {
  it("detection → setup → agent → verification → draft PR", async () => {
    stack = await openNightshiftStack({ host: (github) => hostSnapshot(github, real.name), issues: { 7: real.issue } });
    const { github } = stack;
    stack.ollama.setScript(real.script);
    // Behind a TLS-inspecting proxy (as on this CI machine) setup trusts the host's CA bundle.
    const { webhookUrl, redis } = await stack.start(existsSync(HOST_CA) ? { NIGHTSHIFT_SETUP_CA_BUNDLE: HOST_CA } : {});
    try {
      const payload = issuesPayload("labeled", "agent-try");
      expect((await deliver(webhookUrl, "s3cret", "issues", payload)).status).toBe(202);
      const statusTexts = () =>
        github.requests
          .map((r) => (r.body as { body?: unknown } | undefined)?.body)
          .filter((b): b is string => typeof b === "string" && b.startsWith("<!-- nightshift:status -->"));
      const pr = await waitFor(
        async () => {
          const last = statusTexts().at(-1) ?? "";
          if (/no PR|cannot take/.test(last)) throw new Error(`the run ended without a PR: ${last.slice(0, 3000)}`);
          return github.pulls[0];
        },
        240_000,
        "the draft PR",
      ).catch((error: Error) => {
        const last = statusTexts().at(-1)?.slice(0, 1500);
        throw new Error(`${error.message}; last status: ${last}; log: ${stack!.cli().output().slice(-3000)}`);
      });
      expect(pr).toMatchObject({ head: "nightshift/issue-7", draft: true });
      for (const part of ["Fixes #7", real.changed, "stopped because: finished"]) expect(pr.body).toContain(part);
      expect(pr.body).toMatch(real.reproduces);
      // The queued comment said what detection found and would run, and how to override it.
      const queued = statusTexts().find((t) => t.includes("detected a")) ?? "";
      const setup = real.detected.setup;
      expect(queued).toContain(`setup: ${setup ? `\`${setup}\`` : "nothing"}`);
      expect(queued).toContain(`test: \`${real.detected.test}\``);
      expect(queued).toContain(`image: ${real.image ? `\`${real.image}\`` : "the worker's default sandbox image"}`);
      expect(queued).toContain("/agent config");
      const runId = (await redis.zrange("nightshift:runs", "0", "-1"))[0]!;
      const record = await redis.hgetall(`nightshift:run:${runId}`);
      for (const stage of ["cloneAt", "setupAt", "readyAt", "agentAt", "verifyAt"])
        if (stage !== "setupAt" || setup) expect(record[stage]).toMatch(/^\d{4}-/);
      if (!setup) expect(record.setupAt).toBeUndefined();
    } finally {
      redis.disconnect();
    }
  }, 300_000);
});
