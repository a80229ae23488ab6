import type { AgentEvent, StopReason } from "../agent/events.js";
import type { Verdict } from "./controller.js";

/** What a policy may know of a run besides its events: the issue it works on, which the product's loop passes too. */
export interface RunContext {
  issueText?: string;
}

export type Policy = (history: readonly AgentEvent[], run?: RunContext) => Verdict;

export interface Replay {
  /** Turns completed when the policy stopped the run, or all of them. */
  turns: number;
  tokens: number;
  stopped?: { reason: StopReason; message: string; evidence: number[] };
  nudges: StopReason[];
  /** What nudges found for the maintainer (the sandbox lacks a toolchain), in the order they came. */
  findings: string[];
}

/**
 * Replays a recorded run against a policy: before each turn the policy sees everything that came
 * before (its own nudges included) and may stop the run there. The recorded turns are taken as what
 * the model would have done; nudges cannot change them, so savings measured this way are a floor.
 */
export function replay(events: readonly AgentEvent[], policy: Policy, run: RunContext = {}): Replay {
  const history: AgentEvent[] = [];
  const nudges: StopReason[] = [];
  const findings: string[] = [];
  let turns = 0;
  let tokens = 0;
  for (const event of events) {
    if (event.type === "turn_start") {
      const verdict = policy(history, run);
      if (verdict.kind === "stop")
        return {
          turns,
          tokens,
          stopped: { reason: verdict.reason, message: verdict.message, evidence: verdict.evidence },
          nudges,
          findings,
        };
      if (verdict.kind === "nudge") {
        nudges.push(verdict.reason);
        if (verdict.finding) findings.push(verdict.finding);
        history.push({
          type: "verdict",
          turn: turns,
          verdict: "nudge",
          detector: verdict.reason,
          message: verdict.message,
          evidence: verdict.evidence,
        });
      }
      turns++;
    }
    if (event.type === "model_reply") tokens += event.promptTokens + event.completionTokens;
    history.push(event);
  }
  return { turns, tokens, nudges, findings };
}

/** Wall time a recorded run had used by its last event: model and tool durations added up. */
export function elapsedMs(history: readonly AgentEvent[]): number {
  return history.reduce((n, e) => n + (e.type === "model_reply" || e.type === "observation" ? e.durationMs : 0), 0);
}
