import { codeFence } from "../text/code-fence.js";
import { neutraliseOutput } from "../text/neutralise-output.js";
import { verificationSection } from "../verify/evidence-text.js";
import type { VerifyReport } from "../verify/verify.js";

/** GitHub refuses comments over 65,536 characters; the patch gets what the rest leaves. */
const MAX_PATCH_CHARS = 50_000;

/**
 * `outcome: comment`: the verified patch in the status comment, for a maintainer to apply
 * (`git apply`). The patch came from the model, so it is neutralised like any other model text:
 * the joiner it inserts after `@`, `#` and `http` is invisible but changes those bytes — the exact
 * patch is on the admin page's run page.
 */
export function patchCommentText(patch: string, verification: VerifyReport, testCommand: string): string {
  const cut = patch.length > MAX_PATCH_CHARS;
  return [
    "**Nightshift: verified patch** — the repository asks for a comment, not a PR (`outcome: comment`). It " +
      "passed independent verification; apply it with `git apply`.",
    "",
    ...verificationSection(verification, testCommand),
    "",
    codeFence(neutraliseOutput(patch.slice(0, MAX_PATCH_CHARS)), "diff"),
    ...(cut
      ? ["", `(cut at ${MAX_PATCH_CHARS.toLocaleString("en-US")} characters; the whole patch is on the run page)`]
      : []),
  ].join("\n");
}
