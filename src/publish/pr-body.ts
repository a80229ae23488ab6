import type { StopReason } from "../agent/events.js";
import { verificationSection, warningBlock } from "../verify/evidence-text.js";
import type { VerifyReport } from "../verify/verify.js";
import { neutraliseSentence, quietMention } from "../text/neutralise-output.js";
import type { Pushed } from "./push-branch.js";

export interface RunFigures {
  summary: string;
  turns: number;
  tokens: number;
  durationMs: number;
  /** Measured GPU energy; undefined prints "unknown" — never an estimate. */
  energyWh?: number;
  stopReason: StopReason;
  /** Set when the agent was stopped and its diff salvaged for verification: why it was stopped. */
  salvaged?: string;
  /** What the sandbox lacks, when the controller found it during the run: the maintainer's to fix. */
  environment?: string;
}

/** Who asked, which model, which base, where the run is, and how feedback reaches the next attempt. */
export interface PrAbout {
  requester?: string;
  baseSha?: string;
  model?: string;
  /** The admin page's run page, when NIGHTSHIFT_PUBLIC_URL is set. */
  runUrl?: string;
  runId?: string;
  followUpLimit?: number;
  /** A follow-up run: which review it answered. */
  followUp?: string;
}

/** The draft PR's body: what changed, how it was checked, what the run cost, and who wrote it. */
export function prBody(o: {
  issue: number;
  run: RunFigures;
  pushed: Pushed;
  verification: VerifyReport;
  ci: string;
  testCommand: string;
  about?: PrAbout;
}): string {
  const about = o.about ?? {};
  const added = o.pushed.files.reduce((n, f) => n + f.added, 0);
  const removed = o.pushed.files.reduce((n, f) => n + f.removed, 0);
  return [
    "> [!WARNING]",
    "> A local language model wrote this change overnight (Nightshift). Review it as you would any untrusted " +
      "contribution.",
    "",
    ...warningBlock(o.verification),
    `Fixes #${o.issue}`,
    "",
    "## Summary",
    o.run.summary.slice(0, 4000),
    "",
    "## Changes",
    `${o.pushed.files.length} file(s) changed, +${added} −${removed}`,
    ...o.pushed.files.slice(0, 50).map((f) => `- \`${f.path}\` (+${f.added} −${f.removed})`),
    "",
    "## Verification",
    ...verificationSection(o.verification, o.testCommand),
    `- CI: ${o.ci}`,
    "",
    "## Run",
    `${o.run.turns} turns, ${o.run.tokens.toLocaleString("en-US")} tokens, ` +
      `${(o.run.durationMs / 60_000).toFixed(1)} min, energy ` +
      `${o.run.energyWh === undefined ? "unknown" : `${o.run.energyWh.toFixed(1)} Wh`}, stopped because: ` +
      `${o.run.stopReason}.`,
    // Why the agent was stopped, and what the sandbox lacks, quote what the sandbox printed (a command's or module's
    // name, a repeated error): one line each, no live mentions.
    ...(o.run.salvaged
      ? [
          `Salvaged: the agent was stopped (${neutraliseSentence(o.run.salvaged, 300)}); ` +
            "verification, not the agent, passed it.",
        ]
      : []),
    ...(o.run.environment ? [`Environment: ${neutraliseSentence(o.run.environment, 400)}.`] : []),
    ...aboutSection(about),
  ].join("\n");
}

function aboutSection(about: PrAbout): string[] {
  const run = about.runUrl
    ? `[run${about.runId ? ` \`${about.runId}\`` : ""}](${about.runUrl})`
    : about.runId
      ? `run \`${about.runId}\``
      : "";
  const limit = about.followUpLimit ?? 3;
  return [
    "",
    "## About this PR",
    // Not a live mention: the review request already notifies the requester.
    ...(about.requester ? [`- Requested by ${quietMention(about.requester)}, who is asked to review it.`] : []),
    ...(about.model ? [`- Model: \`${about.model}\` (local, via Ollama).`] : []),
    ...(about.baseSha ? [`- Base commit: \`${about.baseSha.slice(0, 12)}\` on the default branch.`] : []),
    ...(run ? [`- Run page (transcript, stop reason, evidence): ${run}.`] : []),
    ...(about.followUp ? [`- This attempt answers ${about.followUp}.`] : []),
    "",
    "**How to give feedback:** submit a review with *Request changes* (or comment `/agent retry` on this PR) " +
      "and Nightshift works on your review comments tonight from this branch and updates this PR — writers only, " +
      `one follow-up at a time, at most ${limit} per PR. Close the PR to drop it.`,
  ];
}
