import type { AgentEvent } from "../../src/agent/events.js";

/** A turn's start and the model's reply to it, as the agent loop emits them (1,000 prompt and 100 reply tokens). */
export function modelTurn(
  turn: number,
  text: string,
  timing: { durationMs?: number; serverDurationMs?: number; thinkingCut?: boolean } = {},
): AgentEvent[] {
  return [
    { type: "turn_start", attempt: 1, turn },
    {
      type: "model_reply",
      turn,
      promptTokens: 1000,
      completionTokens: 100,
      durationMs: timing.durationMs ?? 0,
      serverDurationMs: timing.serverDurationMs ?? 0,
      thinkingCut: timing.thinkingCut ?? false,
      text,
    },
  ];
}
