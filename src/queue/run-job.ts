import { z } from "zod";
import { repoConfigSchema } from "../config/repo-config.js";

/** What a queued run carries: enough to start the night's work without asking GitHub what was meant. */
export const runJobSchema = z.object({
  owner: z.string().min(1),
  repo: z.string().min(1),
  installationId: z.number().int().positive(),
  issueNumber: z.number().int().positive(),
  issueTitle: z.string().max(256),
  requester: z.string().min(1),
  defaultBranch: z.string().min(1),
  baseSha: z.string().regex(/^[0-9a-f]{40}$/),
  trigger: z.enum(["label", "retry", "review"]),
  /** `/agent retry --now`: runs outside the window too. */
  immediate: z.boolean().default(false),
  requestedAt: z.iso.datetime(),
  plannedStart: z.iso.datetime(),
  config: repoConfigSchema,
  /** A follow-up run from a review of Nightshift's PR: start from the PR's head with the review as the task. */
  followUp: z
    .object({
      pr: z.number().int().positive(),
      reviewer: z.string().min(1),
      /** The PR branch's head when the review came; the agent starts there. */
      headSha: z.string().regex(/^[0-9a-f]{40}$/),
      /** The review comments, sanitised like issue text. */
      feedback: z.string().max(8000),
    })
    .optional(),
});

export type RunJob = z.infer<typeof runJobSchema>;
