import { runBenchCommand } from "../bench/cli.js";
import { ConfigError } from "../config/env.js";
import { formatCheck, runDoctorFromEnv } from "./doctor.js";
import { COMMAND_HELP, USAGE } from "./help.js";
import { packageVersion } from "./package-root.js";
import { installLastResort } from "./last-resort.js";
import { EmbeddedRedisError } from "./embedded-redis.js";
import { RedisPolicyError } from "../queue/redis.js";
import { runServe } from "./serve.js";
import { runWorkerProcess } from "./worker-process.js";
import { PreflightError } from "./worker-preflight.js";

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const stdio: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

/**
 * Runs one subcommand. Returns the exit code for commands that finish; long-running commands
 * resolve once started and keep the process alive. Configuration problems exit with code 2 and one
 * line per problem; expected startup failures with code 1 and one line; never a stack trace.
 */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: Io = stdio,
): Promise<number | undefined> {
  const [command] = argv;
  if (command && COMMAND_HELP[command] && argv.slice(1).some((a) => a === "--help" || a === "-h" || a === "help")) {
    io.out(COMMAND_HELP[command]);
    return 0;
  }
  if (command === "--version" || command === "-v" || command === "version") {
    io.out(`nightshift ${packageVersion()}`);
    return 0;
  }
  if (command === "start" || command === "server" || command === "worker" || command === "delivery-worker")
    installLastResort(io.err);
  try {
    switch (command) {
      case "start":
      case "server":
        await runServe(command, env, io);
        return undefined;
      case "worker":
        await runWorkerProcess(env, "runs");
        return undefined;
      case "delivery-worker":
        await runWorkerProcess(env, "deliveries");
        return undefined;
      case "doctor": {
        const results = await runDoctorFromEnv(env, { env });
        results.map(formatCheck).forEach(io.out);
        return results.every((r) => r.ok) ? 0 : 1;
      }
      case "bench": {
        const cancel = new AbortController();
        const onSigint = () => cancel.abort();
        process.once("SIGINT", onSigint);
        try {
          return await runBenchCommand(argv.slice(1), env, io, cancel.signal);
        } finally {
          process.off("SIGINT", onSigint);
        }
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(USAGE);
        return command ? 0 : 2;
      default:
        io.err(`nightshift: unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`nightshift: ${error.message}`);
      return 2;
    }
    if (error instanceof EmbeddedRedisError || error instanceof RedisPolicyError || error instanceof PreflightError) {
      io.err(`nightshift: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
