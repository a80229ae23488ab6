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
  trigger: z.enum(["label", "retry"]),
  /** `/agent retry --now`: runs outside the window too. */
  immediate: z.boolean().default(false),
  requestedAt: z.iso.datetime(),
  plannedStart: z.iso.datetime(),
  config: repoConfigSchema,
});

export type RunJob = z.infer<typeof runJobSchema>;
