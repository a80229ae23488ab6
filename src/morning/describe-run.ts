import { neutraliseSentence } from "../text/neutralise-output.js";

/** What a run came to, in plain words, read from its run record (a Redis hash of strings). */
export interface RunWords {
  /** `pr`: a draft PR is open; `kept`: the verified patch is on a branch or in a comment; `no-pr`; `in-progress`. */
  kind: "pr" | "kept" | "no-pr" | "in-progress";
  /** One line for the status comment and the report. */
  headline: string;
  /** For runs without a PR: what would help next time. */
  help?: string;
}

const CLEARER_ISSUE = "a clearer issue (name the file, the expected behaviour and how to see the bug)";
const SETUP_FIX = "a setup fix (the `setup:` command or the image in `.github/nightshift.yml`)";
const MISSING_TEST = "a missing test (one that fails on the bug), or a `test:` command that covers it";

/** Why a stopped agent stopped → what would help. */
const HELP_FOR_STOP: Record<string, string> = {
  environment: SETUP_FIX,
  "tests-not-improving": MISSING_TEST,
  "time-budget": "a larger `budgets.minutes`, or a smaller issue",
  "turn-budget": "a larger `budgets.turns`, or a smaller issue",
  "token-budget": "a larger `budgets.tokens`, or a smaller issue",
};

export function describeRun(run: Record<string, string | undefined>): RunWords {
  const words = fromOutcome(run);
  // A run that found the sandbox lacking something (and was told to work without it) ended without a PR: the
  // setup is what would help, whatever the outcome's own advice.
  // The finding quotes what the sandbox printed (a command's or module's name): one line, no live mentions.
  return words.kind === "no-pr" && run.environment && run.outcome !== "stopped: aborted"
    ? { ...words, help: `${SETUP_FIX}: ${neutraliseSentence(run.environment, 400)}` }
    : words;
}

function fromOutcome(run: Record<string, string | undefined>): RunWords {
  const outcome = run.outcome ?? "";
  const pr = run.prNumber ? `#${run.prNumber}` : "its PR";
  const why = run.why ?? run.salvagedBecause ?? "";
  switch (outcome) {
    case "pr-opened":
      return { kind: "pr", headline: `draft PR ready — ${pr}, verified and green` };
    case "pr-updated":
      return { kind: "pr", headline: `draft PR updated — ${pr} has the new attempt, verified and green` };
    case "branch-pushed":
      return { kind: "kept", headline: `verified patch pushed to \`${run.branch ?? "its branch"}\` (no PR: ${why})` };
    case "patch-commented":
      return { kind: "kept", headline: "verified patch posted on the issue as a comment (repository setting)" };
    case "ci-failed":
    case "ci-timeout":
      return {
        kind: "no-pr",
        headline: "the patch passed Nightshift's verification but the repository's CI did not pass",
        help: "a look at the CI failure (the branch was deleted); a `test:` command closer to CI",
      };
    case "closed-by-person":
      return { kind: "no-pr", headline: "someone closed Nightshift's earlier PR; it will not open another" };
    case "branch-taken":
      return { kind: "no-pr", headline: "a person pushed to Nightshift's branch; it was left alone" };
    case "requester-lost-access":
    case "stopped: requester lost write access":
      return { kind: "no-pr", headline: "the requester no longer has write access", help: "a writer asking again" };
    case "setup-failed":
    case "disk-full":
    case "image-not-allowed":
      return { kind: "no-pr", headline: why || outcome, help: SETUP_FIX };
    case "no-change":
      return { kind: "no-pr", headline: "the agent finished without changing anything", help: CLEARER_ISSUE };
    case "patch-too-large":
      return { kind: "no-pr", headline: "the patch was larger than the limit", help: "a smaller issue" };
    case "verifying":
      if (run.verdict === "rejected") return rejected(run);
      return { kind: "in-progress", headline: "verifying the patch" };
  }
  if (outcome.startsWith("stopped: ")) {
    const reason = outcome.slice("stopped: ".length);
    if (reason === "aborted") return { kind: "no-pr", headline: "it was cancelled" };
    return {
      kind: "no-pr",
      headline: `the agent was stopped: ${why || reason}`,
      help: HELP_FOR_STOP[reason] ?? CLEARER_ISSUE,
    };
  }
  if (!outcome) return { kind: "in-progress", headline: run.infrastructure ? "waiting to be retried" : "running" };
  return { kind: "no-pr", headline: why || outcome, help: CLEARER_ISSUE };
}

function rejected(run: Record<string, string | undefined>): RunWords {
  let evidence: {
    stage?: string;
    rejections?: { rule?: string; path?: string; message?: string }[];
    reproduction?: unknown;
  } = {};
  try {
    evidence = JSON.parse(run.verifyEvidence ?? "{}") as typeof evidence;
  } catch {
    // an unreadable record says less, not nothing
  }
  const stage = evidence.stage ?? run.verifyStage ?? "tests";
  const rules = [...new Set((evidence.rejections ?? []).map((r) => r.rule).filter(Boolean))].slice(0, 3);
  const detail = rules.length > 0 ? ` (${rules.join(", ")})` : ` at the ${stage} stage`;
  return {
    kind: "no-pr",
    headline: `independent verification rejected the patch${detail}`,
    help: stage === "tamper" ? CLEARER_ISSUE : MISSING_TEST,
  };
}
