import type { Message } from "ollama";
import { preflightTestCommand } from "../controller/preflight.js";
import { decide } from "../controller/controller.js";
import type { DetectorThresholds } from "../controller/detectors.js";
import type { ChatModel } from "../model/chat.js";
import { ModelAbortedError } from "../model/errors.js";
import type { Sandbox } from "../sandbox/sandbox.js";
import { headAndTail } from "../text/head-and-tail.js";
import { actionJsonSchema, actionTools, type Action } from "./actions.js";
import { StopRun, type AgentEvent, type EventSink, type StopReason } from "./events.js";
import { lintFile, lintObservation } from "./lint-reflection.js";
import { localise } from "./localise.js";
import { resolveMechanisms, type AgentMechanisms } from "./mechanisms.js";
import { ACT_NUDGE, SYSTEM_PROMPT, malformedNudge, observationPrompt, taskPrompt } from "./prompts.js";
import { parseReply } from "./repair.js";
import { readRepoInstructions } from "./repo-instructions.js";
import { createCardPicker, withCards } from "./skill-cards.js";
import { executeAction, type ToolLimits } from "./tools.js";

export interface AgentBudget {
  turns: number;
  tokens: number;
  minutes: number;
  energyWh?: number;
}

export interface AgentTask {
  issue: { title: string; body: string };
  testCommand: string;
  budget: AgentBudget;
  /** `structured`: the action's JSON schema as Ollama `format`; `tools`: native tool calls, for servers without it. */
  mode?: "structured" | "tools";
  think?: boolean;
  contextTokens?: number;
  toolLimits?: ToolLimits;
  /** Overrides of the early-stop controller's thresholds. */
  thresholds?: Partial<DetectorThresholds>;
  /** Mechanisms switched off, for `nightshift bench --ablate` (all on when absent). */
  ablate?: { repair?: boolean; writeGuard?: boolean; secondAttempt?: boolean; localisation?: boolean };
  /** Switches for repository instructions, skill cards and lint reflection (all on by default). */
  mechanisms?: Partial<AgentMechanisms>;
}

export interface AgentDeps {
  model: ChatModel;
  sandbox: Sandbox;
  emit: EventSink;
  signal?: AbortSignal;
  now?: () => number;
  /** GPU energy used by this run so far, when a meter reports it. */
  energyWh?: () => number | undefined;
}

export interface AgentResult {
  reason: StopReason;
  summary?: string;
  testsPassed: boolean | undefined;
  turns: number;
  tokens: number;
  /** Why the run was stopped, in words (a stop other than "finished"). */
  message?: string;
  /** What the sandbox lacks, for the maintainer, when the controller found it during the run and told the model. */
  environment?: string;
}

/** The run so far: what the completeness checks read (the controller reads the events). */
interface RunState {
  turns: number;
  tokens: number;
  startedAt: number;
  events: AgentEvent[];
  editedSinceTests: boolean;
  lastTests?: { passed: boolean; output: string };
  environment?: string;
}

/**
 * The agent: localise in code, then turns of (model → action → observation) until the model
 * finishes and the completeness checks pass, or something stops the run. A first attempt whose tests
 * still fail is followed, within the same budget, by one more from a clean workspace that sees the
 * failing output.
 */
export async function runAgent(deps: AgentDeps, task: AgentTask): Promise<AgentResult> {
  const now = deps.now ?? Date.now;
  const state: RunState = { turns: 0, tokens: 0, startedAt: now(), events: [], editedSinceTests: false };
  const emit = (event: AgentEvent) => {
    state.events.push(event);
    deps.emit(event);
  };
  const finish = (reason: StopReason, summary?: string): AgentResult => {
    const result = { reason, summary, testsPassed: state.lastTests?.passed, turns: state.turns, tokens: state.tokens };
    emit({ type: "finish", ...result });
    return state.environment ? { ...result, environment: state.environment } : result;
  };
  const on = resolveMechanisms(task.mechanisms);
  const issueText = `${task.issue.title}\n${task.issue.body}`;
  const pickCards = createCardPicker();
  try {
    const broken = await preflightTestCommand(deps.sandbox, task.testCommand, { signal: deps.signal, issueText });
    if (broken) {
      emit({ type: "verdict", turn: 0, verdict: "stop", detector: "environment", message: broken });
      throw new StopRun("environment", broken);
    }
    const located = task.ablate?.localisation
      ? { ranked: [], text: "" }
      : await localise(deps.sandbox, task.issue, task.testCommand, 3000, deps.signal);
    emit({ type: "localised", files: located.ranked.map((r) => r.path), tokens: Math.ceil(located.text.length / 4) });
    const conventions = on.repoInstructions ? await readRepoInstructions(deps.sandbox, 600, deps.signal) : undefined;
    if (conventions?.text) {
      const { sources, tokens, shortened } = conventions;
      emit({ type: "instructions", sources, tokens, shortened });
      located.text = `${located.text}\n\n${conventions.text}`;
    }
    let summary = await attempt(1, located.text);
    if (state.lastTests?.passed === false && !task.ablate?.secondAttempt) {
      const failing = state.lastTests.output;
      await deps.sandbox.exec("git checkout -q -- . && git clean -fdq", { timeoutMs: 60_000 });
      Object.assign(state, { editedSinceTests: false, lastTests: undefined });
      summary = await attempt(2, located.text, failing);
    }
    return finish("finished", summary);
  } catch (error) {
    if (error instanceof StopRun) return { ...finish(error.reason), message: error.message };
    if (error instanceof ModelAbortedError || deps.signal?.aborted) return finish("aborted");
    throw error;
  }

  /** One attempt; returns the model's summary once a finish is accepted. */
  async function attempt(number: number, context: string, failingTests?: string): Promise<string> {
    emit({ type: "attempt_start", attempt: number, sawFailingTests: !!failingTests });
    const messages: Message[] = [
      { role: "system", content: SYSTEM_PROMPT },
      { role: "user", content: taskPrompt(task.issue, context, failingTests) },
    ];
    for (;;) {
      const nudge = control();
      if (nudge) messages.push({ role: "user", content: nudge });
      const turn = ++state.turns;
      emit({ type: "turn_start", attempt: number, turn });
      const cards = on.skillCards ? pickCards(state.events, turn) : [];
      if (cards.length > 0) emit({ type: "card", turn, cards, tokens: cards.reduce((n, c) => n + c.tokens, 0) });
      const reply = await deps.model.chat({
        messages: compact(withCards(messages, cards), task.contextTokens ?? 16_384),
        format: task.mode === "tools" ? undefined : actionJsonSchema,
        tools: task.mode === "tools" ? actionTools : undefined,
        think: task.think,
        signal: deps.signal,
      });
      state.tokens += reply.promptTokens + reply.completionTokens;
      emit({
        type: "model_reply",
        turn,
        promptTokens: reply.promptTokens,
        completionTokens: reply.completionTokens,
        durationMs: reply.durationMs,
        serverDurationMs: reply.serverDurationMs,
        thinkingCut: reply.thinkingCut,
        text: reply.content.slice(0, 2000),
      });
      messages.push({ role: "assistant", content: reply.content || JSON.stringify(reply.toolCalls) });

      const parsed = parseReply(reply.content, reply.toolCalls, { repair: !task.ablate?.repair });
      if (!parsed.ok) {
        emit({ type: "invalid_reply", turn, kind: parsed.kind, problem: parsed.problem });
        messages.push({ role: "user", content: parsed.kind === "prose" ? ACT_NUDGE : malformedNudge(parsed.problem) });
        continue;
      }
      emit({ type: "action", turn, action: parsed.action, repaired: parsed.repaired });

      if (parsed.action.tool === "finish") {
        const refusal = await refuseFinish(turn);
        if (!refusal) return parsed.action.summary;
        messages.push({ role: "user", content: refusal });
        continue;
      }
      messages.push({ role: "user", content: observationPrompt(await act(turn, parsed.action)) });
    }
  }

  /** Runs an action and records what it did to the state. */
  async function act(turn: number, action: Exclude<Action, { tool: "finish" }>) {
    const started = now();
    const observation = await executeAction(deps.sandbox, action, {
      testCommand: task.testCommand,
      limits: task.toolLimits,
      signal: deps.signal,
      overwrite: task.ablate?.writeGuard,
    });
    const path = on.lintReflection ? observation.file?.path : undefined;
    const lint = path && (await lintFile(deps.sandbox, path, { signal: deps.signal, now }));
    if (path && lint) {
      emit({ type: "lint", turn, path, checker: lint.checker, status: lint.status, durationMs: lint.durationMs });
      if (lint.status === "errors") observation.text += lintObservation(path, lint);
    }
    if (deps.signal?.aborted) throw new StopRun("aborted");
    if (observation.edited) state.editedSinceTests = true;
    if (observation.tests) {
      state.editedSinceTests = false;
      state.lastTests = observation.tests;
    }
    // The controller judges test runs by hand too (observation.testRun); the finish gate above only the project's.
    const tests = observation.tests
      ? { passed: observation.tests.passed, failed: observation.tests.failed }
      : observation.testRun;
    emit({
      type: "observation",
      turn,
      tool: action.tool,
      text: headAndTail(observation.text, 4000),
      isError: observation.isError,
      durationMs: now() - started,
      file: observation.file,
      tests,
    });
    return observation;
  }

  /** Completeness before finish: no empty diff, and the tests must have run since the last edit. */
  async function refuseFinish(turn: number): Promise<string | undefined> {
    const patch = await deps.sandbox.diff();
    let message: string | undefined;
    if (!patch.trim())
      message =
        "You have not changed any file yet, so there is nothing to finish. Find the cause of the issue and " +
        "edit the code.";
    else if (state.editedSinceTests || !state.lastTests) {
      const result = await act(turn, { tool: "run", command: task.testCommand });
      const next = result.isError
        ? "They fail: fix the code, then finish."
        : "They pass: reply with finish again to confirm.";
      message = `You changed files since the tests last ran, so I ran them:\n${result.text}\n\n${next}`;
    }
    if (message) emit({ type: "verdict", turn, verdict: "refuse-finish", message });
    return message;
  }

  /** Before every model call the controller decides: continue, nudge (returns the message), or stop. */
  function control(): string | undefined {
    if (deps.signal?.aborted) throw new StopRun("aborted");
    const verdict = decide(
      state.events,
      { budget: task.budget, thresholds: task.thresholds, issueText },
      { elapsedMs: now() - state.startedAt, energyWh: deps.energyWh?.() },
    );
    if (verdict.kind === "continue") return undefined;
    emit({
      type: "verdict",
      turn: state.turns,
      verdict: verdict.kind,
      detector: verdict.reason,
      message: verdict.message,
      evidence: verdict.evidence,
    });
    if (verdict.kind === "stop") throw new StopRun(verdict.reason, verdict.message);
    if (verdict.finding) state.environment = verdict.finding;
    return verdict.message;
  }
}

/**
 * Keeps the conversation under the context window: the system prompt, the task and the last six
 * messages stay whole; older observations are cut to their first lines, more when still too long.
 */
export function compact(messages: Message[], contextTokens: number): Message[] {
  const budget = contextTokens * 4 * 0.8;
  for (const keep of [300, 80]) {
    const out = messages.map((m, i) =>
      i < 2 || i >= messages.length - 6 || m.role !== "user" || m.content.length <= keep
        ? m
        : { ...m, content: `${m.content.slice(0, keep)}\n[older output shortened]` },
    );
    if (out.reduce((n, m) => n + m.content.length, 0) <= budget || keep === 80) return out;
  }
  return messages;
}
