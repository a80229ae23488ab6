import { hostname } from "node:os";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { ConfigError, type EnvConfig } from "../config/env.js";
import { workerKeys } from "../queue/worker-heartbeat.js";
import type { Check, CheckInput, CheckResult, DoctorDeps } from "./doctor-check.js";
import { formatCheck, runChecks } from "./doctor.js";
import { checkDocker } from "./doctor-docker.js";
import { checkOllama } from "./doctor-ollama.js";
import { checkRedis } from "./doctor-redis.js";
import { checkWorkspace } from "./doctor-workspace.js";
import { checkIsolation } from "./doctor-isolation.js";

/** Every image a run may use (NIGHTSHIFT_SANDBOX_IMAGES_ALLOWED) is present on this engine. */
export async function checkAllowedImages({ config, deps }: CheckInput): Promise<CheckResult> {
  const docker = deps.docker ?? new Docker();
  const wanted = config.sandboxImagesAllowed.filter((image) => image !== config.sandboxImage);
  if (wanted.length === 0) return { name: "images", ok: true, detail: "no images besides the sandbox image allowed" };
  const missing: string[] = [];
  for (const image of wanted) {
    try {
      await docker.getImage(image).inspect();
    } catch {
      missing.push(image);
    }
  }
  if (missing.length > 0)
    return {
      name: "images",
      ok: false,
      detail: `NIGHTSHIFT_SANDBOX_IMAGES_ALLOWED names images this engine lacks: ${missing.join(", ")}`,
      fix: "build or load them on this machine (`docker load`), or remove them from NIGHTSHIFT_SANDBOX_IMAGES_ALLOWED",
    };
  return { name: "images", ok: true, detail: `allowed images present: ${wanted.join(", ")}` };
}

/** A worker that cannot work and was told not to wait (NIGHTSHIFT_PREFLIGHT_RETRY_S=0). */
export class PreflightError extends Error {
  constructor(failing: string) {
    super(`the worker cannot work: ${failing} failing (see the lines above)`);
    this.name = "PreflightError";
  }
}

/** What a GPU worker needs before it can take a run. */
export const PREFLIGHT_CHECKS: Check[] = [
  checkRedis,
  checkOllama,
  checkDocker,
  checkAllowedImages,
  checkWorkspace,
  checkIsolation,
];

export interface PreflightOptions {
  /** Seconds between attempts while a check fails; 0: give up after the first attempt. */
  retrySeconds: number;
  /** "wait": do not start until every check passes; "warn": print the lines and start anyway. */
  mode: "wait" | "warn";
  out: (line: string) => void;
  deps?: DoctorDeps;
  signal?: AbortSignal;
  /** The Redis prefix under which the last result is kept for the admin view, when Redis answers. */
  statusPrefix?: string;
}

/** NIGHTSHIFT_PREFLIGHT (wait|warn) and NIGHTSHIFT_PREFLIGHT_RETRY_S (0 to 3600; 0 exits instead of waiting). */
export function preflightSettings(env: NodeJS.ProcessEnv): Pick<PreflightOptions, "mode" | "retrySeconds"> {
  const problems: string[] = [];
  const mode = env.NIGHTSHIFT_PREFLIGHT || "wait";
  if (mode !== "wait" && mode !== "warn")
    problems.push('NIGHTSHIFT_PREFLIGHT: expected "wait" (start once every check passes) or "warn" (start anyway)');
  const retry = env.NIGHTSHIFT_PREFLIGHT_RETRY_S || "30";
  if (!/^\d+$/.test(retry) || Number(retry) > 3600)
    problems.push("NIGHTSHIFT_PREFLIGHT_RETRY_S: expected seconds from 0 to 3600 (0: exit instead of waiting)");
  if (problems.length > 0) throw new ConfigError(problems);
  return { mode: mode as "wait" | "warn", retrySeconds: Number(retry) };
}

/**
 * The worker's start: one line per dependency. In "wait" mode it re-checks every `retrySeconds` until
 * all pass (printing only what changed), or returns false at once when `retrySeconds` is 0.
 */
export async function runPreflight(
  config: EnvConfig,
  options: PreflightOptions,
): Promise<{ ready: boolean; failing: string[] }> {
  let previous = "";
  for (;;) {
    const results = await runChecks(PREFLIGHT_CHECKS, config, options.deps ?? {});
    const lines = results.map((r) => `nightshift worker: ${formatCheck(r)}`);
    const failing = results.filter((r) => !r.ok);
    const changed = lines.join("\n") !== previous;
    previous = lines.join("\n");
    if (changed) lines.forEach((line) => options.out(line));
    await recordStatus(config, options.statusPrefix, results);
    if (failing.length === 0) {
      options.out("nightshift worker: preflight passed; ready for runs");
      return { ready: true, failing: [] };
    }
    const failingNames = failing.map((r) => r.name);
    const names = failingNames.join(", ");
    if (options.mode === "warn") {
      options.out(`nightshift worker: starting anyway (NIGHTSHIFT_PREFLIGHT=warn); runs will fail until ${names} pass`);
      return { ready: true, failing: failingNames };
    }
    if (options.retrySeconds === 0) {
      options.out(`nightshift worker: cannot work: ${names} failing; exiting (NIGHTSHIFT_PREFLIGHT_RETRY_S=0)`);
      return { ready: false, failing: failingNames };
    }
    if (changed)
      options.out(
        `nightshift worker: cannot work yet: ${names} failing; taking no runs, checking again every ` +
          `${options.retrySeconds} s`,
      );
    const stopped = await sleep(options.retrySeconds * 1000, options.signal);
    if (stopped) return { ready: false, failing: failingNames };
  }
}

/** The admin view's record of this worker's last preflight (the Tonight page drops it after a day). Best effort. */
async function recordStatus(config: EnvConfig, prefix: string | undefined, results: CheckResult[]): Promise<void> {
  if (prefix === undefined || !config.redisUrl || results.find((r) => r.name === "redis")?.ok !== true) return;
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    const record = JSON.stringify({ at: new Date().toISOString(), results });
    await redis.hset(workerKeys(prefix).preflights, preflightField(), record);
  } catch {
    // The worker's own lines already say what is wrong.
  } finally {
    redis.disconnect();
  }
}

/** Resolves true when aborted before `ms` passed. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve(true)), { once: true });
  });
}

/** This worker's field in the preflight hash: machine and process. */
export function preflightField(): string {
  return `${hostname()}:${process.pid}`;
}
