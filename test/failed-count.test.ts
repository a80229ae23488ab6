import { describe, expect, it } from "vitest";
import type { AgentEvent } from "../src/agent/events.js";
import { failedCount } from "../src/agent/failed-count.js";
import { decide, type Budget } from "../src/controller/controller.js";
import { replay } from "../src/controller/replay.js";

/** A Maven build whose Surefire run has `failures` failures and `errors` errors over two test classes. */
const maven = (failures: number, errors: number) =>
  [
    "[INFO] -------------------------------------------------------",
    "[INFO]  T E S T S",
    "[INFO] -------------------------------------------------------",
    "[INFO] Running com.alibaba.fastjson2.JSONReaderTest",
    `[ERROR] Tests run: 14, Failures: ${failures}, Errors: 0, Skipped: 1, Time elapsed: 0.112 s <<< FAILURE! ` +
      "-- in com.alibaba.fastjson2.JSONReaderTest",
    "[ERROR] com.alibaba.fastjson2.JSONReaderTest.readNested -- Time elapsed: 0.010 s <<< FAILURE!",
    "org.opentest4j.AssertionFailedError: expected: <3> but was: <2>",
    "[INFO] Running com.alibaba.fastjson2.JSONWriterTest",
    `[ERROR] Tests run: 9, Failures: 0, Errors: ${errors}, Skipped: 0, Time elapsed: 0.05 s <<< FAILURE! ` +
      "-- in com.alibaba.fastjson2.JSONWriterTest",
    "[INFO] ",
    "[INFO] Results:",
    "[INFO] ",
    "[ERROR] Failures: ",
    "[ERROR]   JSONReaderTest.readNested:42 expected: <3> but was: <2>",
    "[ERROR] Errors: ",
    "[ERROR]   JSONWriterTest.writeNull:17 » NullPointer",
    "[INFO] ",
    `[ERROR] Tests run: 23, Failures: ${failures}, Errors: ${errors}, Skipped: 1`,
    "[INFO] ",
    "[INFO] BUILD FAILURE",
    "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.2.5:test (default-test) " +
      "on project fastjson2: There are test failures.",
  ].join("\n");

describe("failing tests read from each runner's summary", () => {
  it.each([
    ["Maven Surefire: the module's summary, failures plus errors", maven(2, 1), 3],
    ["Maven Surefire, all green", maven(0, 0).replace("BUILD FAILURE", "BUILD SUCCESS"), 0],
    [
      "Maven, two modules: their summaries add up",
      `${maven(1, 0)}\n[INFO] Results:\n[WARNING] Tests run: 40, Failures: 0, Errors: 2, Skipped: 3`,
      3,
    ],
    [
      "Maven, log cut before the summary: the classes' lines",
      "[ERROR] Tests run: 4, Failures: 2, Errors: 0, Skipped: 0, Time elapsed: 1 s <<< FAILURE! -- in a.BTest",
      2,
    ],
    [
      "Gradle",
      "> Task :core:test\n\nParserTest > parsesEmpty() FAILED\n    org.opentest4j.AssertionFailedError at " +
        "ParserTest.java:21\n\n12 tests completed, 2 failed\n\n> Task :core:test FAILED\n\nFAILURE: Build failed",
      2,
    ],
    [
      "JUnit Platform console launcher",
      "[        12 tests found           ]\n[        10 tests successful      ]\n[         2 tests failed          ]",
      2,
    ],
    ["pytest: failed and errors", "=========== 2 failed, 10 passed, 1 error in 1.23s ===========", 3],
    [
      "pytest with colour",
      "\x1b[31m===== \x1b[31m\x1b[1m1 failed\x1b[0m, \x1b[32m1 passed\x1b[0m" +
        "\x1b[31m in 0.05s\x1b[0m\x1b[31m =====\x1b[0m",
      1,
    ],
    ["pytest 4, a collection error", "collected 0 items / 1 errors\n===== 1 error in 1.29 seconds =====", 1],
    ["pytest, green", "collected 10 items\n\n========== 10 passed in 0.50s (0:00:00) ==========", 0],
    ["unittest / Django", "Ran 12 tests in 0.1s\n\nFAILED (failures=2, errors=1, skipped=1)", 3],
    ["cargo", "test result: FAILED. 8 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out", 2],
    ["jest", "Tests:       2 failed, 14 passed, 16 total", 2],
    ["RSpec", "Finished in 0.4 seconds\n14 examples, 3 failures", 3],
    ["PHPUnit", "FAILURES!\nTests: 9, Assertions: 14, Errors: 1, Failures: 2.", 3],
    ["mocha", "  5 passing (20ms)\n  2 failing", 2],
    ["TAP", "1..5\nnot ok 2\n# pass 4\n# fail 1", 1],
    ["CTest", "67% tests passed, 1 tests failed out of 3", 1],
    [
      "go test, subtests counted",
      "--- FAIL: TestParse (0.00s)\n    --- FAIL: TestParse/empty (0.00s)\n--- FAIL: TestOther (0.00s)\nFAIL",
      3,
    ],
    ["a build that never ran a test", "[ERROR] COMPILATION ERROR :\n[ERROR] /a/B.java:[3,1] ';' expected", undefined],
  ])("%s", (_runner, output, failed) => {
    expect(failedCount(output)).toBe(failed);
  });

  it("a huge hostile line of pytest-like text is read in linear time", () => {
    const hostile = `= ${"1 passed in 1s = ".repeat(200_000)}x`;
    const started = performance.now();
    expect(failedCount(hostile)).toBe(0); // too long to be pytest's closing line: `1 passed` read generically
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("tests-not-improving on a Java project", () => {
  const BUDGET: Budget = { turns: 40, tokens: 400_000, minutes: 60 };

  /** Edits to the code under test, each followed by `mvn test` with that many failures (or that output). */
  function mavenRun(failures: (number | string)[]): AgentEvent[] {
    const events: AgentEvent[] = [];
    failures.forEach((count, i) => {
      const reply = (turn: number) =>
        ({
          type: "model_reply",
          turn,
          promptTokens: 1000,
          completionTokens: 100,
          durationMs: 0,
          serverDurationMs: 0,
          thinkingCut: false,
          text: "{}",
        }) as const;
      const path = "core/src/main/java/com/alibaba/fastjson2/JSONReader.java";
      const [edit, test] = [2 * i + 1, 2 * i + 2];
      const output = typeof count === "number" ? maven(count, 0) : count;
      events.push(
        { type: "turn_start", attempt: 1, turn: edit },
        reply(edit),
        {
          type: "action",
          turn: edit,
          action: { tool: "edit", path, search: `v${i}`, replace: `v${i + 1}` },
          repaired: false,
        },
        {
          type: "observation",
          turn: edit,
          tool: "edit",
          text: "Edited",
          isError: false,
          durationMs: 0,
          file: { path, before: `h${i}`, after: `h${i + 1}` },
        },
        { type: "turn_start", attempt: 1, turn: test },
        reply(test),
        { type: "action", turn: test, action: { tool: "run", command: "mvn -q test" }, repaired: false },
        {
          type: "observation",
          turn: test,
          tool: "run",
          text: `$ mvn -q test\nexit code 1\n${output}`,
          isError: true,
          durationMs: 0,
          tests: { passed: false, failed: failedCount(output) },
        },
      );
    });
    return [...events, { type: "turn_start", attempt: 1, turn: 9999 }];
  }
  const judge = (events: AgentEvent[]) => replay(events, (h) => decide(h, { budget: BUDGET }, { elapsedMs: 0 }));

  it("a fix taking Surefire's failures from 5 to 1 is progress, not a run to stop", () => {
    const result = judge(mavenRun([5, 4, 3, 2, 1]));
    expect(result.stopped).toBeUndefined();
    expect(result.nudges).not.toContain("tests-not-improving");
  });

  it("edits that leave Surefire's failures where they were are still judged", () => {
    expect(judge(mavenRun([3, 3, 3, 3, 3])).stopped?.reason).toBe("tests-not-improving");
  });

  const compileError = (line: number) =>
    "[ERROR] COMPILATION ERROR :\n" +
    `[ERROR] /repo/core/src/main/java/com/alibaba/fastjson2/JSONReader.java:[${line},9] cannot find symbol\n` +
    "[INFO] BUILD FAILURE";

  it("a build that fails before any test runs gives no count: not judged against the best run", () => {
    const result = judge(mavenRun([3, compileError(120), compileError(131), 3, 1]));
    expect(result.stopped).toBeUndefined();
    expect(result.nudges).not.toContain("tests-not-improving");
  });

  it("the same build failure word for word after each edit is still an edit that changed nothing", () => {
    expect(judge(mavenRun([3, compileError(120), compileError(120), compileError(120)])).stopped?.reason).toBe(
      "tests-not-improving",
    );
  });
});
