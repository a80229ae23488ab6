import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { parseRepoConfig } from "../src/config/repo-config.js";
import { startHarness, type Harness } from "./support/harness.js";
import { commentPayload, issuesPayload } from "./support/webhooks.js";

// 13:00 in Berlin: outside the window, so a queued run waits (delayed) and nothing else picks it up.
const DAYTIME = new Date("2037-11-21T12:00:00Z");
const NODE_REPO = {
  "package.json": JSON.stringify({ name: "left-pad", version: "1.3.0", scripts: { test: "node test.js" } }),
  "package-lock.json": JSON.stringify({ name: "left-pad", lockfileVersion: 3, packages: {} }),
  "index.js": "module.exports = (s) => s;\n",
  "lib/util.js": "",
};

let h: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A real git repository with these files, hosted by the fake as acme/widgets (default branch main). */
function hostRepo(harness: Harness, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "nightshift-zc-"));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: dir }).toString();
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "initial");
  harness.github.hostRepo("acme/widgets", dir);
  return git("rev-parse", "HEAD").trim();
}

let events = 0;
/** `/agent config` from `author`, a new comment each time (an identical delivery is a replay). */
const configComment = (author: string) => {
  const payload = commentPayload("/agent config", { author });
  payload.comment.id = 5000 + ++events;
  return payload;
};
const labeled = () => {
  const payload = issuesPayload("labeled", "agent-try");
  payload.issue.updated_at = new Date(Date.UTC(2026, 10, 21, 12, 0, 0, ++events)).toISOString();
  return payload;
};

describe("zero-config through intake (no .github/nightshift.yml)", () => {
  it("a Node repository with a lockfile: npm ci / npm test in the node image, and the comment says so", async () => {
    h = await startHarness({ clock: () => DAYTIME, files: NODE_REPO });
    await h.deliver("issues", labeled());
    await h.settle();
    const job = await h.runs.getJob(h.runJobId());
    expect(job?.data.config).toMatchObject({ setup: "npm ci", test: "npm test", image: "nightshift-sandbox:node" });
    const body = h.statusComments()[0]!.body;
    for (const part of [
      "detected a node repository",
      "`package-lock.json` → npm ci",
      "setup: `npm ci`",
      "test: `npm test`",
      "add `.github/nightshift.yml`",
      "/agent config",
    ])
      expect(body).toContain(part);
    // Detection read the root listing at the recorded head and only the file it needed.
    const reads = h.github.requests.filter(
      (r) => r.path.includes("/widgets/contents/") || r.path.includes("/widgets/git/trees/"),
    );
    expect(reads.map((r) => r.path.replace(/\?.*/, ""))).toEqual([
      "/api/v3/repos/acme/widgets/contents/.github%2Fnightshift.yml",
      expect.stringMatching(/\/git\/trees\/0123456789abcdef/),
      "/api/v3/repos/acme/widgets/contents/package.json",
    ]);
  });

  it("nothing detectable: no run, and the comment lists what was looked for and what was unusable", async () => {
    h = await startHarness({
      clock: () => DAYTIME,
      files: {
        "README.md": "# docs",
        "package.json": '{"scripts":{"test":"echo \\"Error: no test specified\\" && exit 1"}}',
      },
    });
    await h.deliver("issues", labeled());
    await h.settle();
    expect(await h.runs.count()).toBe(0);
    const body = h.statusComments()[0]!.body;
    expect(body).toContain("It looked for:");
    expect(body).toContain("`go.mod`");
    expect(body).toContain("npm's placeholder");
  });

  it("a hostile package.json (not JSON) gets a clear comment naming the file, and the worker stays up", async () => {
    h = await startHarness({ clock: () => DAYTIME, files: { "package.json": "{ definitely: not json" } });
    await h.deliver("issues", labeled());
    await h.settle();
    expect(await h.runs.count()).toBe(0);
    expect(h.statusComments()[0]!.body).toMatch(/`package.json` is not valid JSON.*add `.github\/nightshift.yml`/);
    // A valid file after the fix is taken normally (the intake path still works).
    h.github.repos.get("acme/widgets")!.files = NODE_REPO;
    await h.deliver("issues", labeled());
    await h.settle();
    expect(await h.runs.count()).toBe(1);
  });

  it("a huge package.json is never downloaded: its listed size refuses it", async () => {
    h = await startHarness({ clock: () => DAYTIME, files: { "package.json": `{"x":"${"a".repeat(300_000)}"}` } });
    await h.deliver("issues", labeled());
    await h.settle();
    expect(h.statusComments()[0]!.body).toContain("over the 262144-byte limit for detection");
    expect(h.github.requests.some((r) => r.path.includes("/contents/package.json"))).toBe(false);
  });
});

describe("/agent config opens an onboarding PR", () => {
  it("adds the detected .github/nightshift.yml on a branch, opens a PR, and says so on the issue", async () => {
    h = await startHarness({ clock: () => DAYTIME, files: {} });
    const head = hostRepo(h, {
      "pyproject.toml": '[project]\nname = "tiny"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
      "tiny/__init__.py": "",
      "tests/test_tiny.py": "def test_ok():\n    assert True\n",
    });
    await h.deliver("issue_comment", configComment("writer"));
    await h.settle();
    const pr = h.github.pulls[0];
    expect(pr).toMatchObject({ head: "nightshift/configure", base: "main", title: "Configure Nightshift" });
    expect(pr!.body).toContain("detected a python repository");
    // The branch holds one new commit on the head, adding exactly the config file.
    const bare = join(h.github.gitRoot, "acme/widgets.git");
    const git = (...args: string[]) => execFileSync("git", args, { cwd: bare }).toString().trim();
    expect(git("rev-parse", "nightshift/configure~1")).toBe(head);
    expect(git("diff", "--name-only", head, "nightshift/configure")).toBe(".github/nightshift.yml");
    const config = parseRepoConfig(parse(git("show", "nightshift/configure:.github/nightshift.yml")));
    expect(config).toMatchObject({ test: "python -m pytest", image: "nightshift-sandbox:python" });
    expect(config.setup).toContain("python3 -m venv");
    const said = h.github.comments.filter((c) => c.issue === "acme/widgets#7").map((c) => c.body);
    expect(said).toContainEqual(expect.stringContaining(`Opened #${pr!.number}`));
    expect(h.github.reactions).toHaveLength(1);

    // Asking again while it is open points at it instead of opening another.
    await h.deliver("issue_comment", configComment("writer"));
    await h.settle();
    expect(h.github.pulls).toHaveLength(1);
    expect(h.github.comments.at(-1)!.body).toContain(`is open already: #${pr!.number}`);
  });

  it("a reader is refused; nothing detectable says why; a repository with the file is told to edit it", async () => {
    h = await startHarness({ clock: () => DAYTIME, files: {} });
    hostRepo(h, { "README.md": "hi" });
    await h.deliver("issue_comment", configComment("reader"));
    await h.settle();
    expect(h.github.pulls).toHaveLength(0);
    await h.deliver("issue_comment", configComment("writer"));
    await h.settle();
    expect(h.github.comments.at(-1)!.body).toContain("Nightshift cannot propose a config");
    expect(h.github.comments.at(-1)!.body).toContain("It looked for:");

    h.github.repos.get("acme/widgets")!.files = { ".github/nightshift.yml": "test: make test\n" };
    await h.deliver("issue_comment", configComment("writer"));
    await h.settle();
    expect(h.github.comments.at(-1)!.body).toContain("exists on the default branch already; edit it there");
    expect(h.github.pulls).toHaveLength(0);
  });
});
