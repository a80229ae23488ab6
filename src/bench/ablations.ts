import type { AgentTask } from "../agent/loop.js";
import { ABLATABLE_MECHANISMS } from "../agent/mechanisms.js";
import { DEFAULT_THRESHOLDS, type DetectorThresholds } from "../controller/detectors.js";

/** No run reaches these: the early-stop detectors never nudge or stop (budgets still apply). */
const UNREACHABLE = 1_000_000;
const CONTROLLER_OFF: DetectorThresholds = {
  repeatedAction: UNREACHABLE,
  repeatedError: UNREACHABLE,
  rereading: UNREACHABLE,
  malformedStreak: UNREACHABLE,
  errorStreak: UNREACHABLE,
  testsNotImproving: UNREACHABLE,
  noEditTurns: UNREACHABLE,
  noEditGrace: UNREACHABLE,
  degenerateReplies: UNREACHABLE,
  thinkingCuts: UNREACHABLE,
  repeatedEdits: UNREACHABLE,
  environmentRepeats: UNREACHABLE,
  nudgeDecay: DEFAULT_THRESHOLDS.nudgeDecay,
  recentTurns: DEFAULT_THRESHOLDS.recentTurns,
  otherRepeats: DEFAULT_THRESHOLDS.otherRepeats,
  flailingWasted: UNREACHABLE,
  flailingWindow: DEFAULT_THRESHOLDS.flailingWindow,
  scanTurns: UNREACHABLE,
  scanGrace: DEFAULT_THRESHOLDS.scanGrace,
};

/**
 * The mechanisms `nightshift bench --ablate` switches off one at a time, each as the change to the
 * agent task that disables it. Add a mechanism here and the bench ablates it.
 */
export const ABLATIONS: Record<string, { describe: string; apply: (task: AgentTask) => AgentTask }> = {
  repair: {
    describe: "reply repair off: only a clean JSON action counts",
    apply: (t) => ({ ...t, ablate: { ...t.ablate, repair: true } }),
  },
  controller: {
    describe: "flailing detectors off (budgets still stop the run)",
    apply: (t) => ({ ...t, thresholds: { ...t.thresholds, ...CONTROLLER_OFF } }),
  },
  "write-guard": {
    describe: "create_file may overwrite existing files",
    apply: (t) => ({ ...t, ablate: { ...t.ablate, writeGuard: true } }),
  },
  "second-attempt": {
    describe: "no second attempt after failing tests",
    apply: (t) => ({ ...t, ablate: { ...t.ablate, secondAttempt: true } }),
  },
  localisation: {
    describe: "no localisation: the model starts from the issue alone",
    apply: (t) => ({ ...t, ablate: { ...t.ablate, localisation: true } }),
  },
  // The agent's switchable mechanisms (repository instructions, skill cards, lint reflection).
  ...Object.fromEntries(
    ABLATABLE_MECHANISMS.map((m) => [
      m.name,
      {
        describe: `${m.name} off: ${m.description}`,
        apply: (t: AgentTask) => ({ ...t, mechanisms: { ...t.mechanisms, [m.option]: false } }),
      },
    ]),
  ),
};

export const ABLATION_NAMES = Object.keys(ABLATIONS);
