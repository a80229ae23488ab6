import { escapeRegExp } from "../text/escape-regexp.js";
import type { Dependency } from "./classify-step.js";
import type { Turn } from "./turns.js";

/**
 * Whether a missing dependency is what the issue itself reports ("importing the package fails with No module named
 * 'yaml' when PyYAML is not installed"): then the failing import is the bug to fix, not the sandbox's lack, and
 * neither the preflight nor the run's environment check may stop on it. Only modules and packages: an issue that
 * mentions `mvn` or the network is telling how to reproduce, and a missing toolchain is still the environment.
 * The issue is hostile text, so the most it can do by naming a module is cost GPU time: the run's other detectors
 * and budgets still hold.
 */
export function reportedByIssue(dependency: Dependency | undefined, issueText: string | undefined): boolean {
  const name = dependency?.name;
  if (!name || !issueText) return false;
  return new RegExp(`(?<![\\w.@/-])${escapeRegExp(name)}(?![\\w-])`, "i").test(issueText);
}

/**
 * The run's turns as the issue reads them: a step failing for a missing module the issue itself reports is the bug
 * reproducing (the code failing, the model's to fix), not the sandbox's lack. Every check then counts it as such.
 */
export function asTheIssueReads(turns: Turn[], issueText: string | undefined): Turn[] {
  return turns.map((t) =>
    t.step?.kind === "environment" && reportedByIssue(t.step.dependency, issueText)
      ? { ...t, step: { kind: "model" } }
      : t,
  );
}
