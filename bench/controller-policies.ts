/**
 * The three policies bench:controller compares, on the synthetic and the real-run corpus alike: budget only,
 * a StuckDetector-style baseline (with the same budgets) and Nightshift's controller (with the same budgets).
 */
import { decide, type Budget } from "../src/controller/controller.js";
import type { DetectorThresholds } from "../src/controller/detectors.js";
import { elapsedMs, type Policy } from "../src/controller/replay.js";
import { toTurns } from "../src/controller/turns.js";

/** The synthetic corpus's budget (its traces are at most 40 turns long). */
export const BUDGET: Budget = { turns: 40, tokens: 400_000, minutes: 90 };
/**
 * The real-run corpus's budget, chosen on its tune split only: the smallest round turn and token caps under which
 * no resolved tune run is stopped before its fix was in the worktree (latest fix: turn 89; 3,021,611 tokens).
 * Real runs of strong models with growing prompts are long; a 40-turn / 400k-token cap cut 41 resolved tune runs
 * before their fix.
 */
export const REAL_BUDGET: Budget = { turns: 90, tokens: 3_100_000, minutes: 24 * 60 };
/** Thresholds no run reaches: the controller with only its budgets. */
const OFF = {
  errorStreak: 1e9,
  repeatedAction: 1e9,
  repeatedError: 1e9,
  rereading: 1e9,
  malformedStreak: 1e9,
  testsNotImproving: 1e9,
  noEditTurns: 1e9,
  degenerateReplies: 1e9,
  thinkingCuts: 1e9,
  repeatedEdits: 1e9,
  environmentRepeats: 1e9,
};

const BUDGET_REASONS = new Set(["turn-budget", "token-budget", "time-budget", "energy-budget"]);
/** Only the budgets: any other verdict is ignored. */
export const budgetOnlyWith =
  (budget: Budget): Policy =>
  (history) => {
    const verdict = decide(history, { budget, thresholds: OFF }, { elapsedMs: elapsedMs(history) });
    return verdict.kind === "stop" && BUDGET_REASONS.has(verdict.reason) ? verdict : { kind: "continue" };
  };

/**
 * StuckDetector-style: 4 identical action+observation pairs, 3 identical erroring actions, or a 6-step A/B alternation.
 */
export const stuckDetectorWith = (budget: Budget): Policy => {
  const budgetOnly = budgetOnlyWith(budget);
  return (history) => stuck(history, budgetOnly);
};

function stuck(history: Parameters<Policy>[0], budgetOnly: Policy): ReturnType<Policy> {
  const budget = budgetOnly(history);
  if (budget.kind === "stop") return budget;
  const steps = toTurns(history).filter((t) => t.signature);
  const pair = (i: number) => `${steps[i]!.signature}=>${steps[i]!.observation?.text}`;
  const last = steps.length - 1;
  if (last >= 3 && [1, 2, 3].every((k) => pair(last - k) === pair(last)))
    return { kind: "stop", reason: "repeated-action", message: "4 identical", evidence: [] };
  if (
    last >= 2 &&
    [0, 1, 2].every(
      (k) => steps[last - k]!.observation?.isError && steps[last - k]!.signature === steps[last]!.signature,
    )
  )
    return { kind: "stop", reason: "repeated-error", message: "3 identical errors", evidence: [] };
  if (last >= 5) {
    const [a, b] = [steps[last]!.signature, steps[last - 1]!.signature];
    if (
      a !== b &&
      [0, 2, 4].every((k) => steps[last - k]!.signature === a) &&
      [1, 3, 5].every((k) => steps[last - k]!.signature === b)
    )
      return { kind: "stop", reason: "alternation", message: "A/B x3", evidence: [] };
  }
  return { kind: "continue" };
}

export const nightshiftWith =
  (budget: Budget, thresholds?: Partial<DetectorThresholds>): Policy =>
  (history, run) =>
    decide(history, { budget, thresholds, issueText: run?.issueText }, { elapsedMs: elapsedMs(history) });

/** The three policies with one budget, in the order the bench prints them. */
export const policiesWith = (budget: Budget): Record<string, Policy> => ({
  "budget only": budgetOnlyWith(budget),
  "StuckDetector baseline": stuckDetectorWith(budget),
  nightshift: nightshiftWith(budget),
});
