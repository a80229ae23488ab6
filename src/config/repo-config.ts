import { z } from "zod";
import { morningConfigFields } from "./morning-config.js";
import { tamperConfigSchema } from "../verify/tamper-guard.js";

/** The file a repository uses to configure Nightshift, read from its default branch. */
export const REPO_CONFIG_FILE = "nightshift.yml";
export const REPO_CONFIG_PATH = `.github/${REPO_CONFIG_FILE}`;

const command = z
  .string()
  .trim()
  .min(1, { error: "must be a non-empty shell command" })
  .max(2000, { error: "must be at most 2000 characters" });

export const repoConfigSchema = z
  .object({
    /** Installs dependencies; runs in the setup sandbox with network and no secrets. */
    setup: command.optional(),
    /** Runs the repository's tests; required, since nothing is trusted without it. */
    test: command,
    /** Sandbox image; defaults to the worker's configured image. */
    image: z
      .string()
      .regex(/^[\w./:@-]+$/, { error: "must be a Docker image reference such as nightshift-sandbox:bookworm" })
      .optional(),
    budgets: z
      .object({
        turns: z.number().int().min(1).max(500).default(40),
        tokens: z.number().int().min(1000).max(10_000_000).default(300_000),
        minutes: z
          .number()
          .min(1)
          .max(24 * 60)
          .default(45),
        energy_wh: z.number().positive().optional(),
      })
      .strict()
      .prefault({}),
    /** Globs the agent may not touch; a patch touching one is rejected. */
    protected_paths: z.array(z.string().min(1)).max(200).default([]),
    /** Which CI must pass before a draft PR: GitHub's checks, the local verification, or both. */
    ci: z.enum(["github", "local", "both"]).default("both"),
    ci_timeout_minutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(60),
    /** The tamper guard's per-repository settings (rules switched off, extra test globs, patch size). */
    tamper: tamperConfigSchema,
    /** `false`: a patch may become a PR without a test that fails on the base and passes with it (shown in the PR). */
    require_reproduction: z.boolean().optional(),
    /** Where the test command writes JUnit XML, relative to the repository root (when not pytest/unittest/TAP). */
    test_report: z
      .string()
      .regex(/^(?!\/)(?!.*\.\.)[\w./-]+$/, { error: "must be a relative path" })
      .optional(),
    ...morningConfigFields,
  })
  .strict();

export type RepoConfig = z.infer<typeof repoConfigSchema>;

export const REPO_CONFIG_EXAMPLE = `# ${REPO_CONFIG_PATH}
setup: npm ci          # optional; runs with network, before the model acts
test: npm test         # required; the command that decides whether a patch works
image: nightshift-sandbox:node  # the toolchain image (node, python, go, rust, java)
budgets:
  turns: 40
  tokens: 300000
  minutes: 45
protected_paths: ["migrations/**"]
ci: both               # github | local | both`;

/** A repository's config could not be used; `problems` are quoted back to the maintainer. */
export class RepoConfigError extends Error {
  constructor(
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`${REPO_CONFIG_PATH} is invalid: ${problems.join("; ")}`, options);
    this.name = "RepoConfigError";
  }
}

/** Validates the parsed YAML (null when the file is absent) and returns the config or throws RepoConfigError. */
export function parseRepoConfig(raw: unknown): RepoConfig {
  if (raw === null || raw === undefined) {
    throw new RepoConfigError([
      `\`${REPO_CONFIG_PATH}\` was not found on the default branch; add it with at least a \`test:\` command`,
    ]);
  }
  const result = repoConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new RepoConfigError(
    result.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
      const keys = issue.code === "unrecognized_keys" ? ` (${issue.keys.join(", ")})` : "";
      return `\`${path}\`: ${issue.message}${keys}`;
    }),
  );
}

/** The comment text that tells a maintainer what is wrong and how to fix it. */
export function repoConfigErrorMarkdown(error: RepoConfigError): string {
  return [
    `Nightshift cannot take this issue: \`${REPO_CONFIG_PATH}\` on the default branch has a problem.`,
    "",
    ...error.problems.map((p) => `- ${p}`),
    "",
    "Fix the file on the default branch, then comment `/agent retry`. A valid file looks like this:",
    "",
    "```yaml",
    REPO_CONFIG_EXAMPLE,
    "```",
  ].join("\n");
}
