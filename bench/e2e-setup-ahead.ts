import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { createGpuSlots } from "../src/run/gpu-slots.js";
import { createRunHome, packageCacheDir, removeRunHome } from "../src/sandbox/run-state.js";
import { createSandbox } from "../src/sandbox/sandbox.js";
import { handToSandboxUser } from "../src/sandbox/workspace.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * GPU busy share over the window in which work is queued, with a simulated setup and model delay, the
 * real GPU-slot logic, and a worker taking `slots + ahead` runs at once. `ahead: 0` is the old design: a
 * run held its slot through its setup as well.
 */
export async function gpuBusyShare(o: {
  runs: number;
  setupMs: number;
  agentMs: number;
  slots: number;
  ahead: number;
}) {
  const gpu = createGpuSlots(o.slots);
  const oldDesign = o.ahead === 0;
  let busyMs = 0;
  let left = o.runs;
  const start = Date.now();
  const worker = async () => {
    while (left > 0) {
      left--;
      const release = oldDesign ? await gpu.acquire() : undefined;
      await sleep(o.setupMs);
      const held = release ?? (await gpu.acquire());
      const t = Date.now();
      await sleep(o.agentMs);
      busyMs += Date.now() - t;
      held();
    }
  };
  await Promise.all(Array.from({ length: o.slots + o.ahead }, worker));
  return busyMs / (o.slots * (Date.now() - start));
}

/** `npm install` of the vendored bytes fixture in a node setup sandbox: an empty download cache, then the same one. */
export async function setupColdWarm(): Promise<{ coldMs: number; warmMs: number }> {
  const docker = new Docker();
  const root = mkdtempSync(join(tmpdir(), "nightshift-bench-cache-"));
  const cache = packageCacheDir(join(root, "cache"), { installationId: 1, owner: "bench", repo: "bytes" }, "x");
  const ca = process.env.NIGHTSHIFT_SETUP_CA_BUNDLE ?? "/etc/ssl/certs/ca-certificates.crt";
  const once = async () => {
    const workspace = mkdtempSync(join(root, "ws-"));
    cpSync(join(import.meta.dirname, "../test/fixtures/real-repos/bytes/files"), workspace, { recursive: true });
    handToSandboxUser(workspace);
    const home = createRunHome(root);
    const sandbox = await createSandbox(docker, {
      runId: "bench-setup",
      namespace: "nightshift-bench",
      workspace,
      phase: "setup",
      image: "nightshift-sandbox:node",
      home,
      cache,
      ...(existsSync(ca) ? { caBundle: ca } : {}),
    });
    try {
      const r = await sandbox.exec("npm install --no-package-lock --no-audit --no-fund", { timeoutMs: 600_000 });
      if (r.exitCode !== 0) throw new Error(`npm install failed: ${r.stderr.slice(-500)}`);
      return r.durationMs;
    } finally {
      await sandbox.destroy();
      removeRunHome(home);
    }
  };
  try {
    const coldMs = await once();
    const warmMs = await once();
    return { coldMs, warmMs };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The bench:e2e phase for setup ahead of the GPU; prints its table. */
export async function setupAheadPhase(): Promise<void> {
  const sim = { runs: 8, setupMs: 300, agentMs: 1000, slots: 1 };
  const without = await gpuBusyShare({ ...sim, ahead: 0 });
  const ahead = await gpuBusyShare({ ...sim, ahead: 1 });
  const { coldMs, warmMs } = await setupColdWarm();
  console.log(
    `\nsetup ahead of the GPU — ${sim.runs} queued runs, simulated setup ${sim.setupMs} ms and model ` +
      `${sim.agentMs} ms per run, ${sim.slots} GPU slot`,
  );
  console.log(
    `GPU busy share while work is queued: without the setup stage ahead ${(without * 100).toFixed(1)}%, ` +
      `with it (NIGHTSHIFT_PREPARE_AHEAD=1) ${(ahead * 100).toFixed(1)}% ` +
      `(target ≥ 95%: ${ahead >= 0.95 ? "met" : "NOT met"})`,
  );
  console.log(
    `setup (npm install of the bytes fixture, real registry): cold cache ${(coldMs / 1000).toFixed(1)} s, ` +
      `warm cache ${(warmMs / 1000).toFixed(1)} s (${(coldMs / warmMs).toFixed(1)}x)`,
  );
}

if (process.argv[1]?.endsWith("e2e-setup-ahead.ts")) await setupAheadPhase();
