/**
 * How many tests failed, read from a test runner's own summary; undefined when the output gives no count.
 *
 * The controller compares these counts between test runs (tests-not-improving): a runner whose summary is not read
 * here counts as "1 failing" on every failed run, so a fix that takes a suite from 5 failures to 1 looks like no
 * progress. Each reader below knows one family of runners; failures and errors are added where a runner reports
 * both (an error is a test that did not pass either).
 */
export function failedCount(output: string): number | undefined {
  const plain = output.replace(ANSI, "");
  for (const read of READERS) {
    const count = read(plain);
    if (count !== undefined) return count;
  }
  return undefined;
}

/** Colour and cursor codes (pytest --color=yes, Gradle's rich console, jest in a terminal). */
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

const sum = (values: (string | undefined)[]) => values.reduce((n, v) => n + (v ? Number(v) : 0), 0);

/**
 * Maven Surefire/Failsafe: `Tests run: 12, Failures: 1, Errors: 2, Skipped: 0`, once per test class (with
 * `Time elapsed`) and once per module as its summary. The module summaries are added up; a log cut before any
 * summary falls back to the classes' lines.
 */
function surefire(output: string): number | undefined {
  const lines = [...output.matchAll(/Tests run: \d+, Failures: (\d+), Errors: (\d+)[^\n]*/g)];
  if (!lines.length) return undefined;
  const summaries = lines.filter((m) => !m[0].includes("Time elapsed"));
  return (summaries.length ? summaries : lines).reduce((n, m) => n + sum([m[1], m[2]]), 0);
}

/**
 * pytest's closing line: `==== 2 failed, 5 passed, 1 error in 0.12s ====` (`in 1.29 seconds` before pytest 5); only
 * short lines are looked at.
 */
function pytest(output: string): number | undefined {
  const line = output
    .split("\n")
    .filter(
      (l) =>
        l.length < 300 &&
        /^=+ .* in [\d.]+ ?(?:s|seconds)\b.*=+\s*$/.test(l) &&
        /\b(?:passed|failed|errors?)\b/.test(l),
    )
    .at(-1);
  if (!line) return undefined;
  return sum([/(\d+) failed/.exec(line)?.[1], /(\d+) errors?\b/.exec(line)?.[1]]);
}

/** unittest and Django's runner: `FAILED (failures=2, errors=1, skipped=3)`. */
function unittest(output: string): number | undefined {
  const line = /^FAILED \(([^)]*)\)/m.exec(output)?.[1];
  if (!line) return undefined;
  return sum([/failures=(\d+)/.exec(line)?.[1], /errors=(\d+)/.exec(line)?.[1]]);
}

/** PHPUnit: `Tests: 9, Assertions: 14, Errors: 1, Failures: 2.` (either order). */
function phpunit(output: string): number | undefined {
  const line = /^Tests: \d+, Assertions: \d+, ([^\n]*)/m.exec(output)?.[1];
  if (!line) return undefined;
  return sum([/Failures: (\d+)/.exec(line)?.[1], /Errors: (\d+)/.exec(line)?.[1]]);
}

/** Minitest (`rake test`): `12 runs, 20 assertions, 2 failures, 1 errors, 0 skips`. */
function minitest(output: string): number | undefined {
  const m = /\b\d+ runs, \d+ assertions, (\d+) failures, (\d+) errors\b/.exec(output);
  return m ? sum([m[1], m[2]]) : undefined;
}

/** Runners whose summary names the failing count in a phrase of their own. */
const PHRASES: RegExp[] = [
  /\[\s*(\d+) tests failed\s*\]/, // JUnit Platform console launcher
  /\b\d+ examples?, (\d+) failures?/, // RSpec
  /\b(\d+) failed\b/i, // Gradle (`5 tests completed, 2 failed`), cargo, jest/vitest, mocha-likes
  /\b(\d+) failing\b/i, // mocha
  /^# fail\s+(\d+)/im, // TAP
  /\b(\d+)% tests passed, (\d+) tests? failed/, // CTest; the count is the second group
  /^(?:Failed!\s+-\s+)?\s*Failed:\s+(\d+)\b/m, // dotnet test (`Failed!  - Failed:     2, …`, or a line)
  /^\s*(\d+) fail$/m, // bun test
];
function phrase(output: string): number | undefined {
  for (const pattern of PHRASES) {
    const match = pattern.exec(output);
    if (match) return Number(match[match.length - 1]);
  }
  return undefined;
}

/** Go: one `--- FAIL:` line per failing test; a run that says how many passed and names no failure failed none. */
function goOrPassed(output: string): number | undefined {
  const goFails = output.match(/^\s*--- FAIL:/gm)?.length;
  return goFails ?? (/\b\d+ passed\b/i.test(output) ? 0 : undefined);
}

const READERS = [surefire, pytest, unittest, phpunit, minitest, phrase, goOrPassed];
