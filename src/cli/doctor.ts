import type { EnvConfig } from "../config/env.js";
import type { Check, CheckInput, CheckResult, DoctorDeps } from "./doctor-check.js";
import { checkDocker } from "./doctor-docker.js";
import { checkGitHub, checkInstalled, checkWebhooks } from "./doctor-github.js";
import { checkOllama } from "./doctor-ollama.js";
import { checkRedis } from "./doctor-redis.js";
import { loadConfigLeniently, settingsResult } from "./doctor-settings.js";
import { checkWorkspace } from "./doctor-workspace.js";
import { checkIsolation } from "./doctor-isolation.js";
import { checkImages } from "./doctor-images.js";

export type { CheckResult, DoctorDeps } from "./doctor-check.js";

/** Every check `nightshift doctor` runs, in the order it prints them. */
export const DOCTOR_CHECKS: Check[] = [
  checkRedis,
  checkGitHub,
  checkInstalled,
  checkWebhooks,
  checkDocker,
  checkOllama,
  checkWorkspace,
  checkIsolation,
  checkImages,
];

/**
 * Runs the checks side by side, each on its own: one that fails or crashes never stops another.
 * `badSettings` names invalid variables (their defaults are in `config`), so checks using them say so.
 */
export async function runChecks(
  checks: Check[],
  config: EnvConfig,
  deps: DoctorDeps = {},
  badSettings = new Map<string, string>(),
): Promise<CheckResult[]> {
  const input: CheckInput = { config, badSettings, deps };
  return Promise.all(
    checks.map((check) =>
      check(input).catch((error: unknown): CheckResult => ({
        name: check.name.replace(/^check/, "").toLowerCase(),
        ok: false,
        detail: `check crashed: ${(error as Error).message}`,
      })),
    ),
  );
}

/** The doctor's checks on already valid settings. */
export function runDoctor(config: EnvConfig, deps: DoctorDeps = {}): Promise<CheckResult[]> {
  return runChecks(DOCTOR_CHECKS, config, deps);
}

/** `nightshift doctor`: reads the environment leniently (a settings line), then every check. */
export async function runDoctorFromEnv(env: NodeJS.ProcessEnv, deps: DoctorDeps = {}): Promise<CheckResult[]> {
  const lenient = loadConfigLeniently(env);
  const results = await runChecks(DOCTOR_CHECKS, lenient.config, { env, ...deps }, lenient.badSettings);
  return [settingsResult(lenient), ...results];
}

export function formatCheck(result: CheckResult): string {
  return (
    `${result.ok ? "ok  " : "FAIL"}  ${result.name.padEnd(8)} ` +
    `${result.detail}${result.fix ? ` — fix: ${result.fix}` : ""}`
  );
}
