import { describe, expect, it } from "vitest";
import { failedCount } from "../src/agent/failed-count.js";
import { runsTests, testRunResult } from "../src/agent/test-run.js";
import { mavenSurefire as maven } from "./fixtures/runner-outputs.js";

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
    ["Minitest", "Finished in 0.02s\n12 runs, 20 assertions, 2 failures, 1 errors, 0 skips", 3],
    [
      "dotnet test",
      "Failed TotalTests.AddsTax [12 ms]\nFailed!  - Failed:     2, Passed:    10, Skipped:     0, Total:    12",
      2,
    ],
    ["dotnet test, older summary", "Total tests: 12\n     Passed: 10\n     Failed: 2", 2],
    ["bun test", " 10 pass\n 2 fail\n 31 expect() calls", 2],
    ["deno test", "FAILED | 3 passed | 2 failed (40ms)", 2],
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

describe("test runs by hand (not the project's test command)", () => {
  it.each([
    ["python3 -m pytest -q tests/test_calc.py -k add", true],
    ["cd /repo && PYTHONPATH=src pytest tests/test_x.py 2>&1 | tail -20", true],
    ["python tests/runtests.py admin_views", true],
    ["./mvnw -q test -Dtest=JSONReaderTest", true],
    ["mvn -pl core verify", true],
    ["./gradlew :core:test --tests '*Parser*'", true],
    ["go test ./pkg/parse -run TestEmpty", true],
    ["cargo test parse_empty", true],
    ["npx jest src/total.test.ts", true],
    ["bundle exec rspec spec/total_spec.rb", true],
    ["vendor/bin/phpunit tests/TotalTest.php", true],
    ["make -j2 check", true],
    ["cd build && make test", true],
    ["dotnet test --filter TotalTests", true],
    ["sbt 'testOnly *TotalSpec'", true],
    ["bundle exec rake test TEST=test/total_test.rb", true],
    ["bun test src/total.test.ts", true],
    ["make build", false],
    ["dotnet build", false],
    ["python3 reproduce.py", false],
    ["cat pytest.ini", false],
    ["grep -rn 'def test_add' tests", false],
    ["mvn -q compile", false],
    ["pip install pytest", false],
  ])("`%s` runs tests: %s", (command, expected) => {
    expect(runsTests(command)).toBe(expected);
  });

  it("a run piped through tail exits 0 but its summary counts the failures", () => {
    expect(testRunResult(0, "===== 2 failed, 3 passed in 0.10s =====")).toEqual({ passed: false, failed: 2 });
    expect(testRunResult(0, "===== 5 passed in 0.10s =====")).toEqual({ passed: true, failed: 0 });
    expect(testRunResult(1, "ImportError while loading conftest")).toEqual({ passed: false, failed: undefined });
  });
});
