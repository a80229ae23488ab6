import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { z } from "zod";
import type { AgentMechanisms } from "../agent/mechanisms.js";
import { isValidZone, parseWindow, type NightWindow } from "./window.js";

/** Settings from the environment, validated once at boot. Secrets stay out of error messages. */
export interface EnvConfig {
  appId: number | undefined;
  privateKey: string | undefined;
  webhookSecret: string | undefined;
  webhookPath: string;
  host: string;
  port: number;
  githubBaseUrl: string;
  gheHost: string | undefined;
  logLevel: "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
  redisUrl: string | undefined;
  ollamaHost: string;
  label: string;
  window: NightWindow;
  windowText: string;
  timeZone: string;
  model: string;
  modelMode: "structured" | "tools";
  contextTokens: number;
  keepAlive: string;
  thinkingBudget: number;
  sandboxImage: string;
  /** Images a repository's `image:` may name besides `sandboxImage` (NIGHTSHIFT_SANDBOX_IMAGES_ALLOWED). */
  sandboxImagesAllowed: string[];
  workspaceRoot: string;
  /** Per-workspace disk limit in MiB (a loop-mounted ext4 image); 0 turns it off. */
  workspaceDiskMb: number;
  energyCommand: string[];
  energyIntervalMs: number;
  windowEnd: "finish" | "stop";
  lockMs: number;
  stallRetries: number;
  redisPrefix: string;
  dataDir: string;
  gpuSlots: number;
  /** Runs a worker prepares (clone + setup on the CPU) beyond its GPU slots, waiting with a ready workspace. */
  prepareAhead: number;
  /** A CA bundle on the host for setup sandboxes behind a TLS-inspecting proxy (NIGHTSHIFT_SETUP_CA_BUNDLE). */
  setupCaBundle?: string;
  intakeConcurrency: number;
  /** The agent's switchable mechanisms (NIGHTSHIFT_REPO_INSTRUCTIONS, _SKILL_CARDS, _LINT_REFLECTION). */
  agentMechanisms: AgentMechanisms;
  admin: AdminSettings;
}

/** The admin page's settings (README, "The admin page"). */
export interface AdminSettings {
  /** The GitHub App's OAuth client id and secret (the manifest flow writes both to .env). */
  clientId: string | undefined;
  clientSecret: string | undefined;
  /** The URL people open; the OAuth callback is `${publicUrl}/auth/github/callback`. Unset: the server's own. */
  publicUrl: string | undefined;
  /** Bearer token for scripts, the JSON API and /metrics; unset: no token access. */
  token: string | undefined;
  /** GitHub logins (lower case) that may pause the night, drain workers and reorder the queue. */
  operators: string[];
  retentionDays: number;
}

/** Why the environment cannot be used: one line per problem, each naming the variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const optionalText = z.string().optional();
const intIn = (min: number, max: number, what: string) =>
  z.coerce
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .min(min, { error: `expected ${what}` })
    .max(max, { error: `expected ${what}` });

const onOff = z
  .enum(["on", "off"], { error: 'expected "on" or "off"' })
  .default("on")
  .transform((v) => v === "on");

const schema = z.object({
  APP_ID: z
    .string()
    .regex(/^\d+$/, { error: "expected the numeric App ID from your GitHub App's settings page" })
    .optional(),
  PRIVATE_KEY: optionalText,
  PRIVATE_KEY_PATH: optionalText,
  WEBHOOK_SECRET: optionalText,
  WEBHOOK_PATH: z
    .string()
    .regex(/^\/\S*$/, { error: 'expected a URL path starting with "/", e.g. /api/github/webhooks' })
    .default("/api/github/webhooks"),
  HOST: z.string().min(1).default("localhost"),
  PORT: intIn(0, 65535, "a TCP port number from 0 to 65535").default(3000),
  GHE_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:\d+)?$/, {
      error:
        "expected a host name with an optional port, e.g. github.example.com or 127.0.0.1:8080 (no scheme, no path)",
    })
    .optional(),
  GHE_PROTOCOL: z.enum(["https", "http"], { error: 'expected "https" or "http"' }).default("https"),
  LOG_LEVEL: z
    .enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"], {
      error: "expected one of trace, debug, info, warn, error, fatal, silent",
    })
    .default("info"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, { error: "expected a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379" })
    .optional(),
  OLLAMA_HOST: z
    .string()
    .regex(/^https?:\/\/\S+$/, { error: "expected an http:// or https:// URL, e.g. http://127.0.0.1:11434" })
    .default("http://127.0.0.1:11434"),
  NIGHTSHIFT_LABEL: z
    .string()
    .trim()
    .min(1, { error: "expected a label name" })
    .max(50, { error: "expected a label name of at most 50 characters" })
    .default("agent-try"),
  NIGHTSHIFT_WINDOW: z.string().default("22:00-06:00"),
  NIGHTSHIFT_TZ: z
    .string()
    .refine(isValidZone, { error: "expected an IANA time zone such as Europe/Berlin or America/New_York" })
    .default(machineZone()),
  NIGHTSHIFT_MODEL: z
    .string()
    .trim()
    .min(1, { error: "expected an Ollama model name, e.g. qwen2.5-coder:7b" })
    .default("qwen2.5-coder:7b"),
  NIGHTSHIFT_MODEL_MODE: z
    .enum(["structured", "tools"], {
      error: 'expected "structured" (JSON-schema output) or "tools" (native tool calls)',
    })
    .default("structured"),
  NIGHTSHIFT_CONTEXT_TOKENS: intIn(2048, 1_048_576, "a context size in tokens from 2048 up").default(16_384),
  NIGHTSHIFT_KEEP_ALIVE: z
    .string()
    .regex(/^(-1|\d+(ms|s|m|h)?)$/, { error: 'expected an Ollama keep_alive such as "30m", "1h" or -1' })
    .default("30m"),
  NIGHTSHIFT_THINKING_BUDGET: intIn(64, 65_536, "a number of reasoning tokens from 64 to 65536").default(2048),
  NIGHTSHIFT_SANDBOX_IMAGE: z
    .string()
    .regex(/^[\w./:@-]+$/, { error: "expected a Docker image reference, e.g. nightshift-sandbox:bookworm" })
    .default("nightshift-sandbox:bookworm"),
  NIGHTSHIFT_SANDBOX_IMAGES_ALLOWED: z
    .string()
    .regex(/^[\w./:@, -]*$/, { error: "expected Docker image references separated by commas" })
    .default(""),
  NIGHTSHIFT_WORKSPACE_DISK_MB: intIn(0, 1_048_576, "a size in MiB (0 turns the limit off)").default(4096),
  NIGHTSHIFT_WORKSPACES: z.string().regex(/^\//, { error: "expected an absolute directory path" }).default(tmpdir()),
  NIGHTSHIFT_ENERGY_COMMAND: z
    .string()
    .trim()
    .min(1)
    .default("nvidia-smi --query-gpu=power.draw --format=csv,noheader,nounits"),
  NIGHTSHIFT_ENERGY_INTERVAL_MS: intIn(100, 600_000, "a sampling interval in milliseconds from 100 to 600000").default(
    5_000,
  ),
  NIGHTSHIFT_WINDOW_END: z
    .enum(["finish", "stop"], {
      error: 'expected "finish" (runs in flight finish) or "stop" (they stop and wait for the next window)',
    })
    .default("finish"),
  NIGHTSHIFT_LOCK_MS: intIn(2_000, 600_000, "a lock duration in milliseconds from 2000 to 600000").default(30_000),
  NIGHTSHIFT_STALL_RETRIES: intIn(0, 10, "a whole number of retries from 0 to 10").default(1),
  NIGHTSHIFT_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, { error: "expected letters, digits, _ or -" })
    .default("nightshift"),
  NIGHTSHIFT_DATA_DIR: z.string().min(1).default(".nightshift"),
  NIGHTSHIFT_GPU_SLOTS: intIn(1, 64, "a whole number of GPU slots from 1 to 64").default(1),
  NIGHTSHIFT_SETUP_CA_BUNDLE: z
    .string()
    .regex(/^\//, { error: "expected an absolute path to a PEM file of CA certificates" })
    .optional(),
  NIGHTSHIFT_PREPARE_AHEAD: intIn(0, 16, "a whole number of prepared workspaces from 0 to 16").default(1),
  NIGHTSHIFT_INTAKE_CONCURRENCY: intIn(1, 256, "a whole number from 1 to 256").default(8),
  // The admin page
  GITHUB_CLIENT_ID: optionalText,
  GITHUB_CLIENT_SECRET: optionalText,
  NIGHTSHIFT_PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^/\s]+$/, {
      error: "expected the page's origin, e.g. https://nightshift.example.com (no path)",
    })
    .optional(),
  NIGHTSHIFT_ADMIN_TOKEN: z
    .string()
    .min(32, { error: "expected at least 32 characters; generate one with `openssl rand -hex 32`" })
    .optional(),
  NIGHTSHIFT_OPERATORS: z
    .string()
    .regex(/^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*$/, { error: "expected GitHub logins separated by commas" })
    .optional(),
  NIGHTSHIFT_RETENTION_DAYS: intIn(1, 3650, "a number of days from 1 to 3650").default(90),
  // Agent mechanisms: "off" turns one off (to measure what it adds).
  NIGHTSHIFT_REPO_INSTRUCTIONS: onOff,
  NIGHTSHIFT_SKILL_CARDS: onOff,
  NIGHTSHIFT_LINT_REFLECTION: onOff,
});

function machineZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Empty strings count as unset, as in a `.env` file with `KEY=`. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
  );
}

/** Reads a PEM given inline (with literal "\n" or base64) or from PRIVATE_KEY_PATH; returns the PEM or a problem. */
function readPrivateKey(
  inline: string | undefined,
  path: string | undefined,
  readFile: (p: string) => string,
): { pem?: string; problem?: string } {
  let pem: string;
  let name = "PRIVATE_KEY";
  if (inline) {
    pem = inline.includes("-----BEGIN") ? inline.replace(/\\n/g, "\n") : Buffer.from(inline, "base64").toString("utf8");
  } else if (path) {
    name = "PRIVATE_KEY_PATH";
    try {
      pem = readFile(path);
    } catch (error) {
      return {
        problem:
          `PRIVATE_KEY_PATH: cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? "error"}); ` +
          `point it at the .pem file downloaded from your GitHub App's settings`,
      };
    }
  } else {
    return {};
  }
  try {
    createPrivateKey(pem);
    return { pem };
  } catch {
    return {
      problem:
        `${name}: not a valid PEM private key; use the .pem file GitHub generated for your App (inline ` +
        `with \\n for newlines, or base64)`,
    };
  }
}

export function loadEnvConfig(
  env: NodeJS.ProcessEnv = process.env,
  readFile = (p: string) => readFileSync(p, "utf8"),
): EnvConfig {
  const parsed = schema.safeParse(withoutEmpty(env));
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
  const raw = parsed.success ? parsed.data : undefined;
  const window = parseWindow(env.NIGHTSHIFT_WINDOW || "22:00-06:00");
  if (typeof window === "string") problems.push(`NIGHTSHIFT_WINDOW: ${window}`);
  const key = readPrivateKey(withoutEmpty(env).PRIVATE_KEY, withoutEmpty(env).PRIVATE_KEY_PATH, readFile);
  if (key.problem) problems.push(key.problem);
  if (raw?.APP_ID && !key.pem && !key.problem)
    problems.push(
      "PRIVATE_KEY: required when APP_ID is set; set PRIVATE_KEY (PEM or base64) or PRIVATE_KEY_PATH (path to the " +
        ".pem file)",
    );
  if (raw?.APP_ID && !raw.WEBHOOK_SECRET)
    problems.push(
      "WEBHOOK_SECRET: required when APP_ID is set; use the webhook secret from your GitHub App's settings",
    );
  if (problems.length > 0 || !raw || typeof window === "string") throw new ConfigError(problems);
  return {
    appId: raw.APP_ID ? Number(raw.APP_ID) : undefined,
    privateKey: key.pem,
    webhookSecret: raw.WEBHOOK_SECRET,
    webhookPath: raw.WEBHOOK_PATH,
    host: raw.HOST,
    port: raw.PORT,
    gheHost: raw.GHE_HOST,
    githubBaseUrl: raw.GHE_HOST ? `${raw.GHE_PROTOCOL}://${raw.GHE_HOST}/api/v3` : "https://api.github.com",
    logLevel: raw.LOG_LEVEL,
    redisUrl: raw.REDIS_URL,
    ollamaHost: raw.OLLAMA_HOST,
    label: raw.NIGHTSHIFT_LABEL,
    window,
    windowText: env.NIGHTSHIFT_WINDOW || "22:00-06:00",
    timeZone: raw.NIGHTSHIFT_TZ,
    model: raw.NIGHTSHIFT_MODEL,
    modelMode: raw.NIGHTSHIFT_MODEL_MODE,
    contextTokens: raw.NIGHTSHIFT_CONTEXT_TOKENS,
    keepAlive: raw.NIGHTSHIFT_KEEP_ALIVE,
    thinkingBudget: raw.NIGHTSHIFT_THINKING_BUDGET,
    sandboxImage: raw.NIGHTSHIFT_SANDBOX_IMAGE,
    sandboxImagesAllowed: raw.NIGHTSHIFT_SANDBOX_IMAGES_ALLOWED.split(/[\s,]+/).filter(Boolean),
    workspaceRoot: raw.NIGHTSHIFT_WORKSPACES,
    workspaceDiskMb: raw.NIGHTSHIFT_WORKSPACE_DISK_MB,
    energyCommand: raw.NIGHTSHIFT_ENERGY_COMMAND.split(/\s+/),
    energyIntervalMs: raw.NIGHTSHIFT_ENERGY_INTERVAL_MS,
    windowEnd: raw.NIGHTSHIFT_WINDOW_END,
    lockMs: raw.NIGHTSHIFT_LOCK_MS,
    stallRetries: raw.NIGHTSHIFT_STALL_RETRIES,
    redisPrefix: raw.NIGHTSHIFT_REDIS_PREFIX,
    dataDir: raw.NIGHTSHIFT_DATA_DIR,
    gpuSlots: raw.NIGHTSHIFT_GPU_SLOTS,
    prepareAhead: raw.NIGHTSHIFT_PREPARE_AHEAD,
    ...(raw.NIGHTSHIFT_SETUP_CA_BUNDLE ? { setupCaBundle: raw.NIGHTSHIFT_SETUP_CA_BUNDLE } : {}),
    intakeConcurrency: raw.NIGHTSHIFT_INTAKE_CONCURRENCY,
    admin: {
      clientId: raw.GITHUB_CLIENT_ID,
      clientSecret: raw.GITHUB_CLIENT_SECRET,
      publicUrl: raw.NIGHTSHIFT_PUBLIC_URL,
      token: raw.NIGHTSHIFT_ADMIN_TOKEN,
      operators: (raw.NIGHTSHIFT_OPERATORS ?? "")
        .split(",")
        .map((login) => login.trim().toLowerCase())
        .filter(Boolean),
      retentionDays: raw.NIGHTSHIFT_RETENTION_DAYS,
    },
    agentMechanisms: {
      repoInstructions: raw.NIGHTSHIFT_REPO_INSTRUCTIONS,
      skillCards: raw.NIGHTSHIFT_SKILL_CARDS,
      lintReflection: raw.NIGHTSHIFT_LINT_REFLECTION,
    },
  };
}

/** The settings a subcommand cannot run without, beyond what `loadEnvConfig` checks. */
export function requireFor(command: "server" | "worker" | "start", config: EnvConfig): void {
  const problems: string[] = [];
  if (command === "server" && !config.appId)
    problems.push(
      "APP_ID: required for `nightshift server`; register the App first (run `nightshift start` with no APP_ID " +
        "for the setup page)",
    );
  if (command === "worker" && (!config.appId || !config.privateKey))
    problems.push(
      "APP_ID: required for `nightshift worker` (with PRIVATE_KEY or PRIVATE_KEY_PATH): the worker clones, " +
        "comments and opens PRs as the App",
    );
  if (command !== "start" && !config.redisUrl)
    problems.push(
      `REDIS_URL: required for \`nightshift ${command}\`; e.g. redis://127.0.0.1:6379 (only \`nightshift start\` ` +
        `can run a private Redis)`,
    );
  if (problems.length > 0) throw new ConfigError(problems);
}
