import { rmSync } from "node:fs";
import type Docker from "dockerode";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentEvent } from "../src/agent/events.js";
import { runAgent } from "../src/agent/loop.js";
import { preflightTestCommand } from "../src/controller/preflight.js";
import { createChatModel } from "../src/model/chat.js";
import { createSandbox, type Sandbox } from "../src/sandbox/sandbox.js";
import { cloneWorkspace, removeWorkspace } from "../src/sandbox/workspace.js";
import { SANDBOX_IMAGE, fixtureRepo, requireDocker } from "./support/docker.js";
import { startFakeOllama, type FakeOllama } from "./support/fake-ollama.js";

const MODEL = "qwen2.5-coder:7b";
const ISSUE = { title: "add() subtracts", body: "`add(2, 3)` in src/calc.py returns -1 instead of 5." };

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

async function sandbox(): Promise<Sandbox> {
  const workspace = await cloneWorkspace({ url: `file://${repo.path}`, sha: repo.sha });
  const box = await createSandbox(docker, {
    runId: `preflight-test-${Date.now()}`,
    namespace: `nstest-preflight-${process.pid}`,
    workspace,
    phase: "agent",
    image: SANDBOX_IMAGE,
  });
  cleanups.push(
    () => removeWorkspace(workspace),
    () => box.destroy(),
  );
  return box;
}

async function runWith(testCommand: string, actions: object[] = [], turns = 3, issue = ISSUE) {
  ollama.requests.length = 0;
  const read = { tool: "read_file", path: "src/calc.py" };
  ollama.setScript((_, i) => ({ content: JSON.stringify(actions[i] ?? read) }));
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
    { model, sandbox: await sandbox(), emit: (e) => events.push(e) },
    { issue, testCommand, budget: { turns, tokens: 200_000, minutes: 10 } },
  );
  return { result, events, chats: ollama.requests.length };
}

describe("preflight: the test command is checked once before the first model call", () => {
  it("a missing toolchain stops the run as `environment` with no model call, naming what to install", async () => {
    const { result, events, chats } = await runWith("mvn -q test");
    expect(result.reason).toBe("environment");
    expect(result.message).toContain("`mvn`");
    expect(result.message).toContain("setup");
    expect(chats).toBe(0);
    expect(events.some((e) => e.type === "turn_start")).toBe(false);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "verdict", verdict: "stop", detector: "environment" }),
    );
  });

  it("a missing Python module is named as such", async () => {
    const message = await preflightTestCommand(await sandbox(), `python3 -c "import numpy_not_installed_here"`);
    expect(message).toContain("the Python module `numpy_not_installed_here`");
  });

  it("a module that is the repository's own, imported from elsewhere, is the test command's to fix", async () => {
    // `src/` is at the fixture repository's root: nothing to install; the command runs from the wrong place.
    const message = await preflightTestCommand(await sandbox(), `cd /tmp && python3 -c "import src.calc"`);
    expect(message).toContain("cannot import `src`, which is the repository's own");
    expect(message).toContain("run the tests from the repository root");
    expect(message).not.toContain("install");
  });

  it("a missing module the issue itself reports is the bug: the model is called, and not stopped for it", async () => {
    const command = `python3 -c "import yaml_optional_here"`;
    const issue = {
      title: "Importing calc fails when the optional yaml_optional_here is not installed",
      body: "`ModuleNotFoundError: No module named 'yaml_optional_here'`: it should be optional.",
    };
    const issueText = `${issue.title}\n${issue.body}`;
    expect(await preflightTestCommand(await sandbox(), command, { issueText })).toBeUndefined();
    // The model runs the failing test command four times: stopped as a repeat (its own loop), never as `environment`.
    const tests = Array.from({ length: 4 }, () => ({ tool: "run", command }));
    const { result, events, chats } = await runWith(command, tests, 5, issue);
    expect(chats).toBeGreaterThan(0);
    expect(result.reason).toBe("repeated-action");
    expect(events.filter((e) => e.type === "verdict" && e.detector === "environment")).toEqual([]);
    // The same command with an issue that does not name the module: stopped before any model call.
    const other = await runWith(command, tests, 5);
    expect(other.result.reason).toBe("environment");
    expect(other.chats).toBe(0);
  });

  it("pytest naming a test id that is not there (`ERROR: not found: …`) is no missing command `ERROR`", async () => {
    // pytest's own words for a node id the command names but the tree lacks: the repository's, not the image's.
    const command =
      `python3 -c "print('ERROR: not found: /workspace/tests/test_calc.py::test_total'); ` +
      `print('(no name matched)'); raise SystemExit(4)"`;
    expect(await preflightTestCommand(await sandbox(), command)).toBeUndefined();
    const { result, chats } = await runWith(command);
    expect(result.reason).not.toBe("environment");
    expect(chats).toBeGreaterThan(0);
  });

  it("tests that merely fail (the bug is not fixed yet) are no environment problem: the model is called", async () => {
    const { result, chats } = await runWith(`python3 -c "import sys; print('1 failed'); sys.exit(1)"`);
    expect(result.reason).not.toBe("environment");
    expect(chats).toBeGreaterThan(0);
  });
});

describe("a toolchain the model keeps reaching for during the run (the test command works)", () => {
  const TESTS = `python3 -c "import test_calc; test_calc.test_add(); print('1 passed')"`;
  const javaTries = [
    { tool: "run", command: "javac Main.java" },
    { tool: "run", command: "mvn -q compile" },
    { tool: "run", command: "java -version" },
  ];
  const lastPrompt = (i: number) => ollama.requests[i]!.messages.at(-1)!.content;

  it("is told once what the sandbox lacks, makes the fix; the result carries the finding", async () => {
    const fix = { tool: "edit", path: "src/calc.py", search: "a - b", replace: "a + b" };
    const finish = { tool: "finish", summary: "add() adds" };
    const { result, events } = await runWith(TESTS, [...javaTries, fix, finish, finish], 10);
    expect(result.reason).toBe("finished");
    expect(result.testsPassed).toBe(true);
    expect(lastPrompt(3)).toContain("The sandbox lacks a JDK with Maven or Gradle");
    expect(lastPrompt(3)).toContain("Do not try it again");
    expect(events.filter((e) => e.type === "verdict" && e.detector === "environment")).toHaveLength(1);
    expect(result.environment).toContain("install a JDK and the build tool, and set JAVA_HOME");
    // The edit's observation gives the file's length (the repeated-edit detector compares it).
    const edited = events.find((e) => e.type === "observation" && e.tool === "edit");
    expect(edited).toMatchObject({ isError: false, file: { path: "src/calc.py", lines: 2 } });
    expect(result.environment).toContain("not the model");
  });

  it("trying it again after being told stops the run as `environment`, with no further model call", async () => {
    const { result, chats } = await runWith(TESTS, [...javaTries, { tool: "run", command: "javac -version" }], 10);
    expect(result.reason).toBe("environment");
    expect(result.message).toContain("the sandbox lacks a JDK with Maven or Gradle (`javac`, `mvn`, `java` not found)");
    expect(chats).toBe(4);
  });
});
