/**
 * npm run bench:controller — replays every trace in test/fixtures/traces three ways: budget only (turn
 * and token caps), a StuckDetector-style baseline, and Nightshift's controller. Prints, per policy,
 * tokens and turns spent on failed traces, the share saved against budget only, resolved traces
 * stopped (false kills), and the median turns from flailing onset to stop.
 * Targets: ≥ 60% of failed traces' budget-only tokens saved, 0 false kills (a resolved trace stopped before its
 * fix), every trace that loops after its fix stopped after it (salvaged), median ≤ 3 turns, and better than the
 * baseline on every figure.
 * Then the same three policies on the real-run corpus's evaluation split (bench/controller-real-runs.ts),
 * when it has been built (NIGHTSHIFT_REAL_RUNS).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { replay } from "../src/controller/replay.js";
import { BUDGET, REAL_BUDGET, policiesWith } from "./controller-policies.js";
import type { Trace } from "../test/fixtures/traces/generate.js";
import { benchRealRuns, count } from "./controller-real-runs.js";

const dir = join(import.meta.dirname, "../test/fixtures/traces");
const traces: Trace[] = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Trace);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

const failed = traces.filter((t) => !t.resolved);
const resolved = traces.filter((t) => t.resolved);
const results = Object.entries(policiesWith(BUDGET)).map(([name, policy]) => {
  const onFailed = failed.map((t) => ({ trace: t, run: replay(t.events, policy) }));
  const onResolved = resolved.map((t) => ({ trace: t, run: replay(t.events, policy) }));
  // A resolved run stopped at or after the turn that put its fix in the worktree is salvaged (its diff goes to
  // verification); stopped before it, or with no fix turn, it is a false kill.
  const stopped = onResolved.filter((r) => r.run.stopped);
  const salvaged = stopped.filter((r) => r.trace.fixAtTurn !== undefined && r.run.turns >= r.trace.fixAtTurn);
  return {
    name,
    tokens: onFailed.reduce((n, r) => n + r.run.tokens, 0),
    turns: onFailed.reduce((n, r) => n + r.run.turns, 0),
    falseKills: stopped.filter((r) => !salvaged.includes(r)).map((r) => r.trace.name),
    salvaged: salvaged.length,
    detection: median(onFailed.map((r) => r.run.turns - r.trace.onset! + 1)),
    byMode: onFailed,
    environment: [...onFailed, ...onResolved].flatMap((r) =>
      r.run.stopped?.reason === "environment" ? [r.run.stopped.message] : [],
    ),
    environmentNudged: [...onFailed, ...onResolved].flatMap((r) =>
      r.run.stopped?.reason === "environment" ? [] : r.run.findings,
    ),
  };
});
const loopingAfterFix = resolved.filter((t) => t.fixAtTurn !== undefined).length;

const base = results[0]!;
console.log(
  `\nbench:controller — ${traces.length} traces (${failed.length} failed, ${resolved.length} resolved); budget ` +
    `${BUDGET.turns} turns / ${BUDGET.tokens} tokens\n`,
);
console.log(
  "policy                    failed-trace tokens   turns   saved vs budget   false kills   salvaged   " +
    "median turns onset→stop",
);
for (const r of results) {
  console.log(
    `${r.name.padEnd(25)} ${String(r.tokens).padStart(19)}   ${String(r.turns).padStart(5)}   ` +
      `${(((base.tokens - r.tokens) / base.tokens) * 100).toFixed(1).padStart(14)}%   ` +
      `${String(r.falseKills.length).padStart(11)}   ${`${r.salvaged}/${loopingAfterFix}`.padStart(8)}   ` +
      `${String(r.detection).padStart(23)}`,
  );
}
console.log(
  `  (salvaged: of the ${loopingAfterFix} resolved traces that loop after their fix until the budget, those stopped ` +
    "after the fix, whose diff goes to verification)",
);
const ours = results[2]!;
const baseline = results[1]!;
const onsetToStop = (r: { run: { turns: number }; trace: { onset?: number } }) => r.run.turns - r.trace.onset! + 1;
const stopReasonOf = (run: { stopped?: { reason: string } }) => run.stopped?.reason ?? "not stopped";
console.log("\nnightshift by failure mode (turns onset→stop, reason):");
for (const mode of [...new Set(failed.map((t) => t.mode))]) {
  const rows = ours.byMode.filter((r) => r.trace.mode === mode);
  console.log(`  ${mode.padEnd(20)} ${rows.map((r) => `${onsetToStop(r)} (${stopReasonOf(r.run)})`).join(", ")}`);
}
if (ours.falseKills.length) console.log(`false kills: ${ours.falseKills.join(", ")}`);
/** Prints how often each message came, under a title. */
const tally = (title: string, messages: string[]) => {
  const times = new Map<string, number>();
  for (const message of messages) count(times, message);
  console.log(title);
  for (const [message, n] of times) console.log(`  ${n} × ${message}`);
};
tally("nightshift environment outcomes (stops):", ours.environment);
tally("nightshift environment outcomes (told to the model, run went on):", ours.environmentNudged);
const saved = (base.tokens - ours.tokens) / base.tokens;
const checks = [
  [`≥ 60% of budget-only tokens saved (${(saved * 100).toFixed(1)}%)`, saved >= 0.6],
  ["0 false kills", ours.falseKills.length === 0],
  [
    `every resolved trace that loops after its fix stopped after it (${ours.salvaged}/${loopingAfterFix})`,
    ours.salvaged === loopingAfterFix,
  ],
  [`median detection ≤ 3 turns (${ours.detection})`, ours.detection <= 3],
  [
    "better than the baseline on tokens, turns and detection, and no more false kills",
    ours.tokens < baseline.tokens &&
      ours.turns < baseline.turns &&
      ours.detection < baseline.detection &&
      ours.falseKills.length <= baseline.falseKills.length,
  ],
] as const;
console.log("");
for (const [label, ok] of checks) console.log(`${ok ? "met    " : "NOT met"}  ${label}`);

benchRealRuns(policiesWith(REAL_BUDGET), REAL_BUDGET);
