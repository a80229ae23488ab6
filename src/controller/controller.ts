import type { AgentEvent, StopReason } from "../agent/events.js";
import { DEFAULT_THRESHOLDS, DETECTORS, type DetectorThresholds } from "./detectors.js";
import { environmentVerdict } from "./environment-verdict.js";
import { forgottenAt, progressByTurn } from "./progress.js";
import { asTheIssueReads } from "./reported-by-issue.js";
import { toTurns } from "./turns.js";

export interface Budget {
  turns: number;
  tokens: number;
  minutes: number;
  /** Only enforced when a meter reports energy. */
  energyWh?: number;
}

export interface ControllerConfig {
  budget: Budget;
  thresholds?: Partial<DetectorThresholds>;
  /** The issue's title and body: a missing module it reports is the bug, not the environment. */
  issueText?: string;
}

/** What the run has used that events do not carry. */
export interface Meters {
  elapsedMs: number;
  /** Undefined when no meter reports energy. */
  energyWh?: number;
}

export type Verdict =
  | { kind: "continue" }
  | {
      kind: "nudge";
      reason: StopReason;
      /** What the model is told. */
      message: string;
      evidence: number[];
      /** For the maintainer, when the nudge found something they must fix (the sandbox lacks a toolchain). */
      finding?: string;
    }
  | { kind: "stop"; reason: StopReason; message: string; evidence: number[] };

/**
 * The early-stop controller: pure, from the run's events, before every model call. Budgets stop at
 * once. Each flailing detector, and the environment check, first sends one corrective nudge; if its
 * pattern occurs again after that, the run stops with the detector's reason and the turns that showed it.
 */
export function decide(events: readonly AgentEvent[], config: ControllerConfig, meters: Meters): Verdict {
  const budget = config.budget;
  const turns = asTheIssueReads(toTurns(events), config.issueText);
  const tokens = turns.reduce((n, t) => n + t.tokens, 0);
  if (turns.length >= budget.turns) return stop("turn-budget", `used all ${budget.turns} turns`, []);
  if (tokens >= budget.tokens) return stop("token-budget", `used ${tokens} of ${budget.tokens} tokens`, []);
  if (meters.elapsedMs >= budget.minutes * 60_000)
    return stop("time-budget", `ran for ${Math.round(meters.elapsedMs / 60_000)} of ${budget.minutes} minutes`, []);
  if (budget.energyWh !== undefined && meters.energyWh !== undefined && meters.energyWh >= budget.energyWh)
    return stop("energy-budget", `used ${meters.energyWh.toFixed(1)} of ${budget.energyWh} Wh`, []);

  const thresholds = { ...DEFAULT_THRESHOLDS, ...config.thresholds };
  const progress = progressByTurn(turns);
  // The environment's nudge comes before any detector's: the model cannot fix what the sandbox lacks.
  const environment = environmentVerdict(
    turns,
    { repeats: thresholds.environmentRepeats, decay: thresholds.nudgeDecay },
    progress,
  );
  if (environment?.kind === "stop") return environment;
  const nudgedAt = new Map(turns.filter((t) => t.nudged).map((t) => [t.nudged!, t.turn]));
  let nudge: Verdict | undefined = environment;
  for (const detector of DETECTORS) {
    const nudged = nudgedAt.get(detector.reason);
    // A nudge is forgotten after enough progress of the kinds this detector cares about; then only what
    // happens after that point counts towards a new nudge.
    const forgotten = nudged === undefined ? undefined : forgottenAt(progress, nudged, detector, thresholds.nudgeDecay);
    const progressAt = detector.progressAt?.(turns) ?? 0;
    const after = forgotten ?? (nudged !== undefined && nudged <= progressAt ? nudged : 0);
    // Occurrences before the detector's last progress are answered (an edit after rereading) and never count.
    const all = detector.occurrences(turns, thresholds);
    const occurrences = all.filter((turn) => turn > Math.max(after, progressAt));
    const since = nudged !== undefined && after === 0 ? nudged : undefined;
    if (since !== undefined) {
      // What the nudge was about: the keys of the occurrences it answered (any occurrence, for unkeyed detectors).
      // Once more stops the run; so do `otherRepeats` repeats of other things (the model ignoring nudges at large).
      const keyAt = (turn: number) => detector.keyOf?.(turns.find((t) => t.turn === turn)!);
      const told = new Set(all.filter((turn) => turn <= since).map(keyAt));
      const again = occurrences.filter((turn) => turn > since && told.has(keyAt(turn)));
      const others = occurrences.filter((turn) => turn > since).length - again.length;
      if (again.length || others >= thresholds.otherRepeats)
        return stop(detector.reason, `${detector.reason} again after a nudge`, occurrences);
    } else if (!nudge && occurrences.length >= detector.threshold(thresholds)) {
      nudge = { kind: "nudge", reason: detector.reason, message: detector.nudge, evidence: occurrences };
    }
  }
  return nudge ?? { kind: "continue" };
}

function stop(reason: StopReason, message: string, evidence: number[]): Verdict {
  return { kind: "stop", reason, message, evidence };
}
