import type { RunFields } from "./night-data.js";

export interface NightFigures {
  runs: number;
  /** Time the agent held a GPU slot (agent stage start to its end), in hours. */
  gpuHours: number;
  /** Measured GPU energy; runs without a meter are counted in `unmeasured`, never estimated. */
  wattHours: number;
  unmeasured: number;
  verifiedFixes: number;
  /** Wh per verified fix; undefined with no fix or no measurement. */
  whPerFix?: number;
  tokens: number;
}

export function nightFigures(runs: RunFields[]): NightFigures {
  let gpuMs = 0;
  let wattHours = 0;
  let unmeasured = 0;
  let tokens = 0;
  let verifiedFixes = 0;
  for (const run of runs) {
    const start = Date.parse(run.agentAt ?? "");
    const end = Date.parse(run.verifyAt ?? run.endedAt ?? "");
    if (Number.isFinite(start) && Number.isFinite(end) && end > start) gpuMs += end - start;
    const wh = Number(run.energyWh);
    if (run.energyWh === undefined) {
      // never reached the agent: no GPU time to measure
    } else if (Number.isFinite(wh)) wattHours += wh;
    else unmeasured++;
    tokens += Number(run.tokens ?? 0) || 0;
    if (run.verdict === "accepted") verifiedFixes++;
  }
  const measured = runs.some((r) => Number.isFinite(Number(r.energyWh)));
  return {
    runs: runs.length,
    gpuHours: gpuMs / 3600_000,
    wattHours,
    unmeasured,
    verifiedFixes,
    whPerFix: verifiedFixes > 0 && measured ? wattHours / verifiedFixes : undefined,
    tokens,
  };
}

/** The figures as one Markdown table row's cells (also used by the admin page). */
export function figureCells(f: NightFigures): string[] {
  return [
    String(f.runs),
    f.gpuHours.toFixed(2),
    `${f.wattHours.toFixed(1)} Wh${f.unmeasured > 0 ? ` (+${f.unmeasured} unmeasured)` : ""}`,
    f.whPerFix === undefined ? "—" : `${f.whPerFix.toFixed(1)} Wh (${f.verifiedFixes} fixes)`,
    f.tokens.toLocaleString("en-US"),
  ];
}
