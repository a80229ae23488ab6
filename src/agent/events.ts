import type { Action, ActionKind } from "./actions.js";

/** Why a run stopped. A fixed set, shown wherever a run is shown. */
export type StopReason =
  | "finished" // the model finished and the completeness checks passed
  | "turn-budget" // the turn budget is spent
  | "token-budget" // the prompt + completion token budget is spent
  | "time-budget" // the wall-clock budget is spent
  | "malformed-output" // three replies in a row were not a valid action
  | "aborted"; // cancelled from outside

/** Everything the agent does, in order, to one sink; the run record stores it, later stages show it. */
export type AgentEvent =
  | { type: "localised"; files: string[]; tokens: number }
  | { type: "attempt_start"; attempt: number; sawFailingTests: boolean }
  | { type: "turn_start"; attempt: number; turn: number }
  | { type: "model_reply"; turn: number; promptTokens: number; completionTokens: number; durationMs: number; serverDurationMs: number; thinkingCut: boolean }
  | { type: "invalid_reply"; turn: number; kind: "prose" | "malformed"; problem: string }
  | { type: "action"; turn: number; action: Action; repaired: boolean }
  | { type: "observation"; turn: number; tool: ActionKind; text: string; isError: boolean; durationMs: number; tests?: { passed: boolean } }
  | { type: "verdict"; turn: number; verdict: "refuse-finish" | "nudge"; message: string }
  | { type: "finish"; reason: StopReason; summary?: string; turns: number; tokens: number; testsPassed: boolean | undefined };

export type EventSink = (event: AgentEvent) => void;

/** Ends a run; ordinary control flow in the loop, carrying the reason. */
export class StopRun extends Error {
  constructor(readonly reason: StopReason, message: string = reason) {
    super(message);
    this.name = "StopRun";
  }
}
