import type { Action, ActionKind } from "./actions.js";

/** Why a run stopped. A fixed set, shown wherever a run is shown (docs: README, "Stop reasons"). */
export type StopReason =
  | "finished" // the model finished and the completeness checks passed
  | "turn-budget" // the turn budget is spent
  | "token-budget" // the prompt + completion token budget is spent
  | "time-budget" // the wall-clock budget is spent
  | "energy-budget" // the GPU energy budget is spent (only with a meter)
  | "malformed-output" // replies kept failing to be actions (malformed or prose)
  | "repeated-action" // the same action with the same arguments and the same result, again
  | "alternation" // two actions alternating A/B/A/B with nothing new
  | "repeated-error" // the same error returned again and again
  | "error-streak" // one failed step after another (invalid replies, erroring actions)
  | "rereading" // reading what was already read, with nothing changed since
  | "edit-oscillation" // edits returning a file to a state it had before
  | "tests-not-improving" // test runs after edits that do not get better
  | "no-edit" // no change to any file long after localisation
  | "degenerate-text" // replies that repeat themselves
  | "thinking-runaway" // reasoning that keeps hitting its budget
  | "repeated-edit" // the same edit applied again (the file grows, nothing is fixed)
  | "scanning" // the same step with only its numbers changed, again and again (paging through a file)
  | "flailing" // most of the recent turns wasted: failed, refused, or asking again what was just answered
  | "environment" // the sandbox lacks a command, module, network or disk: the maintainer's to fix, not the model's
  | "aborted"; // cancelled from outside

/** Everything the agent does, in order, to one sink; the run record stores it, later stages show it. */
export type AgentEvent =
  | { type: "localised"; files: string[]; tokens: number }
  | { type: "attempt_start"; attempt: number; sawFailingTests: boolean }
  | { type: "turn_start"; attempt: number; turn: number }
  | {
      type: "model_reply";
      turn: number;
      promptTokens: number;
      completionTokens: number;
      durationMs: number;
      serverDurationMs: number;
      thinkingCut: boolean;
      text: string;
    }
  | { type: "invalid_reply"; turn: number; kind: "prose" | "malformed"; problem: string }
  | { type: "action"; turn: number; action: Action; repaired: boolean }
  | {
      type: "observation";
      turn: number;
      tool: ActionKind;
      text: string;
      isError: boolean;
      durationMs: number;
      /** A file the step wrote: content hashes before and after, and its length in lines after, when known. */
      file?: { path: string; before?: string; after: string; lines?: number };
      tests?: { passed: boolean; failed?: number };
    }
  | {
      type: "verdict";
      turn: number;
      verdict: "refuse-finish" | "nudge" | "stop";
      detector?: StopReason;
      message: string;
      evidence?: number[];
    }
  | {
      type: "finish";
      reason: StopReason;
      summary?: string;
      turns: number;
      tokens: number;
      testsPassed: boolean | undefined;
    }
  | { type: "instructions"; sources: string[]; tokens: number; shortened: string[] }
  | { type: "card"; turn: number; cards: { id: string; trigger: string; tokens: number }[]; tokens: number }
  | {
      type: "lint";
      turn: number;
      path: string;
      checker: string;
      status: "clean" | "errors" | "inconclusive";
      durationMs: number;
    };

export type EventSink = (event: AgentEvent) => void;

/** Ends a run; ordinary control flow in the loop, carrying the reason. */
export class StopRun extends Error {
  constructor(
    readonly reason: StopReason,
    message: string = reason,
  ) {
    super(message);
    this.name = "StopRun";
  }
}
