import type { Sandbox } from "../sandbox/sandbox.js";
import { environmentProblem, type Dependency } from "./classify-step.js";
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
  if (!problem || reportedByIssue(problem.dependency, issueText)) return undefined;
  const own = await repositoryModule(sandbox, problem.dependency, signal);
  if (own)
    return (
      `the test command \`${testCommand}\` cannot import \`${own}\`, which is the repository's own (at its root): ` +
      "run the tests from the repository root, or set PYTHONPATH, in the repository's test command. " +
      "This is the test command's set-up, not the model"
    );
  const shown = problem.shown ? [problem.shown] : [];
  return `the test command \`${testCommand}\` cannot run: ${environmentMessage(problem.missing, problem.fix, shown)}`;
}

/**
 * A missing Python module that is a folder or file at the repository's root (`tests`, `src`): no dependency to
 * install but the test command run from elsewhere, or without the path set. Its name, or undefined.
 */
async function repositoryModule(
  sandbox: Pick<Sandbox, "exec">,
  dependency: Dependency | undefined,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  const name = dependency?.ecosystem === "python" ? dependency.name : undefined;
  if (!name || !/^\w+$/.test(name)) return undefined;
  const found = await sandbox.exec(["sh", "-c", 'test -e "$1" || test -e "$1.py"', "sh", name], {
    timeoutMs: 30_000,
    signal,
  });
  return found.exitCode === 0 ? name : undefined;
}
