import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname, "../..");
const tsxLoader = pathToFileURL(resolve(root, "node_modules/tsx/dist/loader.mjs")).href;
export const CLI = resolve(root, "src/cli/bin.ts");

/** A clean environment: only what the test gives, plus PATH and HOME. */
export function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "warn", ...env };
}

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited(): Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `nightshift …args` as its own process, the way a user runs it (from source, through tsx). */
export function startCli(args: string[], env: Record<string, string>, cwd = root): CliProcess {
  const child = spawn(process.execPath, ["--import", tsxLoader, CLI, ...args], {
    env: cleanEnv(env),
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return {
    child,
    output: () => output,
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before ${pattern}: ${output}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}: ${output}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return output;
    },
    exited: () => exit,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null) child.kill(signal);
      return exit;
    },
  };
}

export async function runCli(
  args: string[],
  env: Record<string, string>,
  cwd = root,
): Promise<{ code: number | null; output: string }> {
  const cli = startCli(args, env, cwd);
  const timer = setTimeout(() => cli.child.kill("SIGKILL"), 30_000);
  const code = await cli.exited();
  clearTimeout(timer);
  return { code, output: cli.output() };
}
