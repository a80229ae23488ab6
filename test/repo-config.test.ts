import { describe, expect, it } from "vitest";
import { RepoConfigError, parseRepoConfig, repoConfigErrorMarkdown } from "../src/config/repo-config.js";

function problems(raw: unknown): string[] {
  try {
    parseRepoConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(RepoConfigError);
    return (error as RepoConfigError).problems;
  }
  throw new Error("expected RepoConfigError");
}

describe(".github/nightshift.yml", () => {
  it("fills documented defaults around the required test command", () => {
    expect(parseRepoConfig({ test: "pytest -q" })).toEqual({
      test: "pytest -q",
      budgets: { turns: 40, tokens: 300000, minutes: 45 },
      protected_paths: [],
      ci: "both",
      ci_timeout_minutes: 60,
      tamper: { allow: [], test_globs: [], max_patch_bytes: 204800 },
      outcome: "draft-pr",
      open_pr_limit: 5,
      report: true,
      follow_up_limit: 3,
      codeowners_review: false,
    });
  });

  it("quotes the path and message of every problem, including unknown keys", () => {
    expect(problems({ test: "", budgets: { turns: 0, tokns: 5 }, ci: "travis", protected_paths: "src" })).toEqual([
      "`test`: must be a non-empty shell command",
      "`budgets.turns`: Too small: expected number to be >=1",
      '`budgets`: Unrecognized key: "tokns" (tokns)',
      "`protected_paths`: Invalid input: expected array, received string",
      '`ci`: Invalid option: expected one of "github"|"local"|"both"',
    ]);
  });

  it("says the file is missing, or not a mapping", () => {
    expect(problems(null)[0]).toContain("was not found on the default branch");
    expect(problems(["test"])[0]).toMatch(/^`\(top level\)`: Invalid input: expected object/);
  });

  it("rejects an image reference that could smuggle options", () => {
    expect(problems({ test: "make test", image: "alpine --privileged" })[0]).toMatch(
      /^`image`: must be a Docker image reference/,
    );
  });

  it("renders a comment that tells the maintainer how to fix it", () => {
    const text = repoConfigErrorMarkdown(new RepoConfigError(["`budgets.turns`: Too small"]));
    expect(text).toContain("- `budgets.turns`: Too small");
    expect(text).toContain("```yaml");
    expect(text).toContain("/agent retry");
  });
});
