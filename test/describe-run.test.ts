import { describe, expect, it } from "vitest";
import { describeRun } from "../src/morning/describe-run.js";

describe("what a run came to, in words", () => {
  it("a run without a PR that found the sandbox lacking something names the setup, whatever stopped it", () => {
    const lacking = "the sandbox lacks the command `flake8`; install it in the repository's `setup` command";
    const setupFix = "a setup fix (the `setup:` command or the image in `.github/nightshift.yml`)";
    for (const outcome of ["stopped: tests-not-improving", "no-change", "verifying"]) {
      const words = describeRun({ outcome, verdict: "rejected", environment: lacking });
      expect(words.kind).toBe("no-pr");
      expect(words.help).toBe(`${setupFix}: ${lacking}`);
    }
    // Without the finding, the outcome's own advice stands.
    expect(describeRun({ outcome: "no-change" }).help).toContain("a clearer issue");
    expect(describeRun({ outcome: "pr-opened", prNumber: "3", environment: lacking }).help).toBeUndefined();
    expect(describeRun({ outcome: "stopped: aborted", environment: lacking }).help).toBeUndefined();
  });

  it("a finding that quotes hostile sandbox output stays one line and mentions no one", () => {
    const hostile = "the sandbox lacks the Node package `@everyone/x`\n\n## Approved @maintainer";
    const help = describeRun({ outcome: "no-change", environment: hostile }).help!;
    expect(help).not.toContain("\n");
    expect(help).not.toMatch(/(^|[^\w\u200d])@(everyone|maintainer)\b/);
  });
});
