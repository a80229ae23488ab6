import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Action } from "../src/agent/actions.js";
import type { AgentEvent } from "../src/agent/events.js";
import { failedCount } from "../src/agent/failed-count.js";
import { decide, type Budget } from "../src/controller/controller.js";
import { replay } from "../src/controller/replay.js";
import { shellWrites } from "../src/controller/turns.js";
import { mavenSurefire } from "./fixtures/runner-outputs.js";
import type { Trace } from "./fixtures/traces/generate.js";
import { modelTurn } from "./support/model-turn.js";

const BUDGET: Budget = { turns: 40, tokens: 400_000, minutes: 60 };
const policy = (history: readonly AgentEvent[]) => decide(history, { budget: BUDGET }, { elapsedMs: 0 });
/** The controller decides before each model call: a probe turn lets it decide after the last recorded one. */
const andNextTurn = (events: AgentEvent[]): AgentEvent[] => [...events, { type: "turn_start", attempt: 1, turn: 9999 }];

/** A tiny run builder: one call per turn. */
function run() {
  const events: AgentEvent[] = [];
  let turn = 0;
  const start = (text = "{}", thinkingCut = false) =>
    events.push(...modelTurn(++turn, text, { durationMs: 1000, serverDurationMs: 900, thinkingCut }));
  const b = {
    events,
    act(action: Action, text: string, extra: Partial<Extract<AgentEvent, { type: "observation" }>> = {}) {
      start(JSON.stringify(action));
      events.push(
        { type: "action", turn, action, repaired: false },
        { type: "observation", turn, tool: action.tool, text, isError: false, durationMs: 10, ...extra },
      );
      return b;
    },
    read: (path: string) => b.act({ tool: "read_file", path }, `${path}\n 1 code`),
    edit: (path: string, before: string, after: string) =>
      b.act({ tool: "edit", path, search: before, replace: after }, "Edited", { file: { path, before, after } }),
    test: (failed: number, text = `${failed} failed`) =>
      b.act({ tool: "run", command: "npm test" }, text, {
        isError: failed > 0,
        tests: { passed: failed === 0, failed },
      }),
    error: (path: string) =>
      b.act({ tool: "read_file", path }, `cannot read ${path}: No such file or directory`, { isError: true }),
    prose: () => {
      start("I will fix it.");
      events.push({ type: "invalid_reply", turn, kind: "prose", problem: "no JSON" });
      return b;
    },
    think: () => {
      start("", true);
      events.push({ type: "action", turn, action: { tool: "read_file", path: `t${turn}.py` }, repaired: false });
      return b;
    },
  };
  return b;
}

describe("early-stop controller", () => {
  it.each([
    ["repeated-action", () => run().read("a.py").read("a.py").read("a.py").read("a.py")],
    [
      "alternation",
      () =>
        run()
          .act({ tool: "search", pattern: "x" }, "hit x")
          .act({ tool: "search", pattern: "y" }, "hit y")
          .act({ tool: "search", pattern: "x" }, "other x")
          .act({ tool: "search", pattern: "y" }, "other y")
          .act({ tool: "search", pattern: "x" }, "third x"),
    ],
    [
      "repeated-error",
      () =>
        run()
          .act({ tool: "create_file", path: "a.py", content: "1" }, "a.py already exists", { isError: true })
          .read("b.py")
          .act({ tool: "create_file", path: "a.py", content: "2" }, "a.py already exists", { isError: true })
          .read("c.py")
          .act({ tool: "create_file", path: "a.py", content: "3" }, "a.py already exists", { isError: true }),
    ],
    ["error-streak", () => run().error("a1.py").prose().error("b22.py").error("c333.py")],
    ["malformed-output", () => run().prose().prose().prose()],
    ["edit-oscillation", () => run().edit("a.py", "h0", "h1").edit("a.py", "h1", "h0").edit("a.py", "h0", "h1")],
    [
      "tests-not-improving",
      () =>
        run()
          .test(2)
          .edit("a.py", "h0", "h1")
          .test(2, "2 failed: x")
          .edit("a.py", "h1", "h2")
          .test(2, "2 failed: y")
          .edit("a.py", "h2", "h3")
          .test(2, "2 failed: z"),
    ],
    ["thinking-runaway", () => run().think().think().think()],
    [
      "degenerate-text",
      () =>
        run()
          .act({ tool: "read_file", path: "a.py" }, "a", {})
          .act({ tool: "read_file", path: "b.py" }, "b")
          .act({ tool: "read_file", path: "c.py" }, "c"),
    ],
  ] as const)("%s: one nudge, then a stop with evidence when it happens again", (reason, build) => {
    const b = build();
    if (reason === "degenerate-text")
      for (const e of b.events) if (e.type === "model_reply") e.text = "the fix is the fix is the fix is ".repeat(10);
    const result = replay(andNextTurn(b.events), policy);
    expect(result.nudges).toContain(reason);
    expect(result.stopped).toMatchObject({ reason, evidence: expect.arrayContaining([expect.any(Number)]) });
  });

  // The synthetic corpus's 40-turn budget would end these runs first.
  const longPolicy = (history: readonly AgentEvent[]) =>
    decide(history, { budget: { ...BUDGET, turns: 90 } }, { elapsedMs: 0 });

  it("no-edit: nudges after 40 turns without an edit or anything new seen, stops 8 later", () => {
    const b = run();
    for (let i = 0; i < 49; i++) b.act({ tool: "search", pattern: `helper_${i}` }, "no matches");
    const result = replay(b.events, longPolicy);
    expect(result.nudges).toEqual(["no-edit"]);
    expect(result).toMatchObject({ turns: 48, stopped: { reason: "no-edit" } });
  });

  it("no-edit: searches that find nothing are no new content, even when each answer names what was searched", () => {
    const b = run();
    for (let i = 0; i < 49; i++)
      b.act({ tool: "search", pattern: `parseLenient${i}` }, `No matches found for "parseLenient${i}" in /fastjson2`);
    const result = replay(b.events, longPolicy);
    expect(result.nudges).toEqual(["no-edit"]);
    expect(result).toMatchObject({ turns: 48, stopped: { reason: "no-edit" } });
  });

  it("no-edit: a run reading code it has not seen is exploring: nudged, not stopped", () => {
    const b = run();
    for (let i = 0; i < 49; i++) b.read(`f${i}.py`);
    const result = replay(b.events, longPolicy);
    expect(result.nudges).toContain("no-edit");
    expect(result.stopped).toBeUndefined();
  });

  it(
    "does not stop productive work: test re-runs after edits, slow commands, reading many files, a falling " +
      "failure count",
    () => {
      const b = run().read("a.py").read("b.py").read("c.py").read("d.py").read("e.py").read("f.py").test(5);
      b.edit("a.py", "h0", "h1").test(4).edit("a.py", "h1", "h2").test(4).edit("b.py", "g0", "g1").test(2);
      b.act({ tool: "run", command: "make slow-integration" }, "ok", { durationMs: 25 * 60_000 });
      b.edit("b.py", "g1", "g2").test(1).read("a.py").edit("c.py", "k0", "k1").test(0);
      const result = replay(b.events, policy);
      expect(result.stopped).toBeUndefined();
    },
  );

  // Patterns found in the real-run corpus's resolved runs (bench:controller), each a false stop before.
  describe("what strong models do that is not flailing", () => {
    const stoppedOrNudged = (b: ReturnType<typeof run>) => {
      const result = replay(andNextTurn(b.events), policy);
      return { stopped: result.stopped?.reason, nudges: result.nudges };
    };

    it("rereading: the same read answered with different content (other spans of a file) is no rereading", () => {
      const b = run()
        .act({ tool: "read_file", path: "core/power.py" }, "class Pow:")
        .act({ tool: "read_file", path: "core/power.py" }, "def _eval_is_zero(self):")
        .act({ tool: "read_file", path: "core/power.py" }, "def __new__(cls, b, e):")
        .act({ tool: "read_file", path: "core/power.py" }, "def _eval_power(self, other):");
      expect(stoppedOrNudged(b)).toEqual({ stopped: undefined, nudges: [] });
      // The same read answered the same way, other steps between, is rereading (repeated-action, which would
      // fire first on it, switched off).
      const c = run();
      for (const other of ["a", "b", "c", "d"])
        c.act({ tool: "read_file", path: "core/power.py" }, "class Pow:").act(
          { tool: "search", pattern: `def ${other}` },
          `core/${other}.py: def ${other}`,
        );
      const thresholds = { repeatedAction: 1e9 };
      const result = replay(andNextTurn(c.events), (h) => decide(h, { budget: BUDGET, thresholds }, { elapsedMs: 0 }));
      expect(result).toMatchObject({ stopped: { reason: "rereading" }, nudges: ["rereading"] });
    });

    it("tests-not-improving: failing counts of different test selections are not compared", () => {
      const b = run();
      const pytest = (file: string, failed: number) =>
        b.act({ tool: "run", command: `pytest tests/${file}` }, `${failed} failed`, {
          isError: true,
          tests: { passed: false, failed },
        });
      pytest("test_one.py", 1).edit("src/a.py", "h0", "h1");
      pytest("test_module.py", 3).edit("src/a.py", "h1", "h2");
      pytest("test_other.py", 2).edit("src/a.py", "h2", "h3");
      pytest("test_more.py", 2);
      expect(stoppedOrNudged(b).stopped).toBeUndefined();
      expect(stoppedOrNudged(b).nudges).not.toContain("tests-not-improving");
    });

    it("tests-not-improving: edits only to the test file being run are the model writing its test", () => {
      const editThenTest = (path: string) => {
        const b = run();
        for (let i = 0; i < 4; i++)
          b.edit(path, `v${i}`, `v${i + 1}`).act(
            { tool: "run", command: "pytest tests/test_repro.py" },
            `1 failed: attempt ${"abcd"[i]}`,
            { isError: true, tests: { passed: false, failed: 1 } },
          );
        return stoppedOrNudged(b);
      };
      expect(editThenTest("tests/test_repro.py").nudges).not.toContain("tests-not-improving");
      // The same runs after edits to the code under test are still judged.
      expect(editThenTest("src/skipping.py").stopped).toBe("tests-not-improving");
    });

    describe("tests-not-improving on a Java project: Surefire's count is read", () => {
      const compileError = (line: number) =>
        "[ERROR] COMPILATION ERROR :\n" +
        `[ERROR] /repo/core/src/main/java/com/alibaba/fastjson2/JSONReader.java:[${line},9] cannot find symbol\n` +
        "[INFO] BUILD FAILURE";
      /** Edits to the code under test, each followed by `mvn test` with that many failures (or that output). */
      const mavenRun = (failures: (number | string)[]) => {
        const b = run();
        failures.forEach((count, i) => {
          const output = typeof count === "number" ? mavenSurefire(count, 0) : count;
          b.edit("core/src/main/java/com/alibaba/fastjson2/JSONReader.java", `h${i}`, `h${i + 1}`).act(
            { tool: "run", command: "mvn -q test" },
            `$ mvn -q test\nexit code 1\n${output}`,
            { isError: true, tests: { passed: false, failed: failedCount(output) } },
          );
        });
        return stoppedOrNudged(b);
      };

      it("a fix taking Surefire's failures from 5 to 1 is progress, not a run to stop", () => {
        expect(mavenRun([5, 4, 3, 2, 1])).toEqual({ stopped: undefined, nudges: [] });
      });

      it("edits that leave Surefire's failures where they were are still judged", () => {
        expect(mavenRun([3, 3, 3, 3, 3]).stopped).toBe("tests-not-improving");
      });

      it("a build that fails before any test runs gives no count: not judged against the best run", () => {
        expect(mavenRun([3, compileError(120), compileError(131), 3, 1]).nudges).not.toContain("tests-not-improving");
      });

      it("the same build failure word for word after each edit is still an edit that changed nothing", () => {
        expect(mavenRun([3, compileError(120), compileError(120), compileError(120)]).stopped).toBe(
          "tests-not-improving",
        );
      });
    });

    it("repeated-edit: a file deleted (rm, git checkout) and written again is made anew, not re-applied", () => {
      const content = "import django\nprint('repro')\n";
      const create = { tool: "create_file", path: "reproduce.py", content } as const;
      const b = run()
        .act(create, "Created", { file: { path: "reproduce.py", before: "", after: "h1" } })
        .act({ tool: "run", command: "rm reproduce.py apply_patch.py" }, "")
        .act(create, "Created", { file: { path: "reproduce.py", before: "", after: "h2" } })
        .act({ tool: "run", command: "git checkout -- reproduce.py" }, "")
        .act(create, "Created", { file: { path: "reproduce.py", before: "", after: "h3" } });
      expect(stoppedOrNudged(b).nudges).not.toContain("repeated-edit");
      // Without the deletions the same writes are a loop.
      const c = run()
        .act(create, "Created", { file: { path: "reproduce.py", before: "", after: "h1" } })
        .act({ tool: "run", command: "ls" }, "reproduce.py")
        .act(create, "Created", { file: { path: "reproduce.py", before: "h1", after: "h1" } })
        .act({ tool: "run", command: "ls -la" }, "reproduce.py 1 KB")
        .act(create, "Created", { file: { path: "reproduce.py", before: "h1", after: "h1" } });
      expect(stoppedOrNudged(c).stopped).toBe("repeated-edit");
    });

    it("repeated-error: different code probed (python -c) failing alike is an experiment; the same code is not", () => {
      const probe = (arg: string) =>
        ({ tool: "run", command: `python3 -c "import idna; idna.encode('${arg}')"` }) as const satisfies Action;
      const failure = "Traceback (most recent call last):\nidna.core.IDNAError: Empty Label";
      const b = run()
        .act(probe(".example.com"), failure, { isError: true })
        .read("a.py")
        .act(probe("example..com"), failure, { isError: true })
        .read("b.py")
        .act(probe("a..b"), failure, { isError: true });
      expect(stoppedOrNudged(b).nudges).not.toContain("repeated-error");
      const c = run()
        .act(probe(".example.com"), failure, { isError: true })
        .read("a.py")
        .act(probe(".example.com"), failure, { isError: true })
        .read("b.py")
        .act(probe(".example.com"), failure, { isError: true });
      expect(stoppedOrNudged(c).stopped).toBe("repeated-error");
    });

    it("repeated-error: a script re-run after each edit, its output moving only in numbers, is the fix working", () => {
      const repro = { tool: "run", command: "python3 reproduce.py" } as const;
      const editThenRepro = (output: (i: number) => string) => {
        const b = run();
        for (let i = 0; i < 4; i++)
          b.edit("src/total.py", `h${i}`, `h${i + 1}`).act(repro, output(i), { isError: true });
        return stoppedOrNudged(b);
      };
      expect(editThenRepro((i) => `AssertionError: expected 42, got ${38 + i}`)).toEqual({
        stopped: undefined,
        nudges: [],
      });
      // Word for word the same failure after each edit: the edits change nothing the script sees.
      expect(editThenRepro(() => "AssertionError: expected 42, got 38").stopped).toBe("repeated-error");
      // And with no edit between, the numbers are blanked as before: the same loop whatever the counter says.
      const d = run();
      for (let i = 0; i < 4; i++) d.read(`notes${i}.md`).act(repro, `failed after ${i}.${i}1 s`, { isError: true });
      expect(stoppedOrNudged(d).stopped).toBe("repeated-error");
    });

    it("a sed script's own text names no file: only its arguments are written", () => {
      expect(shellWrites("sed -i 's/query_debug.py/query_final.py/' tools/apply_patch.py")).toEqual([
        "tools/apply_patch.py",
      ]);
    });
  });

  it("a nudge is forgotten once the tests get better", () => {
    const b = run()
      .test(3)
      .edit("a.py", "h0", "h1")
      .test(3, "3 failed: x")
      .edit("a.py", "h1", "h2")
      .test(3, "3 failed: y");
    b.edit("a.py", "h2", "h3").test(2).edit("a.py", "h3", "h4").test(2, "2 failed: z").edit("a.py", "h4", "h5").test(0);
    const result = replay(b.events, policy);
    expect(result.nudges).toContain("tests-not-improving");
    expect(result.stopped).toBeUndefined();
  });

  it("enforces the budgets; energy only when a meter reports it", () => {
    const b = run().read("a.py").read("b.py");
    expect(decide(b.events, { budget: { ...BUDGET, turns: 2 } }, { elapsedMs: 0 })).toMatchObject({
      kind: "stop",
      reason: "turn-budget",
    });
    expect(decide(b.events, { budget: { ...BUDGET, tokens: 2000 } }, { elapsedMs: 0 })).toMatchObject({
      kind: "stop",
      reason: "token-budget",
    });
    expect(decide(b.events, { budget: BUDGET }, { elapsedMs: 61 * 60_000 })).toMatchObject({
      kind: "stop",
      reason: "time-budget",
    });
    expect(decide(b.events, { budget: { ...BUDGET, energyWh: 10 } }, { elapsedMs: 0, energyWh: 12 })).toMatchObject({
      kind: "stop",
      reason: "energy-budget",
    });
    expect(decide(b.events, { budget: { ...BUDGET, energyWh: 10 } }, { elapsedMs: 0 })).toEqual({ kind: "continue" });
  });

  it("on the trace corpus: stops every failed run before its budget, no resolved one before its fix", () => {
    const dir = new URL("./fixtures/traces/", import.meta.url);
    const traces: Trace[] = readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => JSON.parse(readFileSync(new URL(f, dir), "utf8")));
    expect(traces.length).toBeGreaterThanOrEqual(80);
    for (const trace of traces) {
      const result = replay(trace.events, policy);
      if (trace.fixAtTurn !== undefined) {
        // Fixed, then looping until the budget: stopped after the fix, so the diff goes to verification.
        expect(result.stopped?.reason, trace.name).not.toMatch(/budget/);
        expect(result.turns, trace.name).toBeGreaterThanOrEqual(trace.fixAtTurn);
      } else if (trace.resolved) expect(result.stopped, trace.name).toBeUndefined();
      else expect(result.stopped?.reason, trace.name).not.toMatch(/budget/);
    }
  });
});
