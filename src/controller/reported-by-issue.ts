import { escapeRegExp } from "../text/escape-regexp.js";
import type { Dependency } from "./classify-step.js";

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
