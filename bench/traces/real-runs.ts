/**
 * The real-run corpus for bench:controller: recorded agent runs converted to AgentEvents by
 * bench/traces/convert-real-runs.ts. The corpus itself is derived from other repositories' published
 * trajectories and is never committed; the bench reads it from NIGHTSHIFT_REAL_RUNS (a folder holding
 * corpus/<id>.json) or from the gitignored bench/traces/real-runs/.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { AgentEvent } from "../../src/agent/events.js";

export interface RealRunMeta {
  id: string;
  framework: string;
  model: string;
  /** Parameters in billions, where the source says (open models); null or absent for API models. */
  modelSizeB?: number | null;
  instance: string;
  resolved: boolean;
  turns: number;
  exitStatus: string;
  /** Resolved runs: the first turn by which the submitted fix was written (null: could not be matched). */
  fixAtTurn?: number | null;
  /** How fixAtTurn was found: evidence in the run's steps, or the run's last turn (an upper bound). */
  fixAtTurnBasis?: "evidence" | "end-of-run";
  /** Per turn as the framework recorded them; estimated from the prompt's length; or estimated, then scaled so the run
   * adds up to the total its framework recorded. */
  tokenSource: "recorded" | "estimated" | "scaled";
  run: string;
  /** Where the trajectory came from (a repository and commit, or a local run folder). */
  source?: { repo: string; commit: string; path: string };
  /** The issue the run worked on, as its framework gave it to the model ("" when it could not be found). */
  issueText?: string;
}

export interface RealRun {
  meta: RealRunMeta;
  events: AgentEvent[];
}

export const DEFAULT_REAL_RUNS = join(import.meta.dirname, "real-runs");

/** The folder holding corpus/, or undefined when no real-run corpus has been built here. */
export function realRunsDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = env.NIGHTSHIFT_REAL_RUNS ?? DEFAULT_REAL_RUNS;
  return existsSync(join(dir, "corpus")) ? dir : undefined;
}

export function loadRealRuns(dir: string): RealRun[] {
  const corpus = join(dir, "corpus");
  return readdirSync(corpus)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(corpus, f), "utf8")) as RealRun);
}

/** Share of tasks in the tune half. */
export const TUNE_SHARE = 0.4;
export const SPLIT_RULE =
  `by task: a run is in "tune" when sha1(instance id) read as a fraction of 2^32 (first 8 hex digits) is ` +
  `below ${TUNE_SHARE}, otherwise in "eval"; repeated runs of one task always land in the same half`;

/** The fixed split: by task, so repeated runs of one task never sit on both sides. */
export function splitOf(instance: string): "tune" | "eval" {
  const h = parseInt(createHash("sha1").update(instance).digest("hex").slice(0, 8), 16) / 2 ** 32;
  return h < TUNE_SHARE ? "tune" : "eval";
}

/** The manifest of the sources the budget and thresholds were tuned on (the tune half of their runs). */
const MANIFEST = join(import.meta.dirname, "real-runs-manifest.json");
let tunedSources: { repo: string; commit: string }[] | undefined;

/**
 * The run comes from one of the manifest's sources, whose tune half the budget and thresholds were chosen on. A run
 * from anywhere else (a held-out set converted with convert-real-runs.ts) was never looked at while tuning.
 */
export function fromTunedSource(meta: RealRunMeta): boolean {
  tunedSources ??= (JSON.parse(readFileSync(MANIFEST, "utf8")) as { sources: { repo: string; commit: string }[] })
    .sources;
  return tunedSources.some((s) => s.repo === meta.source?.repo && s.commit === meta.source?.commit);
}
