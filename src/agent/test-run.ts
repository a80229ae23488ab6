import { failedCount } from "./failed-count.js";

/** An interpreter, by path or not, with its flags: `python3`, `/usr/bin/python3 -bb`. */
const PYTHON = String.raw`(?:\S*/)?python[\d.]*(?:\s+-[A-Za-z]+)*`;
/**
 * A test runner at the start of a simple command (after any `VAR=value` assignments): the project's runners by hand,
 * for a selection of tests (`python3 -m pytest tests/test_x.py -k name`, `mvn test -Dtest=FooTest`, `go test ./pkg`).
 */
const RUNNER = new RegExp(
  String.raw`^(?:[A-Za-z_]\w*=\S*\s+)*(?:timeout\s+\S+\s+)?(?:` +
    [
      String.raw`(?:${PYTHON}\s+-m\s+)?(?:pytest|py\.test|unittest|nose2?)\b`,
      // Django's and sympy's own runners, by the interpreter or directly (./tests/runtests.py, bin/test)
      String.raw`(?:${PYTHON}\s+)?(?:\S*/)?(?:runtests\.py|manage\.py\s+test|bin/test)\b`,
      String.raw`tox\b`,
      String.raw`(?:npm|pnpm|yarn)\s+(?:run\s+)?test\b`,
      String.raw`(?:npx\s+)?(?:jest|vitest|mocha)\b`,
      String.raw`go\s+test\b`,
      String.raw`cargo\s+test\b`,
      String.raw`(?:\./)?mvnw?\b[^|;&]*\b(?:test|verify)\b`,
      String.raw`(?:\./)?gradlew?\b[^|;&]*\btest\b`,
      String.raw`(?:bundle\s+exec\s+)?rspec\b`,
      String.raw`(?:\S*/)?phpunit\b`,
      String.raw`ctest\b`,
      String.raw`make\s+(?:-\S+\s+)*(?:test|check)\b`,
      String.raw`dotnet\s+test\b`,
      String.raw`sbt\b[^|;&]*\btest(?:Only|Quick)?\b`,
      String.raw`(?:bundle\s+exec\s+)?rake\s+test\b`,
      String.raw`(?:bun|deno)\s+test\b`,
    ].join("|") +
    ")",
);

/** Whether a shell line runs tests: one of its simple commands (split at newlines, `&&`, `||`, `;`, pipes) does. */
export function runsTests(command: string): boolean {
  return command.split(/\n|&&|\|\||;|\|/).some((part) => RUNNER.test(part.trim()));
}

/**
 * What a test run by hand said: failed when its exit code says so or its summary counts failures (a run piped
 * through `tail` exits 0 whatever the tests did), with the failing count when the summary gives one.
 */
export function testRunResult(exitCode: number, output: string): { passed: boolean; failed?: number } {
  const failed = failedCount(output);
  const passed = exitCode === 0 && !failed;
  return passed ? { passed, failed: 0 } : { passed, failed };
}
