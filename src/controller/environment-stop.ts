import type { Verdict } from "./controller.js";
import type { Turn } from "./turns.js";

/**
 * Stops a run whose sandbox lacks something no model can supply: when the repository's tests fail for that
 * reason, or the same missing thing keeps coming back (`repeats` turns; the commands of one toolchain, `javac`,
 * `mvn`, `java`, count as one). The message names what is missing and what the maintainer should change; it never
 * blames the model.
 */
export function environmentStop(turns: readonly Turn[], repeats: number): Verdict | undefined {
  const seen = new Map<string, { at: number[]; shown: Set<string> }>();
  for (const turn of turns) {
    const step = turn.step;
    if (step?.kind !== "environment") continue;
    const entry = seen.get(step.missing) ?? { at: [], shown: new Set<string>() };
    entry.at.push(turn.turn);
    if (step.shown) entry.shown.add(step.shown);
    seen.set(step.missing, entry);
    if (entry.at.length >= repeats) {
      const names = [...entry.shown].map((n) => `\`${n}\``).join(", ");
      return {
        kind: "stop",
        reason: "environment",
        message: environmentMessage(names ? `${step.missing} (${names} not found)` : step.missing, step.fix),
        evidence: entry.at,
      };
    }
  }
  return undefined;
}

export const environmentMessage = (missing: string, fix: string) =>
  `the sandbox lacks ${missing}; ${fix}. This is the environment, not the model`;
