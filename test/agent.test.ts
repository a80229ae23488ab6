import { rmSync } from "node:fs";
import type Docker from "dockerode";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentEvent } from "../src/agent/events.js";
import { runAgent, type AgentTask } from "../src/agent/loop.js";
import { ACT_NUDGE } from "../src/agent/prompts.js";
import { createChatModel } from "../src/model/chat.js";
import { createSandbox, type Sandbox } from "../src/sandbox/sandbox.js";
import { cloneWorkspace, removeWorkspace } from "../src/sandbox/workspace.js";
import { SANDBOX_IMAGE, fixtureRepo, requireDocker } from "./support/docker.js";
import { startFakeOllama, type FakeOllama, type ScriptedReply } from "./support/fake-ollama.js";

const MODEL = "qwen2.5-coder:7b";
const TEST_COMMAND = `python3 -c "import test_calc; test_calc.test_add(); print('1 passed')"`;
const ISSUE = {
  title: "add() subtracts",
  body:
    'Calling `add(2, 3)` in src/calc.py returns -1 instead of 5.\n\nTraceback:\n  File "src/calc.py", line 2, ' +
    "in add\nAssertionError: assert -1 == 5",
};

let docker: Docker;
let repo: { path: string; sha: string };
let ollama: FakeOllama;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  docker = await requireDocker();
  repo = fixtureRepo();
  ollama = await startFakeOllama([MODEL]);
});
afterAll(async () => {
  await ollama?.close();
  if (repo) rmSync(repo.path, { recursive: true, force: true });
});
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const act = (action: Record<string, unknown>): ScriptedReply => ({ content: JSON.stringify(action) });
const READ = act({ tool: "read_file", path: "src/calc.py" });
const FIX = act({ tool: "edit", path: "src/calc.py", search: "return a - b", replace: "return a + b" });
const TEST = act({ tool: "run", command: TEST_COMMAND });
const FINISH = act({ tool: "finish", summary: "add() used subtraction; it adds now" });

async function freshSandbox(): Promise<Sandbox> {
  const workspace = await cloneWorkspace({ url: `file://${repo.path}`, sha: repo.sha });
  const sandbox = await createSandbox(docker, {
    runId: `agent-test-${Date.now()}`,
    namespace: `nstest-agent-${process.pid}`,
    workspace,
    phase: "agent",
    image: SANDBOX_IMAGE,
  });
  cleanups.push(
    () => removeWorkspace(workspace),
    () => sandbox.destroy(),
  );
  return sandbox;
}

async function run(
  script: ScriptedReply[] | ((index: number) => ScriptedReply),
  overrides: Partial<AgentTask> = {},
  signal?: AbortSignal,
) {
  ollama.requests.length = 0;
  ollama.setScript(typeof script === "function" ? (_body, index) => script(index) : script);
  const sandbox = await freshSandbox();
  const events: AgentEvent[] = [];
  const model = createChatModel({
    host: ollama.host,
    model: MODEL,
    contextTokens: 8192,
    keepAlive: "30m",
    thinkingBudget: 200,
    temperature: 0,
  });
  const result = await runAgent(
    { model, sandbox, emit: (e) => events.push(e), signal },
    { issue: ISSUE, testCommand: TEST_COMMAND, budget: { turns: 20, tokens: 200_000, minutes: 10 }, ...overrides },
  );
  return {
    result,
    events,
    sandbox,
    of: <T extends AgentEvent["type"]>(type: T) =>
      events.filter((e): e is Extract<AgentEvent, { type: T }> => e.type === type),
  };
}

describe("the agent loop against a scripted model and a real sandbox", () => {
  it("fixes a real bug: localises, edits, runs the tests, finishes; the repository's tests pass after", async () => {
    const { result, of, sandbox } = await run([READ, FIX, TEST, FINISH]);
    expect(result).toMatchObject({
      reason: "finished",
      testsPassed: true,
      turns: 4,
      summary: "add() used subtraction; it adds now",
    });
    expect(result.tokens).toBeGreaterThan(0);
    expect((await sandbox.exec(TEST_COMMAND)).stdout).toBe("1 passed\n");
    expect(await sandbox.diff()).toContain("+    return a + b");
    expect(of("localised")[0]!.files[0]).toBe("src/calc.py");
    // The first prompt already holds the repository map, the snippet and the test command.
    const firstPrompt = ollama.requests[0]!.messages[1]!.content;
    expect(firstPrompt).toContain("## src/calc.py");
    expect(firstPrompt).toContain("return a - b");
    expect(firstPrompt).toContain(TEST_COMMAND);
    // Every request: streamed, structured output, the model kept loaded, the context size explicit.
    for (const request of ollama.requests) {
      expect(request).toMatchObject({
        model: MODEL,
        stream: true,
        keep_alive: "30m",
        options: { num_ctx: 8192, temperature: 0 },
      });
      expect(JSON.stringify(request.format)).toContain('"const":"finish"');
    }
    expect(of("observation").map((o) => o.tool)).toEqual(["read_file", "edit", "run"]);
    // Token counts and durations come from every response's final chunk.
    for (const reply of of("model_reply"))
      expect(reply).toMatchObject({
        promptTokens: expect.any(Number),
        completionTokens: expect.any(Number),
        serverDurationMs: expect.any(Number),
      });
    expect(of("model_reply").every((r) => r.promptTokens > 0 && r.completionTokens > 0)).toBe(true);
  });

  it("refuses to overwrite an existing file and points to edit", async () => {
    const { of } = await run([
      act({ tool: "create_file", path: "src/calc.py", content: "def add(a, b): return a + b\n" }),
      FIX,
      TEST,
      FINISH,
    ]);
    expect(of("observation")[0]).toMatchObject({
      isError: true,
      text: expect.stringContaining("already exists. Use edit"),
    });
  });

  it("refuses an ambiguous edit with the matching lines, and tolerates whitespace-only differences", async () => {
    const { of, result } = await run([
      act({ tool: "create_file", path: "dup.py", content: "x = 1\nx = 1\n" }),
      act({ tool: "edit", path: "dup.py", search: "x = 1", replace: "x = 2" }),
      act({ tool: "edit", path: "src/calc.py", search: "return a + c", replace: "return a + b" }),
      act({ tool: "edit", path: "src/calc.py", search: "\treturn a - b  ", replace: "    return a + b" }),
      TEST,
      FINISH,
    ]);
    const observations = of("observation");
    expect(observations[1]!.text).toContain("occurs 2 times in dup.py (lines 1, 2)");
    expect(observations[2]!.text).toMatch(/not found in src\/calc.py. Nearest lines:\n\s+2\s+ return a - b/);
    expect(observations[3]).toMatchObject({ isError: false, text: "Edited src/calc.py at line 2." });
    expect(result.testsPassed).toBe(true);
  });

  it(
    "refuses finish with an empty diff, and runs the tests itself when they have not run since " + "the last edit",
    async () => {
      const { of, result } = await run([FINISH, FIX, FINISH, FINISH]);
      const verdicts = of("verdict");
      expect(verdicts[0]!.message).toContain("You have not changed any file yet");
      expect(verdicts[1]!.message).toMatch(/so I ran them:[\s\S]*exit code 0[\s\S]*They pass: reply with finish again/);
      expect(result).toMatchObject({ reason: "finished", testsPassed: true, turns: 4 });
    },
  );

  it("cuts runaway thinking at the budget, keeps it, and asks again with thinking off", async () => {
    const before = ollama.disconnects;
    const { of, result } = await run(
      (index) =>
        index === 0
          ? {
              thinking: "Let me think about this very carefully. ".repeat(100),
              content: JSON.stringify({ tool: "read_file", path: "x" }),
              chunk: 16,
              delayMs: 2,
            }
          : [READ, FIX, TEST, FINISH][index - 1]!,
      { think: true },
    );
    expect(of("model_reply")[0]!.thinkingCut).toBe(true);
    expect(ollama.requests[0]!.think).toBe(true);
    expect(ollama.requests[1]!.think).toBe(false);
    expect(ollama.requests[1]!.messages.at(-2)).toMatchObject({
      role: "assistant",
      thinking: expect.stringContaining("Let me think"),
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(ollama.disconnects - before).toBe(1); // the runaway stream was closed, not read to its end
    expect(result.reason).toBe("finished");
  });

  it("repairs malformed JSON and answers prose with an instruction to act, not counted as progress", async () => {
    const { of, result } = await run([
      { content: "```json\n{'tool': 'read_file', 'path': 'src/calc.py',}\n```" },
      { content: "I will now fix the add function and then run the tests." },
      FIX,
      TEST,
      FINISH,
    ]);
    expect(of("action")[0]).toMatchObject({ repaired: true, action: { tool: "read_file", path: "src/calc.py" } });
    expect(of("invalid_reply")[0]).toMatchObject({ kind: "prose" });
    // The nudge, and for this turn only the card on the action format.
    expect(ollama.requests[2]!.messages.at(-1)!.content).toMatch(/^Do not describe steps[\s\S]*\[action-format\]/);
    expect(ollama.requests[2]!.messages.at(-1)!.content.startsWith(ACT_NUDGE)).toBe(true);
    expect(result.reason).toBe("finished");
  });

  it("stops after three replies in a row that are not actions", async () => {
    const { result } = await run([
      { content: "First I will look around." },
      { content: "Then I will fix it." },
      { content: '{"tool": "teleport"}' },
    ]);
    expect(result).toMatchObject({ reason: "malformed-output", turns: 3 });
  });

  it("works through native tool calls for servers without structured output", async () => {
    const call = (name: string, args: Record<string, unknown>): ScriptedReply => ({
      toolCalls: [{ name, arguments: args }],
    });
    const { result } = await run(
      [
        call("edit", { path: "src/calc.py", search: "return a - b", replace: "return a + b" }),
        call("run", { command: TEST_COMMAND }),
        call("finish", { summary: "fixed" }),
      ],
      { mode: "tools" },
    );
    expect(result).toMatchObject({ reason: "finished", testsPassed: true });
    expect(ollama.requests[0]!.format).toBeUndefined();
    expect((ollama.requests[0]!.tools as { function: { name: string } }[]).map((t) => t.function.name)).toContain(
      "edit",
    );
  });

  it("makes a second attempt from a clean workspace that sees the first attempt's failing tests", async () => {
    const WRONG = act({ tool: "edit", path: "src/calc.py", search: "return a - b", replace: "return a * b" });
    const { of, result, sandbox } = await run([WRONG, TEST, FINISH, READ, FIX, TEST, FINISH]);
    expect(of("attempt_start").map((a) => a.sawFailingTests)).toEqual([false, true]);
    const secondTask = ollama.requests[3]!.messages[1]!.content;
    expect(secondTask).toContain("A previous attempt failed");
    expect(secondTask).toContain("AssertionError");
    // The second attempt read the original code: the workspace was reset.
    expect(of("observation")[2]!.text).toContain("return a - b");
    expect(result).toMatchObject({ reason: "finished", testsPassed: true });
    expect(await sandbox.diff()).not.toContain("a * b");
  });

  it(
    "asks the early-stop controller before every model call: a nudge reaches the model, a repeat " + "stops the run",
    async () => {
      const { result, of } = await run(() => READ);
      expect(of("verdict").map((v) => [v.verdict, v.detector])).toEqual([
        ["nudge", "repeated-action"],
        ["stop", "repeated-action"],
      ]);
      expect(ollama.requests[3]!.messages.at(-1)!.content).toContain(
        "You repeated an action with the same arguments and got the same result",
      );
      expect(result).toMatchObject({ reason: "repeated-action", turns: 4 });
    },
  );

  it("judges tests run by hand (pytest on one file), not only the project's test command", async () => {
    const edit = (k: number) =>
      act({
        tool: "edit",
        path: "src/calc.py",
        search: k === 0 ? "return a - b" : `return a * b + ${k - 1}`,
        replace: `return a * b + ${k}`,
      });
    // The scripted model edits within the same second; the agent sandbox writes no bytecode, so a same-size
    // src/calc.py is never imported from a stale .pyc (src/sandbox/sandbox.ts).
    const BY_HAND = act({ tool: "run", command: "python3 -m pytest -q -p no:cacheprovider test_calc.py" });
    const script = [0, 1, 2, 3, 4].flatMap((k) => [edit(k), BY_HAND]);
    const { of, result } = await run((index) => script[index] ?? READ);
    const byHand = of("observation").filter((o) => o.tool === "run");
    // pytest's own summary, read from a real run in the sandbox: one test failing.
    expect(byHand[0]!.tests).toEqual({ passed: false, failed: 1 });
    // Every edit leaves it failing: nudged, then stopped, by the detector that judges test runs.
    expect(of("verdict").map((v) => [v.verdict, v.detector])).toEqual([
      ["nudge", "tests-not-improving"],
      ["stop", "tests-not-improving"],
    ]);
    expect(result).toMatchObject({ reason: "tests-not-improving", turns: 8 });
    // The project's test command never ran: the finish gate and the result know nothing of these runs.
    expect(result.testsPassed).toBeUndefined();
  });

  it("a model paging through a long file ten lines at a time is told to search, then stopped as scanning", async () => {
    // A 400-line module, each function named differently, so every page shows code the model has not seen.
    const names = ["parse", "emit", "visit", "close", "reset", "flush", "merge", "split", "check", "store"];
    const module = Array.from({ length: 400 }, (_, i) => `def ${names[i % 10]}_${Math.floor(i / 10)}(): return ${i}`);
    const CREATE = act({ tool: "create_file", path: "src/big.py", content: `${module.join("\n")}\n` });
    const page = (k: number) =>
      act({ tool: "read_file", path: "src/big.py", start_line: 1 + 10 * k, end_line: 10 + 10 * k });
    const { of, result } = await run((index) => (index === 0 ? CREATE : page(index - 1)), {
      budget: { turns: 40, tokens: 1_000_000, minutes: 10 },
    });
    // Real pages from the sandbox: the 12th read shows the file's lines 111-120.
    const reads = of("observation").filter((o) => o.tool === "read_file");
    expect(reads[11]!.text).toContain("def parse_11(): return 110");
    expect(of("verdict").map((v) => [v.verdict, v.detector])).toEqual([
      ["nudge", "scanning"],
      ["stop", "scanning"],
    ]);
    // The nudge reached the model in the request after the 12th page (turn 13: the create, then 12 pages).
    expect(ollama.requests[13]!.messages.at(-1)!.content).toContain("Search for the name you need instead");
    expect(result).toMatchObject({ reason: "scanning", turns: 19 });
  });

  it("a long build log whose verdict is at its end: the controller reads the end, finds the environment", async () => {
    // Maven's way: screens of download lines first, the reason at the very end. The controller sees a shortened
    // observation; cut to its head, the missing JDK would be out of sight and the run blamed on the model.
    const downloads = Array.from(
      { length: 120 },
      (_, i) => `echo "[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/lib${i}/lib-${i}.pom"`,
    );
    const script = [
      ...downloads,
      'echo "[ERROR] No compiler is provided in this environment."',
      'echo "[ERROR] Perhaps you are running on a JRE rather than a JDK?"',
      "exit 1",
    ].join("\n");
    const CREATE = act({ tool: "create_file", path: "build.sh", content: `${script}\n` });
    const BUILD = act({ tool: "run", command: "sh build.sh" });
    const { of, result } = await run((index) => (index === 0 ? CREATE : BUILD));
    const builds = of("observation").filter((o) => o.tool === "run");
    expect(builds[0]!.text.length).toBeLessThanOrEqual(4100);
    expect(builds[0]!.text).toContain("No compiler is provided");
    expect(of("verdict").map((v) => [v.verdict, v.detector])).toEqual([
      ["nudge", "environment"],
      ["stop", "environment"],
    ]);
    expect(result.reason).toBe("environment");
    expect(result.message).toContain("a JDK with Maven or Gradle");
  });

  it("the same script failing alike under other flags is a loop, through the echoed command line", async () => {
    // The run tool answers `$ command` and its exit code first; they differ with the flags, the failure does not.
    const CREATE = act({
      tool: "create_file",
      path: "repro.py",
      content: 'import sys\nraise SystemExit("error: package com.acme.json does not exist")\n',
    });
    const flags = ["--cp src", "--cp target/classes", "--cp lib", "--cp build", "--cp ."];
    const RUN = (k: number) => act({ tool: "run", command: `python3 repro.py ${flags[k % flags.length]}` });
    const { of, result } = await run((index) => (index === 0 ? CREATE : RUN(index - 1)));
    const runs = of("observation").filter((o) => o.tool === "run");
    expect(runs[0]!.text).toMatch(/^\$ python3 repro.py --cp src\nexit code 1\n/);
    expect(of("verdict").map((v) => [v.verdict, v.detector])).toEqual([
      ["nudge", "repeated-error"],
      ["stop", "repeated-error"],
    ]);
    expect(result).toMatchObject({ reason: "repeated-error", turns: 4 });
  });

  it("stops at the turn budget", async () => {
    const { result } = await run(() => READ, { budget: { turns: 3, tokens: 1_000_000, minutes: 10 } });
    expect(result).toMatchObject({ reason: "turn-budget", turns: 3 });
  });

  it("an abort stops the model stream within 2 s", async () => {
    const controller = new AbortController();
    const before = ollama.disconnects;
    let abortedAt = 0;
    // The abort comes 500 ms into the model's reply (timed from the request, not from sandbox start).
    const { result } = await run(
      () => {
        setTimeout(() => ((abortedAt = Date.now()), controller.abort()), 500);
        return { content: JSON.stringify({ tool: "finish", summary: "x".repeat(4000) }), chunk: 4, delayMs: 20 };
      },
      {},
      controller.signal,
    );
    expect(result.reason).toBe("aborted");
    expect(Date.now() - abortedAt).toBeLessThan(2_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(ollama.disconnects - before).toBe(1);
  });

  it("an abort stops a running command within 2 s", async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    const { result, of, sandbox } = await run(
      (index) => {
        if (index === 0) setTimeout(() => ((abortedAt = Date.now()), controller.abort()), 400);
        return act({ tool: "run", command: "sleep 60 & sleep 61" });
      },
      {},
      controller.signal,
    );
    expect(result.reason).toBe("aborted");
    expect(Date.now() - abortedAt).toBeLessThan(2_000);
    expect(of("observation")).toHaveLength(0);
    expect((await sandbox.exec("ps -eo args")).stdout).not.toMatch(/sleep 6[01]/);
  });
});
