import type { Sandbox } from "../sandbox/sandbox.js";
import { environmentProblem } from "./classify-step.js";
import { environmentMessage } from "./environment-verdict.js";
import { reportedByIssue } from "./reported-by-issue.js";

/**
 * Runs the repository's test command once before the first model call. Failing tests are expected (the
 * issue is not fixed yet); a test command that cannot run at all — a missing command, interpreter, module,
 * network or disk — is the environment's problem, and this returns the message that names it so the run
 * stops before it spends any GPU time. A missing module the issue itself reports (`issueText`) is the bug: no stop.
 */
export async function preflightTestCommand(
  sandbox: Pick<Sandbox, "exec">,
  testCommand: string,
  { signal, timeoutMs = 10 * 60_000, issueText }: { signal?: AbortSignal; timeoutMs?: number; issueText?: string } = {},
): Promise<string | undefined> {
  // No bytecode caches from this early run: one written before an edit in the same second can outlive it.
  const command = `export PYTHONDONTWRITEBYTECODE=1; ${testCommand}`;
  const result = await sandbox.exec(command, { timeoutMs, signal, maxOutputBytes: 64 * 1024 });
  if (result.exitCode === 0 || result.timedOut) return undefined;
  const problem = environmentProblem(`${result.stdout}\n${result.stderr}`);
  if (!problem || reportedByIssue(problem.missing, issueText)) return undefined;
  const shown = problem.shown ? [problem.shown] : [];
  return `the test command \`${testCommand}\` cannot run: ${environmentMessage(problem.missing, problem.fix, shown)}`;
}
