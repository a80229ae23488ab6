// The controller reads everything the model and the sandbox produce with regular expressions, before every model
// call. A pattern that backtracks on some input would block the worker: a model (or a repository's output) could
// then stall the night. Attack: runs built from the words those patterns look for, repeated hundreds of times, in
// commands, outputs, replies and the issue. The verdicts are asked of a child process, killed if it takes minutes.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("hostile output cannot stall the early-stop controller", () => {
  it("gives a verdict for every run built from its patterns' own words, repeated", () => {
    const script = join(import.meta.dirname, "../support/hostile-controller-runs.ts");
    const printed = execFileSync(process.execPath, ["--import", "tsx", script], {
      encoding: "utf8",
      timeout: 180_000,
    });
    // Each run (prefixes × words × the command or the output) got its verdict; none hung.
    const [verdicts, runs] = printed.split("/").map(Number);
    expect(runs).toBeGreaterThan(700);
    expect(verdicts).toBe(runs);
  }, 200_000);
});
