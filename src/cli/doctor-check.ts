import type Docker from "dockerode";
import type { EnvConfig } from "../config/env.js";

/** One line of `nightshift doctor` or the worker's preflight: what was found and, on failure, what to do. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface DoctorDeps {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof globalThis.fetch;
  docker?: Pick<Docker, "version" | "getImage">;
  /** app.yml to compare permissions with; default: the installation's own (never the cwd's). */
  manifestPath?: string;
  timeoutMs?: number;
  now?: () => Date;
}

/**
 * What a check gets: the settings (invalid ones replaced by their defaults) and, per variable, the
 * problem found with it, so a check whose settings are wrong says so instead of testing a default.
 */
export interface CheckInput {
  config: EnvConfig;
  badSettings: Map<string, string>;
  deps: DoctorDeps;
}

export type Check = (input: CheckInput) => Promise<CheckResult>;

/** A failing result for a check whose own settings are invalid, or undefined when they are fine. */
export function badSettingResult(name: string, input: CheckInput, variables: string[]): CheckResult | undefined {
  const bad = variables.filter((v) => input.badSettings.has(v));
  if (bad.length === 0) return undefined;
  return {
    name,
    ok: false,
    detail: `not checked: ${bad.map((v) => `${v} is invalid (${input.badSettings.get(v)})`).join("; ")}`,
    fix: `correct ${bad.join(" and ")} (see the settings line)`,
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: "ETIMEDOUT" })),
        ms,
      ).unref(),
    ),
  ]);
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
