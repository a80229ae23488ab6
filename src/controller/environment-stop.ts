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
    if (entry.at.length >= repeats)
      return {
        kind: "stop",
        reason: "environment",
        message: environmentMessage(step.missing, step.fix, [...entry.shown]),
        evidence: entry.at,
      };
  }
  return undefined;
}

/** What the maintainer reads: what is missing (with the commands found missing, for a toolchain) and what to change. */
export function environmentMessage(missing: string, fix: string, shown: readonly string[] = []): string {
  const names = shown.length ? ` (${shown.map((n) => `\`${n}\``).join(", ")} not found)` : "";
  return `the sandbox lacks ${missing}${names}; ${fix}. This is the environment, not the model`;
}
