import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { engineError } from "./errors.js";
import { HeadTailBuffer } from "./head-tail-buffer.js";

export interface ExecOptions {
  /** Kill the command's whole process tree after this long. */
  timeoutMs?: number;
  /** Aborting kills the command's whole process tree. */
  signal?: AbortSignal;
  /** Bytes kept per stream (head and tail halves); the rest is counted and dropped. */
  maxOutputBytes?: number;
  cwd?: string;
  env?: Record<string, string>;
  /** Written to the command's standard input, then closed. */
  stdin?: string | Buffer;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Either stream was over `maxOutputBytes`; its middle is replaced by a marker. */
  truncated: boolean;
  stdoutBytes: number;
  stderrBytes: number;
  timedOut: boolean;
  aborted: boolean;
  /** The kernel's out-of-memory killer ended the command (the sandbox's memory limit). */
  oomKilled: boolean;
  durationMs: number;
}

export const EXEC_DEFAULTS = { timeoutMs: 10 * 60_000, maxOutputBytes: 1024 * 1024 };

/** Where each command's process-group id is written, so another exec can kill the whole group. */
export const PID_DIR = "/tmp/.nightshift";

/**
 * Runs a command as the sandbox user. The wrapper starts it under `timeout`, which gives it a process
 * group of its own (and kills that group at the deadline, a backstop should the host die), records
 * the group id so the host can kill the group from a second exec on timeout or abort, and when the
 * command ends kills whatever it left running in the background.
 */
const WRAPPER = `id=$1; limit=$2; shift 2
exec 3<&0
timeout -s KILL "$limit" "$@" <&3 3<&- &
group=$!
echo "$group" > ${PID_DIR}/"$id".pid
wait "$group"; status=$?
n=0; while kill -9 -"$group" 2>/dev/null && [ $n -lt 50 ]; do n=$((n+1)); done
rm -f ${PID_DIR}/"$id".pid
exit "$status"`;

export interface KillHooks {
  /** Kills the process group of exec `id`. */
  killGroup(id: string): Promise<void>;
  /** Last resort when the output has not ended soon after `killGroup` (a fork bomb at the pids limit, a process that left the group): restart the container. */
  restart(): Promise<void>;
}

/** How long after killing a command's group its output must have ended before the container is restarted. */
export const KILL_GRACE_MS = 1_000;

export async function runExec(container: Docker.Container, id: string, command: string | string[], options: ExecOptions, hooks?: KillHooks): Promise<Omit<ExecResult, "oomKilled">> {
  const timeoutMs = options.timeoutMs ?? EXEC_DEFAULTS.timeoutMs;
  const cap = options.maxOutputBytes ?? EXEC_DEFAULTS.maxOutputBytes;
  const argv = typeof command === "string" ? ["/bin/sh", "-c", command] : command;
  const backstopSeconds = Math.ceil(timeoutMs / 1000) + 5;
  const started = performance.now();
  let exec: Docker.Exec;
  let stream: NodeJS.ReadWriteStream;
  try {
    exec = await container.exec({
      Cmd: ["/bin/sh", "-c", WRAPPER, "nightshift-exec", id, String(backstopSeconds), ...argv],
      AttachStdin: options.stdin !== undefined,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      WorkingDir: options.cwd ?? "/workspace",
      Env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
    });
    stream = (await exec.start({ hijack: true, stdin: options.stdin !== undefined })) as unknown as NodeJS.ReadWriteStream;
  } catch (error) {
    throw engineError("exec-failed", "the engine refused to run a command", error);
  }

  const stdout = new HeadTailBuffer(cap);
  const stderr = new HeadTailBuffer(cap);
  const out = new PassThrough().on("data", (c: Buffer) => stdout.push(c));
  const err = new PassThrough().on("data", (c: Buffer) => stderr.push(c));
  container.modem.demuxStream(stream, out, err);
  if (options.stdin !== undefined) stream.end(options.stdin);

  let timedOut = false;
  let aborted = false;
  let grace: NodeJS.Timeout | undefined;
  const kill = () => {
    if (!hooks || grace) return;
    void hooks.killGroup(id).catch(() => {});
    grace = setTimeout(() => void hooks.restart().catch(() => {}), KILL_GRACE_MS);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, timeoutMs);
  const onAbort = () => {
    aborted = true;
    kill();
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", reject);
    });
  } finally {
    clearTimeout(timer);
    clearTimeout(grace);
    options.signal?.removeEventListener("abort", onAbort);
  }
  return {
    exitCode: await exitCodeOf(exec),
    stdout: stdout.text(),
    stderr: stderr.text(),
    truncated: stdout.truncated || stderr.truncated,
    stdoutBytes: stdout.total,
    stderrBytes: stderr.total,
    timedOut,
    aborted,
    durationMs: Math.round(performance.now() - started),
  };
}

/** The engine may report the exit code a moment after the output stream ends. */
async function exitCodeOf(exec: Docker.Exec): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const state = await exec.inspect();
    if (!state.Running && state.ExitCode !== null) return state.ExitCode;
    await new Promise((r) => setTimeout(r, 20));
  }
  return -1;
}
