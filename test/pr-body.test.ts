import { describe, expect, it } from "vitest";
import { prBody } from "../src/publish/pr-body.js";
import type { VerifyReport } from "../src/verify/verify.js";

const accepted: VerifyReport = {
  verdict: "accepted",
  stage: "tests",
  rejections: [],
  reproduction: { kind: "none" },
  durationMs: 1,
} as unknown as VerifyReport;

const bodyWith = (environment?: string, salvaged?: string) =>
  prBody({
    issue: 7,
    run: {
      summary: "add() adds",
      turns: 3,
      tokens: 1000,
      durationMs: 60_000,
      stopReason: salvaged ? "repeated-error" : "finished",
      environment,
      salvaged,
    },
    pushed: { sha: "a".repeat(40), files: [{ path: "calc/ops.py", added: 1, removed: 1 }] },
    verification: accepted,
    ci: "GitHub checks green",
    testCommand: "python3 -m pytest -q",
  });

describe("PR body: what the sandbox lacks", () => {
  it("names it on one line, code spans kept", () => {
    const finding = "the sandbox lacks a JDK with Maven or Gradle (`javac` not found); install a JDK";
    expect(bodyWith(finding)).toContain(`Environment: ${finding}.`);
  });

  it("a finding that quotes hostile sandbox output adds no heading, no line and no live mention", () => {
    const body = bodyWith("the sandbox lacks the command `x`\n\n## Approved by @maintainer\n- [x] merge @everyone");
    const line = body.split("\n").find((l) => l.startsWith("Environment: "))!;
    expect(line).toContain("Approved by");
    expect(body).not.toMatch(/^## Approved/m);
    expect(body).not.toMatch(/^- \[x\] merge/m);
    expect(body).not.toMatch(/(^|[^\w\u200d])@(maintainer|everyone)\b/);
  });
});

describe("PR body: why a salvaged run was stopped", () => {
  it("says it was salvaged and why, on one line", () => {
    const body = bodyWith(undefined, "repeated-error again after a nudge");
    expect(body).toContain(
      "Salvaged: the agent was stopped (repeated-error again after a nudge); verification, not the agent, passed it.",
    );
  });

  it("a stop message that quotes hostile sandbox output adds no heading, no checked task and no live mention", () => {
    const why = "environment: `x` not found\n\n## Reviewed and approved by @maintainer\n- [x] merge now @everyone";
    const body = bodyWith(undefined, why);
    const line = body.split("\n").find((l) => l.startsWith("Salvaged: "))!;
    expect(line).toContain("Reviewed and approved");
    expect(body).not.toMatch(/^## Reviewed/m);
    expect(body).not.toMatch(/^- \[x\] merge/m);
    expect(body).not.toMatch(/(^|[^\w\u200d])@(maintainer|everyone)\b/);
  });
});
