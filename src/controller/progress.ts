import type { Detector, Progress } from "./detectors.js";
import type { Turn } from "./turns.js";

/**
 * The progress each turn showed: a file edited for the first time, content not seen before, a changed test result.
 * A search that found nothing shows no content: told apart from an error, it is still no progress, however new the
 * name it looked for (a model searching for names that are not there learns little from each answer).
 */
export function progressByTurn(turns: readonly Turn[]): { turn: number; kinds: Set<Progress> }[] {
  const edited = new Set<string>();
  const seen = new Set<string>();
  let lastFailing: number | undefined;
  return turns.map((turn) => {
    const kinds = new Set<Progress>();
    const obs = turn.observation;
    for (const path of turn.writes ?? [])
      if (!edited.has(path)) {
        edited.add(path);
        kinds.add("file");
      }
    if (obs?.tests) {
      const failing = obs.tests.passed ? 0 : (obs.tests.failed ?? 1);
      if (lastFailing !== undefined && failing !== lastFailing) kinds.add("tests");
      lastFailing = failing;
    } else if (obs && turn.resultShape && turn.step?.kind === "ok") {
      if (!seen.has(turn.resultShape)) kinds.add("content");
      seen.add(turn.resultShape);
    }
    return { turn: turn.turn, kinds };
  });
}

/**
 * The turn at which a nudge sent at `nudged` is forgotten: the `decay`-th later turn showing progress of a
 * kind the detector cares about. Undefined while it still holds.
 */
export function forgottenAt(
  progress: readonly { turn: number; kinds: Set<Progress> }[],
  nudged: number,
  detector: Pick<Detector, "decaysWith">,
  decay: number,
): number | undefined {
  if (!detector.decaysWith.length) return undefined;
  let n = 0;
  for (const p of progress) {
    if (p.turn <= nudged || !detector.decaysWith.some((k) => p.kinds.has(k))) continue;
    if (++n >= decay) return p.turn;
  }
  return undefined;
}
