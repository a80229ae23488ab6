import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type Docker from "dockerode";
import type { RepoConfig } from "../config/repo-config.js";
import { createSandbox, type SandboxPhase } from "../sandbox/sandbox.js";
import { cloneWorkspace, removeWorkspace } from "../sandbox/workspace.js";
import { createRunHome, lockfileHash, packageCacheDir, removeRunHome, type CacheOwner } from "../sandbox/run-state.js";
import { tmpdir } from "node:os";
import { PYTHON_HOOK, type Canary } from "./canary.js";
import { parseJunit, parseStatusLines, parseTap, type TestResults, type TestStatus } from "./test-report.js";

export interface CommandOutcome {
  passed: boolean;
  exitCode: number;
  output: string;
  durationMs: number;
  timedOut: boolean;
}

/** One run of the suite on one tree, with per-test results as the runner reported them. */
export interface SuiteEvidence {
  label: string;
  setup?: CommandOutcome;
  tests?: CommandOutcome;
  /** Why there are no results (the patch did not apply in the sandbox, setup failed). */
  error?: string;
  results: Record<string, TestStatus>;
  /** Where the results came from. */
  source: "junit" | "unittest" | "tap" | "none";
  /** What the runner reported for each canary (all must be "failed"). */
  canaries: Record<string, TestStatus | "missing">;
}

export interface SuiteInput {
  docker: Docker;
  namespace: string;
  runId: string;
  repo: { cloneUrl: string; token?: string; baseSha: string };
  config: RepoConfig;
  image: string;
  workspaceRoot?: string;
  /** Whose download cache the base tree's setup may use (never another installation's). */
  cacheOwner?: CacheOwner;
  /** CA certificates setup trusts besides the image's (NIGHTSHIFT_SETUP_CA_BUNDLE). */
  setupCaBundle?: string;
  signal?: AbortSignal;
}

const SETUP_TIMEOUT_MS = 20 * 60_000;
const TEST_TIMEOUT_MS = 30 * 60_000;
const OUTPUT_BYTES = 16 * 1024;
const TAP_BYTES = 4 * 1024 * 1024;
const PROBE_DIR = "/tmp/nightshift-probe";

/**
 * A fresh clone of the base with the canaries written by the host (before any container touches it);
 * the repository's setup on that base tree, with network; then, in a new sandbox without network, the
 * patch applied by git inside the sandbox and the test command run with result reporting switched on.
 * Nothing the patch wrote ever runs with network, and the host never runs git in a tree a container wrote.
 */
export async function runSuite(input: SuiteInput, patch: string, canaries: Canary[], label: string) {
  const workspace = await cloneWorkspace({
    url: input.repo.cloneUrl,
    token: input.repo.token,
    sha: input.repo.baseSha,
    root: input.workspaceRoot,
    prepare: (dir) => {
      for (const canary of canaries) {
        mkdirSync(dirname(join(dir, canary.path)), { recursive: true });
        writeFileSync(join(dir, canary.path), canary.content);
      }
      return Promise.resolve();
    },
  });
  const evidence: SuiteEvidence = { label, results: {}, source: "none", canaries: {} };
  // Setup's installs outside the tree (venv, ~/.local) stay for this suite's tests, in a HOME of its own.
  const root = input.workspaceRoot ?? tmpdir();
  const home = createRunHome(root);
  const state: SuiteState = { workspace, home };
  try {
    if (input.config.setup) {
      // Setup runs on the base tree only, so the cache it fills never holds anything a patch wrote.
      if (input.cacheOwner)
        state.cache = packageCacheDir(join(root, "nightshift-cache"), input.cacheOwner, lockfileHash(workspace));
      evidence.setup = await inSandbox(input, state, "setup", async (sandbox) =>
        outcome(`${label}-setup`, await sandbox.exec(input.config.setup!, execOptions(input, SETUP_TIMEOUT_MS))),
      );
      if (!evidence.setup.passed) return { ...evidence, error: `setup failed (exit ${evidence.setup.exitCode})` };
    }
    await inSandbox(input, state, "agent", async (sandbox) => {
      if (patch) {
        const applied = await sandbox.exec(["git", "-c", "core.hooksPath=/dev/null", "apply", "--whitespace=nowarn"], {
          stdin: patch,
          timeoutMs: 60_000,
        });
        if (applied.exitCode !== 0) {
          evidence.error = `the patch did not apply inside the sandbox: ${applied.stderr.trim().slice(0, 300)}`;
          return;
        }
      }
      const token = randomBytes(8).toString("hex");
      const report = { status: `${PROBE_DIR}/${token}.status`, junit: `${PROBE_DIR}/${token}.xml` };
      await sandbox.exec(["/bin/sh", "-c", `mkdir -p ${PROBE_DIR} && cat > ${PROBE_DIR}/sitecustomize.py`], {
        stdin: PYTHON_HOOK,
        timeoutMs: 30_000,
      });
      const result = await sandbox.exec(input.config.test, {
        ...execOptions(input, TEST_TIMEOUT_MS),
        maxOutputBytes: TAP_BYTES,
        env: {
          PYTHONPATH: PROBE_DIR,
          NIGHTSHIFT_TEST_REPORT: report.status,
          PYTEST_ADDOPTS: `--junitxml=${report.junit} -p no:cacheprovider`,
          NODE_OPTIONS: "--test-reporter=tap",
        },
      });
      evidence.tests = outcome(`${label}-tests`, result);
      const read = async (path: string) => {
        const r = await sandbox.exec(["cat", "--", path], { maxOutputBytes: TAP_BYTES, timeoutMs: 30_000 });
        return r.exitCode === 0 ? r.stdout : undefined;
      };
      const configured = input.config.test_report ? await read(`/workspace/${input.config.test_report}`) : undefined;
      const junit = configured ?? (await read(report.junit));
      const status = await read(report.status);
      let results: TestResults;
      if (junit !== undefined) [results, evidence.source] = [parseJunit(junit), "junit"];
      else if (status !== undefined) [results, evidence.source] = [parseStatusLines(status), "unittest"];
      else [results, evidence.source] = [parseTap(result.stdout), "tap"];
      if (results.size === 0) evidence.source = "none";
      for (const canary of canaries) {
        const hits = [...results].filter(([name]) => name.includes(canary.marker));
        evidence.canaries[canary.path] = hits.length ? hits[0]![1] : "missing";
        for (const [name] of hits) results.delete(name);
      }
      evidence.results = Object.fromEntries(results);
    });
    return evidence;
  } finally {
    removeWorkspace(workspace);
    removeRunHome(home);
  }
}

const execOptions = (input: SuiteInput, timeoutMs: number) => ({
  timeoutMs,
  maxOutputBytes: OUTPUT_BYTES,
  signal: input.signal,
});

function outcome(
  label: string,
  result: { exitCode: number; stdout: string; stderr: string; durationMs: number; timedOut: boolean },
): CommandOutcome {
  const output = `${result.stdout}${result.stderr ? `\n${result.stderr}` : ""}`.trim();
  return {
    passed: result.exitCode === 0,
    exitCode: result.exitCode,
    output: `${label}: ${output.length > 2 * OUTPUT_BYTES ? output.slice(-2 * OUTPUT_BYTES) : output}`,
    durationMs: result.durationMs,
    timedOut: result.timedOut,
  };
}

interface SuiteState {
  workspace: string;
  home: string;
  cache?: string;
}

async function inSandbox<T>(
  input: SuiteInput,
  { workspace, home, cache }: SuiteState,
  phase: SandboxPhase,
  body: (sandbox: Awaited<ReturnType<typeof createSandbox>>) => Promise<T>,
): Promise<T> {
  const sandbox = await createSandbox(input.docker, {
    runId: input.runId,
    namespace: input.namespace,
    workspace,
    phase,
    image: input.config.image ?? input.image,
    home,
    cache,
    caBundle: input.setupCaBundle,
  });
  try {
    return await body(sandbox);
  } finally {
    await sandbox.destroy();
  }
}
