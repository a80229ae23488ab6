import { posix } from "node:path";
import type Docker from "dockerode";
import { SandboxError, engineError } from "./errors.js";
import { replyText, runExec, type ExecOptions, type ExecResult } from "./exec.js";
import { connectExecutor, executorCommand, type ExecutorConnection } from "./executor-client.js";
import { ensureSetupNetwork } from "./setup-network.js";

export type SandboxPhase = "setup" | "agent";

export interface SandboxLimits {
  memoryBytes: number;
  cpus: number;
  pids: number;
  tmpBytes: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  memoryBytes: 2 * 1024 ** 3,
  cpus: 1,
  pids: 256,
  tmpBytes: 512 * 1024 ** 2,
};

export const SANDBOX_LABELS = {
  managed: "nightshift.managed",
  namespace: "nightshift.namespace",
  run: "nightshift.run",
  phase: "nightshift.phase",
} as const;
/** The executor's user: root inside the container with only these capabilities (see sandbox/executor.py). */
export const EXECUTOR_USER = "0:0";
export const EXECUTOR_CAPABILITIES = ["SETUID", "SETGID", "SETPCAP", "KILL"];
/** Commands run as uid 1000, or as the worker's own uid when it is neither root nor 1000 (see workspace.ts). */
export function commandUid(workerUid = process.getuid?.() ?? 1000): number {
  return workerUid === 0 ? 1000 : workerUid;
}
export const WORKSPACE = "/workspace";
export const SANDBOX_HOME = "/tmp/home";
const CACHE = "/tmp/cache";
/** Where npm and pip put downloads when a cache is mounted. */
const CACHE_ENV = { npm_config_cache: `${CACHE}/npm`, PIP_CACHE_DIR: `${CACHE}/pip` };
const CA = "/tmp/nightshift-ca.pem";
/** Node adds it to its own CAs; pip, requests, git and OpenSSL-based tools use it instead of theirs. */
const CA_ENV = { NODE_EXTRA_CA_CERTS: CA, PIP_CERT: CA, REQUESTS_CA_BUNDLE: CA, SSL_CERT_FILE: CA, GIT_SSL_CAINFO: CA };

export interface SandboxOptions {
  runId: string;
  /** Which Nightshift installation owns it (its Redis prefix): a reaper only touches its own. */
  namespace: string;
  /** Host directory holding the checkout; the only host path the container sees. */
  workspace: string;
  phase: SandboxPhase;
  image: string;
  limits?: Partial<SandboxLimits>;
  /**
   * Host directory mounted as HOME (`/tmp/home`) so what setup installs there (venv, `~/.local`, Go
   * modules, crates) is there for the later phases of the same run; default: HOME on the /tmp tmpfs.
   */
  home?: string;
  /** Host directory for package managers' downloads (npm, pip), mounted in the setup phase only. */
  cache?: string;
  /** Host PEM file of CA certificates the setup phase trusts besides the image's (a TLS-inspecting proxy). */
  caBundle?: string;
  /** The setup phase's network (default: the walled-off `nightshift-setup` network, created on demand). */
  setupNetwork?: (docker: Docker) => Promise<string>;
}

export interface Sandbox {
  id: string;
  runId: string;
  phase: SandboxPhase;
  exec(command: string | string[], options?: ExecOptions): Promise<ExecResult>;
  readFile(path: string, options?: { maxBytes?: number }): Promise<string>;
  writeFile(path: string, content: string): Promise<void>;
  listFiles(dir?: string, options?: { maxEntries?: number }): Promise<string[]>;
  /** `git diff` of the workspace against HEAD, new files included, run inside the container. */
  diff(options?: { maxBytes?: number }): Promise<string>;
  destroy(): Promise<void>;
}

/** The only environment a sandboxed command sees: nothing of the worker's (no tokens, no keys). */
const BASE_ENV = {
  // Setup's venv and `--prefix ~/.local` tools come first, so later phases use what setup installed.
  PATH: "/tmp/home/venv/bin:/tmp/home/.local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  HOME: "/tmp/home",
  LANG: "C.UTF-8",
  CI: "true",
};
/**
 * The agent phase writes no Python bytecode: a model edits and runs within the same second, and an edit that keeps
 * a module's size would otherwise be imported from the stale `.pyc` (Python checks the source's mtime in whole
 * seconds and its size), so the run would test old code and the controller would judge it by that.
 */
const AGENT_ENV = { PYTHONDONTWRITEBYTECODE: "1" };

/**
 * Starts one hardened container for one phase of a run: non-root, read-only root, all capabilities
 * dropped, no-new-privileges, pids/memory/CPU limits, a size-limited /tmp, the workspace (and the run's HOME and,
 * in setup, its download cache) as its only mounts, and no network in the agent phase.
 */
export async function createSandbox(docker: Docker, options: SandboxOptions): Promise<Sandbox> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  try {
    await docker.getImage(options.image).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) {
      throw new SandboxError(
        "image-missing",
        `sandbox image ${options.image} is not on this Docker engine; build it with ` +
          `\`npm run sandbox:build${toolchainOf(options.image)}\``,
        { cause: error },
      );
    }
    throw engineError("engine-unavailable", "cannot reach the Docker engine", error);
  }
  const network =
    options.phase === "agent" ? "none" : await (options.setupNetwork ?? ((d) => ensureSetupNetwork(d)))(docker);
  const uid = commandUid();
  const cache = options.phase === "setup" ? options.cache : undefined;
  const ca = options.phase === "setup" ? options.caBundle : undefined;
  const binds = [
    ...(ca ? [`${ca}:${CA}:ro`] : []),
    `${options.workspace}:${WORKSPACE}:rw`,
    ...(options.home ? [`${options.home}:${SANDBOX_HOME}:rw`] : []),
    ...(cache ? [`${cache}:${CACHE}:rw`] : []),
  ];
  const env = {
    ...BASE_ENV,
    ...(options.phase === "agent" ? AGENT_ENV : {}),
    ...(cache ? CACHE_ENV : {}),
    ...(ca ? CA_ENV : {}),
  };
  let container: Docker.Container;
  try {
    container = await docker.createContainer({
      Image: options.image,
      Cmd: executorCommand(),
      User: EXECUTOR_USER,
      WorkingDir: WORKSPACE,
      Env: [...Object.entries(env).map(([k, v]) => `${k}=${v}`), `NIGHTSHIFT_COMMAND_UID=${uid}`],
      Labels: {
        [SANDBOX_LABELS.managed]: "true",
        [SANDBOX_LABELS.namespace]: options.namespace,
        [SANDBOX_LABELS.run]: options.runId,
        [SANDBOX_LABELS.phase]: options.phase,
      },
      NetworkDisabled: options.phase === "agent",
      OpenStdin: true,
      StdinOnce: false,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: {
        NetworkMode: network,
        ReadonlyRootfs: true,
        CapDrop: ["ALL"],
        CapAdd: EXECUTOR_CAPABILITIES,
        SecurityOpt: ["no-new-privileges:true"],
        PidsLimit: limits.pids,
        Memory: limits.memoryBytes,
        MemorySwap: limits.memoryBytes,
        NanoCpus: Math.round(limits.cpus * 1e9),
        Tmpfs: { "/tmp": `rw,nosuid,nodev,size=${limits.tmpBytes}` },
        Binds: binds,
        Init: true,
        IpcMode: "private",
        AutoRemove: false,
      },
    });
  } catch (error) {
    throw engineError("create-failed", `could not create a ${options.phase} sandbox from ${options.image}`, error);
  }

  const connect = () => connectExecutor(container, () => container.start());
  let connection: ExecutorConnection;
  try {
    connection = await connect();
  } catch (error) {
    await removeContainer(container).catch(() => {});
    throw error;
  }
  let oomKills = connection.oomKills;
  // A restart (the last resort against a wedged sandbox) finishes before any other command runs.
  let restarting: Promise<void> | undefined;
  const restart = () =>
    (restarting ??= (async () => {
      // A channel that carried something other than replies is not trusted again: the sandbox is over.
      const reason = connection.deadReason();
      if (reason?.kind === "channel") throw reason;
      connection.close();
      await container.kill().catch(() => {});
      await container.wait().catch(() => {});
      connection = await connect();
      oomKills = connection.oomKills;
    })().finally(() => (restarting = undefined)));

  const exec = async (command: string | string[], execOptions: ExecOptions = {}): Promise<ExecResult> => {
    await restarting;
    if (!connection.alive()) await restart();
    const reply = await runExec(connection, command, { ...execOptions, env: { ...env, ...execOptions.env } }, restart);
    await restarting;
    const stdout = replyText(reply.stdout);
    const stderr = replyText(reply.stderr);
    const oomKilled = reply.exit === 137 && !reply.timedOut && !reply.aborted && reply.oomKills > oomKills;
    if (reply.oomKills >= 0) oomKills = reply.oomKills;
    return {
      exitCode: reply.exit,
      stdout: stdout.text,
      stderr: stderr.text,
      truncated: stdout.truncated || stderr.truncated,
      stdoutBytes: stdout.total,
      stderrBytes: stderr.total,
      timedOut: reply.timedOut,
      aborted: reply.aborted,
      oomKilled,
      durationMs: reply.durationMs,
    };
  };

  const sandbox: Sandbox = {
    id: container.id,
    runId: options.runId,
    phase: options.phase,
    exec,
    async readFile(path, { maxBytes = 256 * 1024 } = {}) {
      const result = await exec(["cat", "--", inWorkspace(path)], { maxOutputBytes: maxBytes, timeoutMs: 30_000 });
      if (result.exitCode !== 0)
        throw new SandboxError("file", `cannot read ${path}: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
      if (result.truncated)
        throw new SandboxError(
          "file",
          `${path} is ${result.stdoutBytes} bytes, over the ${maxBytes}-byte limit; read a line range instead`,
        );
      return result.stdout;
    },
    async writeFile(path, content) {
      const target = inWorkspace(path);
      const result = await exec(["/bin/sh", "-c", 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"', "write", target], {
        stdin: content,
        timeoutMs: 30_000,
      });
      if (result.exitCode !== 0)
        throw new SandboxError("file", `cannot write ${path}: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
    },
    async listFiles(dir = ".", { maxEntries = 5000 } = {}) {
      const result = await exec(
        [
          "/bin/sh",
          "-c",
          `find "$1" -path '*/.git' -prune -o -type f -print | head -n ${maxEntries}`,
          "list",
          inWorkspace(dir),
        ],
        { timeoutMs: 30_000 },
      );
      if (result.exitCode !== 0)
        throw new SandboxError("file", `cannot list ${dir}: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
      return result.stdout
        .split("\n")
        .filter(Boolean)
        .map((p) => posix.relative(WORKSPACE, p));
    },
    async diff({ maxBytes = 1024 * 1024 } = {}) {
      // Hooks, fsmonitor, external diff drivers and textconv are the repository's code: none runs here.
      // Absolute path: a `git` the agent put in HOME's bin directories is never the one that runs.
      const git = "/usr/bin/git -c core.hooksPath=/dev/null -c core.fsmonitor=false";
      const artifacts = BUILD_ARTIFACTS.map((glob) => `':(exclude,glob)${glob}'`).join(" ");
      const result = await exec(
        [
          "/bin/sh",
          "-c",
          `${git} add --all --intent-to-add -- . ${artifacts} && ${git} diff --no-ext-diff --no-textconv --binary HEAD`,
        ],
        { maxOutputBytes: maxBytes, timeoutMs: 60_000 },
      );
      if (result.exitCode !== 0)
        throw new SandboxError("file", `git diff failed: ${result.stderr.trim().slice(0, 500)}`);
      if (result.truncated)
        throw new SandboxError(
          "patch-too-large",
          `the patch is ${result.stdoutBytes} bytes, over the ${maxBytes}-byte limit`,
        );
      return result.stdout;
    },
    async destroy() {
      connection.close();
      await removeContainer(container);
    },
  };
  return sandbox;
}

/** Untracked files that running code leaves behind; new files matching these never enter a patch. */
export const BUILD_ARTIFACTS = [
  "**/__pycache__/**",
  "**/*.pyc",
  "**/.pytest_cache/**",
  "**/node_modules/**",
  "**/.mypy_cache/**",
  "**/.ruff_cache/**",
  "**/.tox/**",
  "**/coverage/**",
  "**/.coverage",
  "**/.nyc_output/**",
  "**/target/**",
  "**/*.o",
];

/** ` node` for nightshift-sandbox:node (the argument `npm run sandbox:build` takes), else nothing. */
function toolchainOf(image: string): string {
  const name = /^nightshift-sandbox:(node|python|go|rust|java)$/.exec(image)?.[1];
  return name ? ` ${name}` : "";
}

/** Resolves a path against the workspace; paths that climb out of it are refused. */
export function inWorkspace(path: string): string {
  const resolved = posix.resolve(WORKSPACE, path);
  if (resolved !== WORKSPACE && !resolved.startsWith(`${WORKSPACE}/`)) {
    throw new SandboxError("file", `${path} is outside the workspace; use a path relative to the repository root`);
  }
  return resolved;
}

export async function removeContainer(container: Docker.Container): Promise<void> {
  try {
    await container.remove({ force: true, v: true });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== 404 && status !== 409)
      throw engineError("exec-failed", "could not remove the sandbox container", error);
  }
}
