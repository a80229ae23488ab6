import { blankIds } from "./normalise.js";
import { inViewSinceEdit, type Turn } from "./turns.js";

/**
 * Whether a turn was wasted: a reply that was no action, a step that failed through the model's doing (not code it
 * ran to see what happens, unless that code said word for word what it said last time), or a step that asked what
 * it had asked within the last `recent` turns and got the same answer, with no edit since. Informative negatives,
 * environment and infrastructure failures are not the model's waste (the environment check has its own verdict).
 */
function wasted(turns: readonly Turn[], i: number, recent: number, ranCode: (t: Turn) => boolean): boolean {
  const turn = turns[i]!;
  if (turn.invalid) return true;
  if (!turn.shape) return false;
  const failed = turn.step?.kind === "model" && !turn.observation?.tests;
  if (failed && !ranCode(turn)) return true;
  return inViewSinceEdit(turns, i, recent).some(
    (earlier) =>
      earlier.shape === turn.shape &&
      (earlier.resultShape === turn.resultShape ||
        // Code run again with no edit between, failing with the same output (numbers kept: ids blanked).
        (failed && blankIds(earlier.observation?.text ?? "") === blankIds(turn.observation?.text ?? ""))),
  );
}

/**
 * The turns at which `min` of the last `window` turns were wasted (a repeat: within the last `recent` turns). After
 * each such turn the count starts afresh, so the next one needs a new window of mostly wasted turns (a nudge in
 * between gets its chance).
 */
export function denseWaste(
  turns: readonly Turn[],
  limits: { window: number; min: number; recent: number },
  ranCode: (t: Turn) => boolean,
): number[] {
  const flags = turns.map((_, i) => wasted(turns, i, limits.recent, ranCode));
  const found: number[] = [];
  let n = 0;
  let from = 0;
  for (let i = 0; i < turns.length; i++) {
    if (flags[i]) n++;
    if (i - limits.window >= from && flags[i - limits.window]) n--;
    if (n < limits.min) continue;
    found.push(turns[i]!.turn);
    from = i + 1;
    n = 0;
  }
  return found;
}
