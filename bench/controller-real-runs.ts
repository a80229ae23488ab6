/**
 * The real-run half of bench:controller: replays recorded runs of the evaluation split under each policy
 * and measures what matters on real runs: tokens of unresolved runs saved, resolved runs whose fix would
 * be lost (stopped before the fix was written; a stop at or after it hands the diff to verification),
 * resolved runs nudged, stops per reason and the environment outcomes found.
 */
import type { Budget } from "../src/controller/controller.js";
import { replay, type Policy, type Replay } from "../src/controller/replay.js";
import { toTurns } from "../src/controller/turns.js";
import { fromTunedSource, loadRealRuns, realRunsDir, splitOf, SPLIT_RULE, type RealRun } from "./traces/real-runs.js";

export interface RealRunFigures {
  name: string;
  unresolvedTokens: number;
  recordedUnresolvedTokens: number;
  resolved: number;
  resolvedStopped: number;
  /** Stopped at or after the turn by which the fix was in the worktree: the diff goes to verification. */
  resolvedSalvaged: number;
  /** Stopped before the fix was in the worktree (or with that turn unknown): a lost fix. */
  resolvedLost: string[];
  /** Of the lost, those whose fix turn is only the run's end (an upper bound: fixAtTurnBasis end-of-run). */
  resolvedLostAtEndOfRun: number;
  /** Resolved runs that got at least one nudge; of them, how many the policy later stopped. */
  resolvedNudged: number;
  resolvedNudgedThenStopped: number;
  stops: Map<string, number>;
  resolvedStops: Map<string, number>;
  lostStops: Map<string, number>;
  environment: Map<string, number>;
  /** Environment findings told to the model by a nudge, in runs that were not stopped for them. */
  environmentNudged: Map<string, number>;
  /** Unresolved runs by how the recorded run ended (endingOf): runs, tokens recorded, tokens left after the policy. */
  endings: Map<Ending, { runs: number; recorded: number; kept: number }>;
}

type Ending = "submitted a patch" | "ended by its framework (cost, context or step limit, error)";
/**
 * How a recorded run ended: its agent submitted (the framework's own finish), or the framework ended it. A run that
 * submitted a wrong patch looks like a resolved one to any loop detector; the others mostly ran into a limit.
 */
export function endingOf(run: RealRun): Ending {
  const finish = run.events.filter((e) => e.type === "finish").at(-1);
  return finish?.type === "finish" && finish.reason === "finished"
    ? "submitted a patch"
    : "ended by its framework (cost, context or step limit, error)";
}

export const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const tokensOf = (run: RealRun) =>
  run.events.reduce((n, e) => n + (e.type === "model_reply" ? e.promptTokens + e.completionTokens : 0), 0);

/** A resolved run's fix survives a stop when the stop came at or after the turn that wrote it. */
export function fixLost(run: RealRun, result: Pick<Replay, "turns" | "stopped">): boolean {
  if (!result.stopped) return false;
  const at = run.meta.fixAtTurn;
  return at === undefined || at === null || result.turns < at;
}

export function measure(
  name: string,
  runs: RealRun[],
  policy: Policy,
  /** Replays already made under this policy, by run id (the per-source table reuses the whole split's). */
  replays = new Map<string, Replay>(),
): RealRunFigures {
  const f: RealRunFigures = {
    name,
    unresolvedTokens: 0,
    recordedUnresolvedTokens: 0,
    resolved: 0,
    resolvedStopped: 0,
    resolvedSalvaged: 0,
    resolvedLost: [],
    resolvedLostAtEndOfRun: 0,
    resolvedNudged: 0,
    resolvedNudgedThenStopped: 0,
    stops: new Map(),
    resolvedStops: new Map(),
    lostStops: new Map(),
    environment: new Map(),
    environmentNudged: new Map(),
    endings: new Map(),
  };
  for (const run of runs) {
    const result = replays.get(run.meta.id) ?? replay(run.events, policy, { issueText: run.meta.issueText });
    replays.set(run.meta.id, result);
    if (result.stopped) {
      count(f.stops, result.stopped.reason);
      if (result.stopped.reason === "environment") count(f.environment, result.stopped.message);
    }
    if (result.stopped?.reason !== "environment")
      for (const found of result.findings) count(f.environmentNudged, found);
    if (!run.meta.resolved) {
      const recorded = tokensOf(run);
      f.unresolvedTokens += result.tokens;
      f.recordedUnresolvedTokens += recorded;
      const ending = endingOf(run);
      const sum = f.endings.get(ending) ?? { runs: 0, recorded: 0, kept: 0 };
      f.endings.set(ending, { runs: sum.runs + 1, recorded: sum.recorded + recorded, kept: sum.kept + result.tokens });
      continue;
    }
    f.resolved++;
    if (result.nudges.length) {
      f.resolvedNudged++;
      if (result.stopped) f.resolvedNudgedThenStopped++;
    }
    if (!result.stopped) continue;
    f.resolvedStopped++;
    count(f.resolvedStops, result.stopped.reason);
    if (fixLost(run, result)) {
      f.resolvedLost.push(run.meta.id);
      count(f.lostStops, result.stopped.reason);
      if (run.meta.fixAtTurnBasis === "end-of-run") f.resolvedLostAtEndOfRun++;
    } else f.resolvedSalvaged++;
  }
  return f;
}

/** A share as a percentage; "n/a" where there is nothing to share (a source with no unresolved run). */
const pct = (x: number) => (Number.isNaN(x) ? "n/a" : `${(x * 100).toFixed(1)}%`);
const saved = (f: RealRunFigures) =>
  f.recordedUnresolvedTokens ? 1 - f.unresolvedTokens / f.recordedUnresolvedTokens : Number.NaN;

/**
 * Which runs to report: the eval half unless NIGHTSHIFT_REAL_SPLIT says `tune` (for tuning; never the reported
 * figure) or `all` (every run: for a corpus nothing here was tuned on, such as a held-out set converted with
 * bench/traces/convert-real-runs.ts). A corpus none of whose runs comes from a source tuned on (`tuned` false) is
 * held out as a whole: all of it is reported unless NIGHTSHIFT_REAL_SPLIT says otherwise.
 */
export function reportedSplit(env: NodeJS.ProcessEnv, tuned = true): "tune" | "eval" | "all" {
  const split = env.NIGHTSHIFT_REAL_SPLIT ?? (tuned ? "eval" : "all");
  if (split !== "tune" && split !== "eval" && split !== "all")
    throw new Error(`NIGHTSHIFT_REAL_SPLIT must be "tune", "eval" or "all", not ${JSON.stringify(split)}`);
  return split;
}

/** Prints the real-run figures side by side, or how to build the corpus when it is absent. */
export function benchRealRuns(policies: Record<string, Policy>, budget: Budget, env = process.env): void {
  const dir = realRunsDir(env);
  if (!dir) {
    console.log(
      "\nreal-run corpus: not found, so only the synthetic corpus ran. Build it with " +
        "`bench/traces/prepare-real-runs.sh <auto-code-rover> <mini-swe-agent> <moatless-tools> <out>` from clones " +
        "of the sources in bench/traces/real-runs-manifest.json, then NIGHTSHIFT_REAL_RUNS=<out>.",
    );
    return;
  }
  const all = loadRealRuns(dir);
  const tuned = all.some((r) => fromTunedSource(r.meta));
  const split = reportedSplit(env, tuned);
  const runs = all.filter((r) => split === "all" || splitOf(r.meta.instance) === split);
  const unresolved = runs.filter((r) => !r.meta.resolved).length;
  const endOfRun = runs.filter((r) => r.meta.resolved && r.meta.fixAtTurnBasis !== "evidence").length;
  console.log(
    `\nreal-run corpus (${dir}): ${all.length} recorded runs; reporting on ` +
      `${split === "all" ? "ALL of them" : `the ${split.toUpperCase()} split only`} — ` +
      `${runs.length} runs (${unresolved} unresolved, ${runs.length - unresolved} resolved; ${endOfRun} resolved ` +
      `with no evidence of their fix turn, taken as their last turn). Split ${SPLIT_RULE}. ` +
      (tuned
        ? "Budget and tuned thresholds were chosen on the tune split. "
        : "None of these runs comes from a source the budget and thresholds were tuned on " +
          "(bench/traces/real-runs-manifest.json): the whole corpus is held out. ") +
      `Budget ${budget.turns} turns / ${budget.tokens} tokens for every policy.` +
      (split === "tune" ? " THIS IS THE TUNE SPLIT: for tuning, not a result." : ""),
  );
  const replays = new Map(Object.keys(policies).map((name) => [name, new Map<string, Replay>()]));
  const figures = Object.entries(policies).map(([name, policy]) => measure(name, runs, policy, replays.get(name)));
  const cols = [
    ["unresolved tokens saved", (f: RealRunFigures) => pct(saved(f))],
    ["resolved stopped", (f: RealRunFigures) => String(f.resolvedStopped)],
    ["stopped, fix salvaged", (f: RealRunFigures) => String(f.resolvedSalvaged)],
    ["stopped, fix lost", (f: RealRunFigures) => String(f.resolvedLost.length)],
    ["resolved nudged (then stopped)", (f: RealRunFigures) => `${f.resolvedNudged} (${f.resolvedNudgedThenStopped})`],
  ] as const;
  console.log(`\n${"policy".padEnd(25)}${cols.map(([h]) => `   ${h}`).join("")}`);
  for (const f of figures)
    console.log(`${f.name.padEnd(25)}${cols.map(([h, v]) => `   ${v(f).padStart(h.length)}`).join("")}`);
  console.log(
    "  (saved: against the tokens the recorded runs used; fix salvaged: stopped at or after the turn by which " +
      "the final patch's lines were in the worktree, so the diff goes to verification; fix lost: stopped before " +
      "that turn)",
  );
  console.log(`\nper source (framework | model): unresolved tokens saved / fixes lost, per policy`);
  const sources = new Map<string, RealRun[]>();
  for (const r of runs) {
    const key = `${r.meta.framework} | ${r.meta.model}`;
    sources.set(key, [...(sources.get(key) ?? []), r]);
  }
  /** One group's line: each policy's share saved and fixes lost, from the replays already made. */
  const groupLine = (label: string, group: RealRun[]) => {
    const cells = Object.entries(policies).map(([name, policy]) => {
      const f = measure(name, group, policy, replays.get(name));
      return `${name} ${pct(saved(f))} / ${f.resolvedLost.length}`;
    });
    const resolved = group.filter((r) => r.meta.resolved).length;
    console.log(`  ${label} (${group.length} runs, ${resolved} resolved): ${cells.join("; ")}`);
  };
  for (const [source, group] of sources) groupLine(source, group);
  const small = runs.filter((r) => (r.meta.modelSizeB ?? Infinity) <= 35);
  if (small.length) groupLine("small models (≤ 35B parameters) together", small);
  console.log(
    "\nwhat a turn cap alone would do on this split (no detector; a stop at or after the fix salvages it): " +
      turnCaps(runs, [10, 20, 30, 45, 60])
        .map(({ cap, saved: s, lost }) => `${cap} turns ${pct(s)} saved / ${lost} lost`)
        .join("; "),
  );
  console.log(
    "\nunresolved runs by how the recorded run ended (share of their tokens; saved per policy): " +
      [...(figures[0]?.endings.keys() ?? [])]
        .map((ending) => {
          const all = figures[0]!.recordedUnresolvedTokens;
          const first = figures[0]!.endings.get(ending)!;
          const cells = figures.map((f) => {
            const e = f.endings.get(ending)!;
            return `${f.name} ${pct(1 - e.kept / e.recorded)}`;
          });
          return `${ending}: ${first.runs} runs, ${pct(first.recorded / all)} of tokens — ${cells.join(", ")}`;
        })
        .join("; "),
  );
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "none";
  for (const f of figures) {
    console.log(`\n${f.name}: stops per reason — ${list(f.stops)}`);
    console.log(`  on resolved runs — ${list(f.resolvedStops)}`);
    console.log(
      `  fix lost — ${list(f.lostStops)}` +
        (f.resolvedLostAtEndOfRun ? ` (${f.resolvedLostAtEndOfRun} of them with the fix turn only bounded)` : ""),
    );
    console.log(`  environment outcomes (stops) — ${list(f.environment)}`);
    console.log(`  environment outcomes (told to the model, run went on) — ${list(f.environmentNudged)}`);
  }
  const findings = environmentFindings(runs);
  console.log(
    `\nenvironment problems seen in the ${split} runs' steps (runs that hit each at least once): ` +
      ([...findings]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ") || "none"),
  );
  console.log("");
  for (const f of figures.filter((x) => x.name.startsWith("nightshift"))) {
    for (const [label, ok] of [
      [`${f.name}: ≥ 60% of unresolved-run tokens saved on real runs (${pct(saved(f))})`, saved(f) >= 0.6],
      [
        `${f.name}: 0 resolved runs stopped without their fix salvaged (${f.resolvedLost.length})`,
        !f.resolvedLost.length,
      ],
    ] as const)
      console.log(`${ok ? "met    " : "NOT met"}  ${label}`);
    if (f.resolvedLost.length) console.log(`  lost: ${f.resolvedLost.slice(0, 20).join(", ")}`);
  }
}

/** Per missing thing, how many runs hit it in some step. */
function environmentFindings(runs: RealRun[]): Map<string, number> {
  const found = new Map<string, number>();
  for (const run of runs) {
    const missing = new Set(
      toTurns(run.events).flatMap((t) => (t.step?.kind === "environment" ? [t.step.missing] : [])),
    );
    for (const m of missing) count(found, m);
  }
  return found;
}

/**
 * The trade-off in the data itself: unresolved-run tokens saved and fixes lost when every run is cut at a turn cap.
 * Computed from the recorded turns (the cap is the only rule), so it needs no replay.
 */
export function turnCaps(runs: RealRun[], caps: number[]): { cap: number; saved: number; lost: number }[] {
  const perRun = runs.map((run) => ({ run, tokens: toTurns(run.events).map((t) => t.tokens) }));
  return caps.map((cap) => {
    let recorded = 0;
    let kept = 0;
    let lost = 0;
    for (const { run, tokens } of perRun) {
      const cut = tokens.length > cap;
      if (!run.meta.resolved) {
        recorded += tokens.reduce((a, b) => a + b, 0);
        kept += tokens.slice(0, cap).reduce((a, b) => a + b, 0);
      } else if (cut && fixLost(run, { turns: cap, stopped: CAP_STOP })) lost++;
    }
    return { cap, saved: recorded ? 1 - kept / recorded : 0, lost };
  });
}

const CAP_STOP = { reason: "turn-budget" as const, message: "turn cap", evidence: [] };
