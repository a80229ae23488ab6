import type { Verdict } from "./controller.js";
import type { Progress } from "./detectors.js";
import type { Turn } from "./turns.js";

/**
 * A run whose sandbox lacks something no model can supply (a command or toolchain, a module, network, disk; the
 * commands of one toolchain, `javac`, `mvn`, `java`, count as one). When one missing thing has come back `repeats`
 * times, the model is told what is missing and to work without it — a model that tried `javac` before reading
 * the code can still make the fix. If after that the model hits a missing thing again (one seen `repeats` times),
 * the run stops as `environment`, with a message for the maintainer that names what is missing and what to change;
 * it never blames the model. The finding also rides on the nudge (`finding`) so a run that goes on to succeed
 * still tells the maintainer. (A missing module the issue itself reports is the bug being fixed: `asTheIssueReads`
 * has made those steps the model's before they reach this.)
 *
 * A model that read on without hitting the environment for `decay` turns of progress (a new file touched, content
 * not seen before: `progress`, by turn) has done as told; what it hit before, and the nudge, are forgotten. Trying
 * the toolchain once more after reading the code, to build a reproduction, is then no sign of being stuck on it;
 * trying it `repeats` times more is, and is told again.
 */
export function environmentVerdict(
  turns: readonly Turn[],
  { repeats, decay }: { repeats: number; decay: number },
  progress: readonly { kinds: ReadonlySet<Progress> }[],
): Verdict | undefined {
  let nudgedAt: number | undefined;
  let seen = new Map<string, { at: number[]; shown: Set<string>; fix: string }>();
  /** The first missing thing seen `repeats` times: what a nudge names. */
  let first: string | undefined;
  /** Turns of progress since the environment was last hit. */
  let quiet = 0;
  for (const [i, turn] of turns.entries()) {
    const step = turn.step;
    if (step?.kind !== "environment") {
      if (progress[i]?.kinds.has("file") || progress[i]?.kinds.has("content")) quiet++;
      if (quiet >= decay) {
        seen = new Map();
        first = nudgedAt = undefined;
        quiet = 0;
      }
    } else {
      quiet = 0;
      const entry = seen.get(step.missing) ?? { at: [], shown: new Set<string>(), fix: step.fix };
      entry.at.push(turn.turn);
      if (step.shown) entry.shown.add(step.shown);
      seen.set(step.missing, entry);
      if (entry.at.length >= repeats) {
        first ??= step.missing;
        if (nudgedAt !== undefined)
          return {
            kind: "stop",
            reason: "environment",
            message: environmentMessage(step.missing, step.fix, [...entry.shown]),
            evidence: entry.at,
          };
      }
    }
    // The nudge came after this turn (the verdict before the next one): only later turns are after it.
    if (turn.nudged === "environment") nudgedAt = turn.turn;
  }
  if (nudgedAt !== undefined || first === undefined) return undefined;
  const { at, shown, fix } = seen.get(first)!;
  return {
    kind: "nudge",
    reason: "environment",
    message:
      `The sandbox lacks ${first}${notFound([...shown])}, and nothing can be installed: there is no network. ` +
      "Do not try it again. Make the change from reading the code, check it with the commands that do work " +
      "(the repository's test command among them), then finish.",
    evidence: at,
    finding: environmentMessage(first, fix, [...shown]),
  };
}

/** What the maintainer reads: what is missing (with the commands found missing, for a toolchain) and what to change. */
export function environmentMessage(missing: string, fix: string, shown: readonly string[] = []): string {
  return `the sandbox lacks ${missing}${notFound(shown)}; ${fix}. This is the environment, not the model`;
}

/** ` (`mvn`, `javac` not found)` for the commands a toolchain was missed by, or nothing. */
const notFound = (shown: readonly string[]) =>
  shown.length ? ` (${shown.map((n) => `\`${n}\``).join(", ")} not found)` : "";
