import { ConfigError, loadEnvConfig, type EnvConfig } from "../config/env.js";
import type { CheckResult } from "./doctor-check.js";

/** Settings that only make sense together with APP_ID: when one is wrong, the App is treated as unset. */
const APP_SETTINGS = ["PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET"];

export interface LenientConfig {
  config: EnvConfig;
  /** Variable → what is wrong with it. */
  badSettings: Map<string, string>;
  /** The problems as loadEnvConfig words them, one per line. */
  problems: string[];
}

/**
 * Loads the settings like every command does, but instead of stopping at the first invalid one it
 * drops each invalid variable (so its default applies) and remembers the problem: doctor then checks
 * everything else and reports each bad setting on its own line.
 */
export function loadConfigLeniently(env: NodeJS.ProcessEnv, readFile?: (p: string) => string): LenientConfig {
  const remaining: NodeJS.ProcessEnv = { ...env };
  const badSettings = new Map<string, string>();
  const problems: string[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const config = readFile ? loadEnvConfig(remaining, readFile) : loadEnvConfig(remaining);
      return { config, badSettings, problems };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      let dropped = 0;
      for (const problem of error.problems) {
        const variable = /^([A-Z0-9_]+):/.exec(problem)?.[1];
        if (!variable || badSettings.has(variable)) continue;
        problems.push(problem);
        badSettings.set(variable, problem.slice(variable.length + 1).trim());
        const drop = APP_SETTINGS.includes(variable) ? [variable, "APP_ID"] : [variable];
        for (const name of drop) {
          if (remaining[name] !== undefined) dropped++;
          delete remaining[name];
        }
        // A required-but-missing app setting is fixed by dropping APP_ID: count it as progress.
        if (APP_SETTINGS.includes(variable)) dropped++;
      }
      if (dropped === 0) throw error;
    }
  }
  throw new Error("settings could not be read leniently");
}

export function settingsResult({ problems }: LenientConfig): CheckResult {
  if (problems.length === 0) return { name: "settings", ok: true, detail: "every setting is valid" };
  return {
    name: "settings",
    ok: false,
    detail: problems.join("; "),
    fix: "correct these in .env or the environment (README, Settings); the other checks ran with defaults for them",
  };
}
