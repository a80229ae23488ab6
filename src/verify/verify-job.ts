import { z } from "zod";
import { repoConfigSchema } from "../config/repo-config.js";

/** Everything verification and publication need, carried by the job so a restarted worker can resume. */
export const verifyJobSchema = z.object({
  runId: z.string().min(1),
  owner: z.string().min(1),
  repo: z.string().min(1),
  installationId: z.number().int().positive(),
  issueNumber: z.number().int().positive(),
  issueTitle: z.string(),
  requester: z.string().min(1),
  defaultBranch: z.string().min(1),
  baseSha: z.string().regex(/^[0-9a-f]{40}$/),
  patch: z.string(),
  config: repoConfigSchema,
  run: z.object({
    summary: z.string(),
    turns: z.number(),
    tokens: z.number(),
    durationMs: z.number(),
    energyWh: z.number().optional(),
    stopReason: z.string(),
    /** Set when the agent was stopped and its diff was salvaged for verification: why it was stopped. */
    salvaged: z.string().optional(),
    /** What the sandbox lacks, when the controller found it during the run (the maintainer's to fix). */
    environment: z.string().optional(),
  }),
  /** A follow-up run from a review: the PR it updates and who asked. */
  followUp: z.object({ pr: z.number().int().positive(), reviewer: z.string() }).optional(),
});

export type VerifyJob = z.infer<typeof verifyJobSchema>;

export const STAGE_QUEUES = { verify: "verify", publish: "publish" } as const;

/** BullMQ job ids may not contain ":"; a run id does not, but keep it explicit. */
export const stageJobId = (stage: keyof typeof STAGE_QUEUES, runId: string) => `${stage}/${runId}`.replace(/:/g, "_");
