import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { benchRealRuns, endingOf, fixLost, measure, reportedSplit, turnCaps } from "../bench/controller-real-runs.js";
import { nightshiftWith, REAL_BUDGET } from "../bench/controller-policies.js";
import type { AgentEvent } from "../src/agent/events.js";
import { decide } from "../src/controller/controller.js";
import { replay, type Policy } from "../src/controller/replay.js";
import {
  acrSearchFailed,
  convertSweAgent,
  issueOf,
  miniRuns,
  outcomesOf,
  taskKey,
  sweAgentError,
  sweAgentFolderRuns,
} from "../bench/traces/convert-real-runs.js";
import { loadRealRuns, realRunsDir, splitOf, type RealRun } from "../bench/traces/real-runs.js";
import { editorAction, shellWords } from "../bench/traces/sweagent-editor.js";
import { toTurns } from "../src/controller/turns.js";

// A hand-written run in mini-swe-agent's trajectory format (not copied from any published run).
const RAW = join(import.meta.dirname, "fixtures/real-runs/raw");

/** What bench:controller's real-run half prints for the corpus `env` names, under a policy that never stops. */
function benchOutput(env: NodeJS.ProcessEnv): string {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    benchRealRuns({ "no stop": () => ({ kind: "continue" }) }, REAL_BUDGET, env);
    return log.mock.calls.map((c) => String(c[0])).join("\n");
  } finally {
    log.mockRestore();
  }
}

describe("real-run converter (bench/traces/convert-real-runs.ts)", () => {
  // The converter's own finish reasons (the source framework's exit) are wider than Nightshift's StopReason.
  const [run] = [...miniRuns(RAW)] as unknown as RealRun[];

  it("reads the outcome from the report and finds the turn that wrote the fix", () => {
    expect(run!.meta).toMatchObject({
      instance: "demo__calc-1",
      resolved: true,
      turns: 6,
      fixAtTurn: 3,
      tokenSource: "recorded",
      exitStatus: "Submitted",
    });
  });

  it("keeps the issue the run worked on, as the framework gave it", () => {
    expect(run!.meta.issueText).toBe("add(2, 3) returns -1");
  });

  it("finds the issue in the last user message that has it, not a demonstration's or the system prompt's", () => {
    const messages = [
      { role: "system", content: "Write the issue between <issue> and </issue>." },
      { role: "user", content: "--- DEMONSTRATION ---\nISSUE:\nTimeDelta rounds wrong\n\nINSTRUCTIONS:\nfix it" },
      {
        role: "user",
        content: "ISSUE:\nimporting the package fails without PyYAML\n\nINSTRUCTIONS:\nNow, you're going",
      },
    ];
    expect(issueOf(messages)).toBe("importing the package fails without PyYAML");
    expect(issueOf([{ role: "user", content: [{ type: "text", text: "<issue>Unroll all/any</issue>" }] }])).toBe(
      "Unroll all/any",
    );
    expect(issueOf([{ role: "system", content: "<issue> and </issue>" }])).toBe("");
  });

  it("the bench gives Nightshift the run's issue as the product does: a module it reports is no environment", () => {
    const missing = (turn: number): AgentEvent[] => [
      { type: "turn_start", attempt: 1, turn },
      {
        type: "model_reply",
        turn,
        promptTokens: 100,
        completionTokens: 10,
        durationMs: 0,
        serverDurationMs: 0,
        thinkingCut: false,
        text: "run",
      },
      { type: "action", turn, action: { tool: "run", command: `python3 check_${turn}.py` }, repaired: false },
      {
        type: "observation",
        turn,
        tool: "run",
        text: "ModuleNotFoundError: No module named 'yaml'",
        isError: true,
        durationMs: 0,
      },
    ];
    const events = [1, 2, 3, 4, 5].flatMap(missing);
    const meta = { ...run!.meta, id: "yaml-run", resolved: false };
    const told = measure(
      "issue names yaml",
      [{ meta: { ...meta, issueText: "fails without the optional yaml" }, events }],
      nightshiftWith(REAL_BUDGET),
    );
    const untold = measure(
      "issue silent",
      [{ meta: { ...meta, issueText: "add(2, 3) returns -1" }, events }],
      nightshiftWith(REAL_BUDGET),
    );
    expect(untold.stops.get("environment")).toBe(1);
    expect(told.stops.get("environment")).toBeUndefined();
    expect(told.environmentNudged.size).toBe(0);
  });

  it("a sed substitution applied to a line the run was shown dates the fix; a failed patch script does not", () => {
    const [, second] = [...miniRuns(RAW)] as unknown as RealRun[];
    // Turn 1 shows `return a - b`; turn 2 writes fix.py holding the fixed line, turn 3 runs it and fails;
    // turn 4's sed (which holds only part of the line) turns the shown line into the fixed one.
    expect(second!.meta).toMatchObject({ instance: "demo__calc-2", fixAtTurn: 4, fixAtTurnBasis: "evidence" });
  });

  it("maps shell commands to actions, a reply without a command to an invalid reply, the submit to finish", () => {
    const turns = toTurns(run!.events);
    expect(turns.map((t) => t.action?.tool ?? t.invalid)).toEqual([
      "read_file",
      "search",
      "edit",
      "prose",
      "run",
      "finish",
    ]);
    expect(turns[2]!.observation?.file?.path).toBe("calc/ops.py");
    expect(turns[4]!.observation?.tests).toEqual({ passed: false, failed: 1 });
    // grep exiting 1 with no output found nothing: an informative negative, not an error.
    expect(turns[1]!.step?.kind).toBe("negative");
    expect(turns[0]!.tokens).toBe(940);
  });

  it("a reply with several commands is no invalid reply: Nightshift's parser would have run the first", () => {
    const [, , third] = [...miniRuns(RAW)] as unknown as RealRun[];
    const turns = toTurns(third!.events);
    expect(turns).toHaveLength(3);
    expect(turns[0]!.invalid).toBeUndefined();
    expect(turns[0]!.tokens).toBe(930);
    expect(turns.map((t) => t.action?.tool)).toEqual([undefined, "read_file", "finish"]);
  });

  it("a stop at or after the fix's turn salvages it; before it, or with the turn unknown, the fix is lost", () => {
    const stopped = (turns: number) => ({
      turns,
      stopped: { reason: "rereading" as const, message: "", evidence: [] },
    });
    expect(fixLost(run!, stopped(3))).toBe(false);
    expect(fixLost(run!, stopped(2))).toBe(true);
    expect(fixLost({ ...run!, meta: { ...run!.meta, fixAtTurn: null } }, stopped(5))).toBe(true);
    expect(fixLost(run!, { turns: 6 })).toBe(false);
  });

  it("the bench counts a stop after the fix as salvaged and one before it as lost, and nudged runs apart", () => {
    const stopAt =
      (n: number): Policy =>
      (history) => {
        const turns = history.filter((e) => e.type === "turn_start").length;
        if (turns === 1) return { kind: "nudge", reason: "rereading", message: "m", evidence: [1] };
        return turns >= n ? { kind: "stop", reason: "rereading", message: "m", evidence: [n] } : { kind: "continue" };
      };
    // fixAtTurn is 3: stopping after 3 turns salvages it, after 2 loses it.
    const late = measure("late", [run!], stopAt(3));
    expect([late.resolvedStopped, late.resolvedSalvaged, late.resolvedLost.length]).toEqual([1, 1, 0]);
    expect([late.resolvedNudged, late.resolvedNudgedThenStopped]).toEqual([1, 1]);
    const early = measure("early", [run!], stopAt(2));
    expect([early.resolvedStopped, early.resolvedSalvaged, early.resolvedLost]).toEqual([1, 0, [run!.meta.id]]);
    const never = measure("never", [run!], () => ({ kind: "continue" }));
    expect([never.resolvedStopped, never.resolvedNudged, never.resolvedLost.length]).toEqual([0, 0, 0]);
  });

  it("unresolved runs are told apart by how they ended: submitted a patch, or ended by their framework", () => {
    const runs = [...miniRuns(RAW)] as unknown as RealRun[];
    const calc3 = runs.find((r) => r.meta.instance === "demo__calc-3")!;
    // The same run once more, ended by its framework's cost limit instead of a submission.
    const limited: RealRun = {
      meta: { ...calc3.meta, id: `${calc3.meta.id}-limited` },
      events: calc3.events.map((e) =>
        e.type === "finish" ? ({ ...e, reason: "cost-limit" } as unknown as AgentEvent) : e,
      ),
    };
    expect([endingOf(calc3), endingOf(limited)]).toEqual([
      "submitted a patch",
      "ended by its framework (cost, context or step limit, error)",
    ]);
    const afterOneTurn: Policy = (history) =>
      history.some((e) => e.type === "turn_start")
        ? { kind: "stop", reason: "rereading", message: "m", evidence: [1] }
        : { kind: "continue" };
    const f = measure("one turn", [calc3, limited], afterOneTurn);
    // 930 + 1030 + 1130 tokens recorded in each; the policy keeps the first turn's 930.
    expect([...f.endings]).toEqual([
      ["submitted a patch", { runs: 1, recorded: 3090, kept: 930 }],
      ["ended by its framework (cost, context or step limit, error)", { runs: 1, recorded: 3090, kept: 930 }],
    ]);
  });

  it("a turn cap alone: saves the unresolved runs' later turns and loses the fixes written after it", () => {
    const runs = [...miniRuns(RAW)] as unknown as RealRun[];
    // demo__calc-3 (unresolved) spends 930 + 1030 + 1130 tokens; calc-1 and calc-2 write their fixes at turns 3, 4.
    expect(turnCaps(runs, [2, 3, 10])).toEqual([
      { cap: 2, saved: 1 - 1960 / 3090, lost: 2 },
      { cap: 3, saved: 0, lost: 1 },
      { cap: 10, saved: 0, lost: 0 },
    ]);
  });

  it("as a command: writes corpus/<id>.json and a split by task that the bench reads back", () => {
    const out = mkdtempSync(join(tmpdir(), "nightshift-real-runs-"));
    try {
      execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          join(import.meta.dirname, "../bench/traces/convert-real-runs.ts"),
          RAW,
          join(out, "corpus"),
        ],
        { stdio: "pipe" },
      );
      const dir = realRunsDir({ NIGHTSHIFT_REAL_RUNS: out });
      expect(dir).toBe(out);
      const runs = loadRealRuns(dir!);
      expect(runs.map((r) => r.meta.id)).toEqual([
        "mini-gemini3pro__demo__calc-1",
        "mini-gemini3pro__demo__calc-2",
        "mini-gemini3pro__demo__calc-3",
      ]);
      const split = JSON.parse(readFileSync(join(out, "split.json"), "utf8")) as Record<string, string[]>;
      expect(split[splitOf("demo__calc-1")]).toContain("mini-gemini3pro__demo__calc-1");
      expect(split[splitOf("demo__calc-2")]).toContain("mini-gemini3pro__demo__calc-2");
      expect(realRunsDir({ NIGHTSHIFT_REAL_RUNS: join(out, "missing") })).toBeUndefined();

      // NIGHTSHIFT_REAL_SPLIT=all reports every run (a corpus nothing was tuned on); eval only its half.
      const printed = (split?: string) =>
        benchOutput({ NIGHTSHIFT_REAL_RUNS: out, ...(split ? { NIGHTSHIFT_REAL_SPLIT: split } : {}) });
      expect(printed("all")).toContain("reporting on ALL of them — 3 runs");
      const evalRuns = ["demo__calc-1", "demo__calc-2", "demo__calc-3"].filter((i) => splitOf(i) === "eval").length;
      expect(printed("eval")).toContain(`reporting on the EVAL split only — ${evalRuns} runs`);
      // These runs are from a source the thresholds were tuned on (the manifest's): by default, the eval half.
      expect(printed()).toContain(`reporting on the EVAL split only — ${evalRuns} runs`);
      expect(() => reportedSplit({ NIGHTSHIFT_REAL_SPLIT: "held-out" })).toThrow(/must be "tune", "eval" or "all"/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("converter: errors come from the tool's answer, never from the code it shows", () => {
  const view = [
    "[File: /repo/django/core/management/__init__.py (414 lines total)]",
    "12:except ImportError:",
    "13:    raise CommandError('No such file')",
  ].join("\n");
  it("SWE-agent: a file view or a successful edit that shows `ImportError` in the code is no error", () => {
    expect(sweAgentError({ tool: "read_file", path: "a.py" }, view)).toBe(false);
    expect(sweAgentError({ tool: "edit", path: "a.py", search: "lines 1-2 of a.py", replace: "x" }, view)).toBe(false);
    expect(
      sweAgentError({ tool: "search", pattern: "ImportError" }, 'Found 3 matches for "ImportError" in /repo:'),
    ).toBe(false);
  });
  it("SWE-agent: the edit checker's refusal, a missing file and a failing script are errors", () => {
    const refusal = "Your proposed edit has introduced new syntax error(s). Please understand the fixes and retry";
    expect(sweAgentError({ tool: "edit", path: "a.py", search: "lines 1-2 of a.py", replace: "x" }, refusal)).toBe(
      true,
    );
    expect(sweAgentError({ tool: "read_file", path: "b.py" }, "File b.py not found")).toBe(true);
    expect(sweAgentError({ tool: "search", pattern: "x", path: "nope" }, "Directory nope not found")).toBe(true);
    const run = { tool: "run" as const, command: "python reproduce.py" };
    expect(sweAgentError(run, "Traceback (most recent call last):\n  File ...")).toBe(true);
  });
  it("SWE-agent 0.x: a line-range edit wrote when it shows the file's window, and did not when it shows none", () => {
    const edit = { tool: "edit" as const, path: "a.py", search: "lines 1-2 of a.py", replace: "x" };
    // The edit's helper script failing (a linter on an old Python) while the edit still went in.
    const helperTraceback = [
      "Traceback (most recent call last):",
      '  File "/root/commands/_split_string", line 20, in <module>',
      "ModuleNotFoundError: No module named 'dataclasses'",
      "[File: /repo/a.py (6 lines total)]",
      "1:import os",
      "File updated. Please review the changes and make sure they are correct.",
    ].join("\n");
    expect(sweAgentError(edit, helperTraceback)).toBe(false);
    expect(sweAgentError(edit, "cp: cannot stat '/repo/a.py': No such file or directory")).toBe(true);
    expect(sweAgentError(edit, "/root/commands/edit_linting.sh: line 69: $start_line: substring expression < 0")).toBe(
      true,
    );
    expect(sweAgentError(edit, "")).toBe(true);
  });
  it("AutoCodeRover: code found that says `Error` is no error; `Could not find` is the API's negative answer", () => {
    expect(
      acrSearchFailed("Found 1 methods with name raise_error in the codebase:\n- def raise_error(): raise ValueError"),
    ).toBe(false);
    expect(acrSearchFailed("Could not find method foo in the codebase.")).toBe(true);
    expect(acrSearchFailed("There is no method with name foo in class Bar.")).toBe(true);
  });
});

describe("converter: SWE-agent edits by line range", () => {
  it("an edit's answer `[File: … (N lines total)]` gives the file's length after it", () => {
    const history = [
      { role: "user", content: "fix add()" },
      { role: "assistant", content: "open it", action: "open calc.py" },
      { role: "user", content: "[File: /repo/calc.py (2 lines total)]\n1:def add(a, b):\n2:    return a - b" },
      { role: "assistant", content: "fix it", action: "edit 2:2\n    return a + b\n    # fixed\nend_of_edit" },
      { role: "user", content: "[File: /repo/calc.py (3 lines total)]\n1:def add(a, b):\n2:    return a + b" },
    ];
    const { events } = convertSweAgent({ history, info: { exit_status: "submitted" } }, false);
    const edit = events.find((e) => e.type === "observation" && e.tool === "edit");
    expect(edit).toMatchObject({ file: { path: "calc.py", lines: 3 } });
    const view = events.find((e) => e.type === "observation" && e.tool === "read_file");
    expect(view).not.toHaveProperty("file");
  });

  it("a Java build's failures are errors in the text alone, and a JRE-only Maven reads as the environment", () => {
    const step = (action: string, content: string) => [
      { role: "assistant", content: "next", action },
      { role: "user", content },
    ];
    const noJdk =
      "[ERROR] No compiler is provided in this environment. Perhaps you are running on a JRE rather than a JDK?";
    const history = [
      { role: "user", content: "fix Total" },
      ...step("mvn -q compile", noJdk),
      ...step(
        "javac -d out src/main/java/app/Total.java",
        "src/main/java/app/Total.java:12: error: cannot find symbol",
      ),
      ...step("ls src/main/java/app", "Total.java\nMain.java"),
      ...step(
        "./gradlew test",
        "FAILURE: Build failed with an exception.\n* What went wrong: java.net.UnknownHostException",
      ),
    ];
    const { events } = convertSweAgent({ history, info: { exit_status: "submitted" } }, false);
    const observed = events.filter((e) => e.type === "observation");
    expect(observed.map((e) => e.isError)).toEqual([true, true, false, true]);
    // The converter's finish reasons are the framework's exit strings; the turns do not read them.
    const turns = toTurns(events as unknown as AgentEvent[]);
    expect(turns.map((t) => t.step?.kind)).toEqual(["environment", "model", "ok", "environment"]);
  });
});

describe("converter: long observations", () => {
  it("keeps a long build log's end, where its reason is, so the turn reads as the environment", () => {
    const downloads = Array.from({ length: 200 }, (_, i) => `[INFO] Downloaded from central: org/lib${i}.pom`);
    const log = [...downloads, "[ERROR] No compiler is provided in this environment."].join("\n");
    const history = [
      { role: "user", content: "fix Total" },
      { role: "assistant", content: "build", action: "mvn -q compile" },
      { role: "user", content: log },
    ];
    const { events } = convertSweAgent({ history, info: { exit_status: "submitted" } }, false);
    const observed = events.find((e) => e.type === "observation")!;
    expect(observed.text.length).toBeLessThan(log.length);
    expect(observed.text).toContain("org/lib0.pom");
    expect(observed.text).toContain("No compiler is provided");
    const [turn] = toTurns(events as unknown as AgentEvent[]);
    expect(turn!.step).toMatchObject({ kind: "environment", missing: "a JDK with Maven or Gradle" });
  });
});

describe("converter: a SWE-agent run folder of any model (raw/sweagent-runs/<run>/)", () => {
  // Hand-written runs in SWE-agent's trajectory format, shaped like a weak model's on a Java repository whose sandbox
  // has no JDK (not copied from any published run).
  const step = (action: string, observation: string, role = "user") => [
    { role: "assistant", content: `DISCUSSION\nNext I run ${action.split("\n")[0]}.`, action },
    {
      role,
      content: `${observation}\n(Open file: /fastjson2/Reproduce.java)\n(Current directory: /fastjson2)\nbash-$`,
    },
  ];
  const noJavac = (line: number) => `/bin/bash: line ${line}: javac: command not found`;
  const traj = (model: string, steps: object[][], exit: string, version?: string) => ({
    replay_config: JSON.stringify({ agent: { model: { model_name: model } } }),
    info: { exit_status: exit, submission: "", ...(version ? { swe_agent_version: version } : {}) },
    history: [
      { role: "system", content: "You are an autonomous programmer." },
      { role: "user", content: "issue" },
    ].concat(steps.flat() as never[]),
  });
  const flailing = traj(
    "deepseek-coder-v2-0724",
    [
      step("create Reproduce.java", "[File: /fastjson2/Reproduce.java (1 lines total)]\n1:"),
      step("edit 1:1\npublic class Reproduce {}\nend_of_edit", "[File: /fastjson2/Reproduce.java (1 lines total)]"),
      step("javac Reproduce.java", noJavac(211)),
      step('search_dir "parseObjectLenient"', 'No matches found for "parseObjectLenient" in /fastjson2'),
      step("javac Reproduce.java && java Reproduce", noJavac(240)),
      step("mvn -q compile", "/bin/bash: line 262: mvn: command not found"),
      step("javac -cp . Reproduce.java", noJavac(280)),
      ...Array.from({ length: 20 }, (_, k) => step(`scroll_down`, `[File: /fastjson2/Reproduce.java]\n${k}: x`)),
    ],
    "exit_cost",
  );
  const fixed = traj(
    "deepseek-coder-v2-0724",
    [
      step("open core/src/main/java/com/alibaba/fastjson2/JSON.java 120", "[File: … (900 lines total)]\n120: x"),
      step(
        "edit 120:120\n        return parse(text, 0);\nend_of_edit",
        "[File: /fastjson2/core/src/main/java/com/alibaba/fastjson2/JSON.java (900 lines total)]\nFile updated.",
      ),
      step("javac core/src/main/java/com/alibaba/fastjson2/JSON.java", noJavac(99)),
      step("mvn test -Dtest=JSONTest", "/bin/bash: line 120: mvn: command not found"),
      step("java -version", "/bin/bash: line 130: java: command not found", "tool"),
      step("submit", "diff --git a/core/src/main/java/com/alibaba/fastjson2/JSON.java"),
    ],
    "submitted",
    "1.0.1",
  );

  function runFolder(results: object | undefined) {
    const raw = mkdtempSync(join(tmpdir(), "sweagent-runs-"));
    const dir = join(raw, "sweagent-runs", "java-weak");
    mkdirSync(join(dir, "trajs", "alibaba__fastjson2-2"), { recursive: true });
    writeFileSync(join(dir, "trajs", "alibaba__fastjson2-1.traj"), JSON.stringify(flailing));
    writeFileSync(join(dir, "trajs", "alibaba__fastjson2-2", "alibaba__fastjson2-2.traj"), JSON.stringify(fixed));
    if (results) {
      mkdirSync(join(dir, "results"));
      writeFileSync(join(dir, "results", "results.json"), JSON.stringify(results));
    }
    return raw;
  }

  it("reads every trajectory below the folder, the model from its config and the outcome from the results", () => {
    const raw = runFolder({ resolved: ["alibaba__fastjson2-2"], no_generation: [] });
    const runs = [...sweAgentFolderRuns(raw)] as unknown as RealRun[];
    rmSync(raw, { recursive: true });
    expect(runs.map((r) => [r.meta.id, r.meta.model, r.meta.resolved, r.meta.framework])).toEqual([
      ["sweagent-java-weak__alibaba__fastjson2-1", "deepseek-coder-v2-0724", false, "SWE-agent 0.x (java-weak)"],
      ["sweagent-java-weak__alibaba__fastjson2-2", "deepseek-coder-v2-0724", true, "SWE-agent 1.0.1 (java-weak)"],
    ]);
    // SWE-agent 1.x with function calling answers in a `tool` message: still the step's observation.
    const observations = runs[1]!.events.filter((e) => e.type === "observation");
    expect(observations.some((e) => e.type === "observation" && /java: command not found/.test(e.text))).toBe(true);

    // Replayed under Nightshift: the flailing run is told the JDK is missing, tries again and is stopped as the
    // environment; the run that wrote its fix before trying the JDK three times is told, heeds it and finishes.
    const policy: Policy = (h) =>
      decide(h, { budget: { turns: 90, tokens: 3_100_000, minutes: 600 } }, { elapsedMs: 0 });
    const [flail, fix] = runs.map((r) => replay(r.events, policy));
    expect(flail!.stopped?.reason).toBe("environment");
    expect(flail!.stopped?.message).toMatch(/JDK/);
    expect(flail!.turns).toBeLessThanOrEqual(8);
    expect(fix!.stopped).toBeUndefined();
    expect(fix!.findings.join(" ")).toMatch(/JDK/);
  });

  it("the fix is dated by the source it changed: a reproduction or test written after it (any case) is not it", () => {
    const source = "core/src/main/java/com/alibaba/fastjson2/JSON.java";
    const test = "core/src/test/java/com/alibaba/fastjson2/JSONTest.java";
    const file = (path: string, lines: number) => `[File: /fastjson2/${path} (${lines} lines total)]\nFile updated.`;
    const added = (path: string, lines: string[]) =>
      `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1,1 +1,${lines.length} @@\n` +
      lines.map((l) => `+${l}`).join("\n");
    const run = {
      ...traj(
        "deepseek-coder-v2-0724",
        [
          step(`open ${source} 120`, "[File: … (900 lines total)]\n120: x"),
          step(`edit 120:120\n        return parse(text, 0);\nend_of_edit`, file(source, 900)),
          step("create Reproduce.java", "[File: /fastjson2/Reproduce.java (1 lines total)]\n1:"),
          step(
            "edit 1:1\npublic class Reproduce {\n    static String input = null;\n}\nend_of_edit",
            file("R.java", 3),
          ),
          step(`create ${test}`, `[File: /fastjson2/${test} (1 lines total)]\n1:`),
          step("edit 1:1\npublic class JSONTest {\n    @Test void parsesNull() {}\n}\nend_of_edit", file(test, 3)),
          step("submit", "diff --git"),
        ],
        "submitted",
      ),
    };
    run.info.submission = [
      added(source, ["        return parse(text, 0);"]),
      added("Reproduce.java", ["public class Reproduce {", "    static String input = null;", "}"]),
      added(test, ["public class JSONTest {", "    @Test void parsesNull() {}", "}"]),
    ].join("\n");
    expect(convertSweAgent(run, true).fix).toEqual({ turn: 2, basis: "evidence" });
  });

  it("tokens: the prompts the framework sent, scaled to the total it recorded; estimated only without one", () => {
    const steps = Array.from({ length: 10 }, (_, k) => step(`cat part${k}.java`, `${k}`.repeat(4000)));
    const prompts = (run: object) =>
      convertSweAgent(run, false)
        .events.filter((e) => e.type === "model_reply")
        .map((e) => (e.type === "model_reply" ? e.promptTokens : 0));
    const total = (run: object) =>
      convertSweAgent(run, false).events.reduce(
        (n, e) => n + (e.type === "model_reply" ? e.promptTokens + e.completionTokens : 0),
        0,
      );
    // No total recorded: every prompt holds the whole history, so each grows by the last observation (~1,000 tokens).
    const bare = traj("m", steps, "submitted");
    expect(convertSweAgent(bare, false).tokenSource).toBe("estimated");
    expect(prompts(bare)[9]! - prompts(bare)[8]!).toBeGreaterThan(900);
    // SWE-agent 1.x keeping the last 2 observations (its config says): later prompts stop growing; the run adds up to
    // the 30,000 tokens its model_stats recorded.
    const kept = {
      ...traj("m", steps, "submitted"),
      replay_config: JSON.stringify({ agent: { history_processors: [{ type: "last_n_observations", n: 2 }] } }),
    };
    kept.info = { ...kept.info, model_stats: { tokens_sent: 29_000, tokens_received: 1_000 } } as never;
    expect(convertSweAgent(kept, false).tokenSource).toBe("scaled");
    expect(Math.abs(total(kept) - 30_000)).toBeLessThan(20);
    const grows = prompts(kept);
    expect(grows[9]! - grows[8]!).toBeLessThan((grows[1]! - grows[0]!) / 10);
    // No config, a total recorded: the reading closer to it (here the last five kept, SWE-agent's usual) is taken.
    const unsaid = { ...bare, info: { ...bare.info, model_stats: { tokens_sent: 25_000, tokens_received: 500 } } };
    expect(Math.abs(total(unsaid) - 25_500)).toBeLessThan(20);
    const shape = prompts(unsaid);
    expect(shape[9]! - shape[8]!).toBeLessThan((shape[1]! - shape[0]!) / 10);
  });

  it("a corpus of runs from no source tuned on is held out whole: the bench reports all of it by default", () => {
    const raw = runFolder({ resolved: ["alibaba__fastjson2-2"] });
    const out = mkdtempSync(join(tmpdir(), "held-out-corpus-"));
    mkdirSync(join(out, "corpus"));
    for (const run of sweAgentFolderRuns(raw))
      writeFileSync(join(out, "corpus", `${run.meta.id}.json`), JSON.stringify(run));
    const printed = (env: NodeJS.ProcessEnv) => benchOutput({ NIGHTSHIFT_REAL_RUNS: out, ...env });
    try {
      const byDefault = printed({});
      expect(byDefault).toContain("reporting on ALL of them — 2 runs (1 unresolved, 1 resolved");
      expect(byDefault).toContain("the whole corpus is held out");
      expect(printed({ NIGHTSHIFT_REAL_SPLIT: "eval" })).toContain("reporting on the EVAL split only");
    } finally {
      rmSync(raw, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("a run.json names what the trajectories do not (a served model's alias), and a malformed one is refused", () => {
    const raw = runFolder({ resolved: ["alibaba__fastjson2-2"] });
    const dir = join(raw, "sweagent-runs", "java-weak");
    const source = { repo: "someone/runs", commit: "abc", path: "java-weak" };
    writeFileSync(join(dir, "run.json"), JSON.stringify({ model: "Qwen2.5-Coder-7B", modelSizeB: 7, source }));
    const runs = [...sweAgentFolderRuns(raw)] as unknown as (RealRun & { meta: { modelSizeB: number } })[];
    expect(runs.map((r) => [r.meta.model, r.meta.modelSizeB])).toEqual([
      ["Qwen2.5-Coder-7B", 7],
      ["Qwen2.5-Coder-7B", 7],
    ]);
    expect(runs[0]!.meta).toMatchObject({
      source: { repo: "someone/runs", path: "java-weak/trajs/alibaba__fastjson2-1.traj" },
    });
    // Converted and benched: the small models' runs are summed apart (here all of them: a 7B model).
    const out = join(raw, "out");
    const converter = join(import.meta.dirname, "../bench/traces/convert-real-runs.ts");
    execFileSync(process.execPath, ["--import", "tsx", converter, raw, join(out, "corpus")], { stdio: "pipe" });
    expect(benchOutput({ NIGHTSHIFT_REAL_RUNS: out, NIGHTSHIFT_REAL_SPLIT: "all" })).toContain(
      "small models (≤ 35B parameters) together (2 runs, 1 resolved): no stop 0.0% / 0",
    );
    writeFileSync(join(dir, "run.json"), JSON.stringify({ model: 7 }));
    expect(() => [...sweAgentFolderRuns(raw)]).toThrow(/run\.json: expected \{"model"\?: string/);
    rmSync(raw, { recursive: true });
  });

  it("runs published wrapped in a record of their own are laid out as run folders, by model and outcome", () => {
    const dir = mkdtempSync(join(tmpdir(), "wrapped-runs-"));
    const raw = join(dir, "raw");
    const record = (instance: string, status: string | undefined, traj: object | undefined) =>
      JSON.stringify({ instance_id: instance, information: status ? { status, trajectory: traj } : {} });
    mkdirSync(join(dir, "hackathon", "data", "failed"), { recursive: true });
    mkdirSync(join(dir, "hackathon", "data", "successful"), { recursive: true });
    writeFileSync(
      join(dir, "hackathon/data/failed/alibaba__fastjson2-1_gpt-4o-mini.json"),
      record("alibaba__fastjson2-1", "failed", flailing),
    );
    writeFileSync(
      join(dir, "hackathon/data/successful/alibaba__fastjson2-2_gpt-4o-mini.json"),
      record("alibaba__fastjson2-2", "success", fixed),
    );
    writeFileSync(
      join(dir, "hackathon/data/failed/alibaba__fastjson2-3_gpt-4o-mini.json"),
      record("alibaba__fastjson2-3", undefined, undefined),
    );
    writeFileSync(join(dir, "hackathon/data/failed/broken_gpt-4o-mini.json"), "{not json");
    const script = join(import.meta.dirname, "../bench/traces/unwrap-wrapped-sweagent-runs.ts");
    const printed = execFileSync(
      process.execPath,
      ["--import", "tsx", script, join(dir, "hackathon"), raw, "someone/SWE-agent", "c0ffee"],
      { encoding: "utf8" },
    );
    expect(printed).toContain("2 trajectories in 2 run folders; 2 records skipped");
    const runs = [...sweAgentFolderRuns(raw)] as unknown as RealRun[];
    rmSync(dir, { recursive: true });
    expect(runs.map((r) => [r.meta.instance, r.meta.model, r.meta.resolved])).toEqual([
      ["alibaba__fastjson2-1", "gpt-4o-mini-2024-07-18", false],
      ["alibaba__fastjson2-2", "gpt-4o-mini-2024-07-18", true],
    ]);
    expect(runs[1]!.meta.id).toBe("sweagent-hackathon-gpt-4o-mini-data-successful__alibaba__fastjson2-2");
  });

  it("harness reports and per-task reports are read too; a folder without any results is refused, saying why", () => {
    for (const results of [
      { resolved_ids: ["alibaba__fastjson2-2"], unresolved_ids: ["alibaba__fastjson2-1"] },
      { "alibaba__fastjson2-2": { resolved: true }, "alibaba__fastjson2-1": { resolved: false } },
    ]) {
      const raw = runFolder(results);
      expect(outcomesOf(join(raw, "sweagent-runs", "java-weak"))).toEqual(
        new Map([
          ["alibaba__fastjson2-2", true],
          ["alibaba__fastjson2-1", false],
        ]),
      );
      rmSync(raw, { recursive: true });
    }
    const raw = runFolder(undefined);
    expect(() => [...sweAgentFolderRuns(raw)]).toThrow(/no results file says which tasks were resolved/);
    rmSync(raw, { recursive: true });
  });

  it("Multi-SWE-bench's reports name a task `org/repo:pr-N`, or per task deep below logs/: both reach its run", () => {
    const expectResolved = (raw: string) => {
      const runs = [...sweAgentFolderRuns(raw)] as unknown as RealRun[];
      rmSync(raw, { recursive: true });
      expect(runs.map((r) => [r.meta.instance, r.meta.resolved])).toEqual([
        ["alibaba__fastjson2-1", false],
        ["alibaba__fastjson2-2", true],
      ]);
    };
    // The harness's final_report.json.
    expectResolved(
      runFolder({
        resolved_ids: ["alibaba/fastjson2:pr-2"],
        unresolved_ids: ["alibaba/fastjson2:pr-1"],
        empty_patch_ids: [],
      }),
    );
    // Per-task report.json files only, five folders down.
    const raw = runFolder(undefined);
    for (const [n, valid] of [
      [1, false],
      [2, true],
    ] as const) {
      const at = join(raw, "sweagent-runs", "java-weak", "logs", "alibaba", "fastjson2", "evals", `pr-${n}`);
      mkdirSync(at, { recursive: true });
      writeFileSync(join(at, "report.json"), JSON.stringify({ org: "alibaba", repo: "fastjson2", number: n, valid }));
    }
    expectResolved(raw);
    expect(taskKey("catchorg/Catch2:pr-1422")).toBe("catchorg__Catch2-1422");
    expect(taskKey("django__django-11099")).toBe("django__django-11099");
  });
});

describe("converter: SWE-agent 1.x's file editor and observations", () => {
  // A hand-written SWE-agent 1.x run (tool calls recorded as quoted shell lines), not copied from any published run.
  const call = (action: string, observation: string) => [
    { role: "assistant", content: `Next: ${action.split(" ")[0]}`, action, message_type: "action" },
    { role: "user", content: `OBSERVATION:\r\n${observation}`, message_type: "observation" },
  ];
  const viewed =
    "Here's the result of running `cat -n` on /testbed/calc.py:\r\n     1\tdef add(a, b):\r\n     2\t    return a - b";
  const history = [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: "<pr_description>add() subtracts</pr_description>" },
    ...call("str_replace_editor view /testbed", "Here's the files and directories up to 2 levels deep in /testbed"),
    ...call("str_replace_editor view /testbed/calc.py  --view_range 1 2", viewed),
    ...call("grep -rn 'def sub' /testbed", "Your command ran successfully and did not produce any output."),
    ...call(
      "str_replace_editor str_replace /testbed/calc.py   --old_str '    return a-b' --new_str '    return a + b'",
      "No replacement was performed, old_str `    return a-b` did not appear verbatim in /testbed/calc.py.",
    ),
    ...call(
      "str_replace_editor str_replace /testbed/calc.py   --old_str '    return a - b' " +
        "--new_str '    return a + b  # it'\\''s a sum'",
      "The file /testbed/calc.py has been edited. Here's the result of running `cat -n` on a snippet of " +
        "/testbed/calc.py:",
    ),
    ...call(
      "str_replace_editor create /testbed/check.py --file_text 'from calc import add\nprint(add(2, 2))\n'",
      "File created successfully at: /testbed/check.py",
    ),
    ...call(
      "str_replace_editor insert /testbed/check.py --insert_line 2 --new_str 'print(add(1, 1))'",
      "The file /testbed/check.py has been edited.",
    ),
    ...call("cd /testbed && python check.py", "4\r\n2"),
    ...call("submit", "diff --git a/calc.py b/calc.py"),
  ];
  const patch = [
    "diff --git a/calc.py b/calc.py",
    "--- a/calc.py",
    "+++ b/calc.py",
    "@@ -1,2 +1,2 @@",
    " def add(a, b):",
    "-    return a - b",
    "+    return a + b  # it's a sum",
    "",
  ].join("\n");
  const converted = convertSweAgent({ history, info: { exit_status: "submitted", submission: patch } }, true);
  const actions = converted.events.flatMap((e) => (e.type === "action" ? [e.action] : []));
  const observed = converted.events.flatMap((e) => (e.type === "observation" ? [e] : []));

  it("maps view, str_replace, create and insert to Nightshift's actions, with each argument unquoted", () => {
    expect(actions).toEqual([
      { tool: "find_files", glob: "/testbed/*" },
      { tool: "read_file", path: "/testbed/calc.py", start_line: 1, end_line: 2 },
      { tool: "search", pattern: "def sub", path: "/testbed" },
      { tool: "edit", path: "/testbed/calc.py", search: "    return a-b", replace: "    return a + b" },
      { tool: "edit", path: "/testbed/calc.py", search: "    return a - b", replace: "    return a + b  # it's a sum" },
      { tool: "create_file", path: "/testbed/check.py", content: "from calc import add\nprint(add(2, 2))\n" },
      {
        tool: "edit",
        path: "/testbed/check.py",
        search: "after line 2 of /testbed/check.py",
        replace: "print(add(1, 1))",
      },
      { tool: "run", command: "cd /testbed && python check.py" },
      { tool: "finish", summary: "submit" },
    ]);
  });

  it("reads observations without their heading; a command that printed nothing printed nothing (a negative)", () => {
    expect(observed[1]!.text.startsWith("Here's the result")).toBe(true);
    expect(observed[2]!.text).toBe("");
    const turns = toTurns(converted.events as unknown as AgentEvent[]);
    expect(turns[2]!.step?.kind).toBe("negative");
  });

  it("the editor's refusal is an error; the edit that went in dates the fix", () => {
    expect(observed.map((e) => e.isError)).toEqual([false, false, false, true, false, false, false, false, false]);
    expect(converted.fix).toEqual({ turn: 5, basis: "evidence" });
  });

  it("splits a shell line as a shell would: quotes, '\\'' and backslashes", () => {
    expect(shellWords(`a 'b c' "d \\"e\\"" f\\ g 'it'\\''s' ''`)).toEqual(["a", "b c", 'd "e"', "f g", "it's", ""]);
    expect(editorAction("str_replace_editor undo_edit /testbed/calc.py", "")).toBeUndefined();
    expect(editorAction("ls -la", "")).toBeUndefined();
  });
});

describe("converter: shell lines as the tool they would be in Nightshift", () => {
  const actionOf = (command: string) => {
    const history = [
      { role: "user", content: "issue" },
      { role: "assistant", content: "next", action: command },
      { role: "user", content: "out" },
    ];
    return convertSweAgent({ history, info: { exit_status: "submitted" } }, false).events.find(
      (e) => e.type === "action",
    );
  };
  it("a pipeline that filters stays a shell command; a search cut short by head is a search", () => {
    expect(actionOf('find /testbed -name "*.py" | grep -v test')).toMatchObject({ action: { tool: "run" } });
    expect(actionOf('find . -name "*.py" | xargs grep -l foo | head -5')).toMatchObject({ action: { tool: "run" } });
    expect(actionOf("grep -rn 'def add' src | head -20")).toMatchObject({
      action: { tool: "search", pattern: "def add", path: "src" },
    });
  });
  it("grep's options and their values are neither the pattern nor the path", () => {
    expect(actionOf('grep -n -A 20 "def __init__" sympy/core/basic.py')).toMatchObject({
      action: { tool: "search", pattern: "def __init__", path: "sympy/core/basic.py" },
    });
    expect(actionOf("grep -rn --include '*.py' -e kwargs sympy")).toMatchObject({
      action: { tool: "search", pattern: "kwargs", path: "sympy" },
    });
  });
});
