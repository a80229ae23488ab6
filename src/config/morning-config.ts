import { z } from "zod";

/**
 * The per-repository settings of the morning (spread into `.github/nightshift.yml`'s schema): what a
 * verified patch becomes, how many Nightshift PRs may be open, the report issue, and the review loop.
 */
export const morningConfigFields = {
  /** `draft-pr` (default): push and open a draft PR; `branch`: push the branch only; `comment`: the patch in a
   * comment. */
  outcome: z.enum(["draft-pr", "branch", "comment"]).default("draft-pr"),
  /** Open Nightshift PRs allowed at once; a verified patch over the limit is pushed as a branch only. */
  open_pr_limit: z.number().int().min(1).max(100).default(5),
  /** The morning report issue; `false` opts the repository out. */
  report: z.boolean().default(true),
  /** Follow-up runs (from review comments) per PR. */
  follow_up_limit: z.number().int().min(0).max(20).default(3),
  /** Also ask the CODEOWNERS of the touched files to review (the requester is always asked). */
  codeowners_review: z.boolean().default(false),
};
