import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { closedPort } from "./support/closed-port.js";
import { requireDocker, SANDBOX_IMAGE } from "./support/docker.js";
import { startFakeOllama } from "./support/fake-ollama.js";
import { appKeyPair } from "./support/keys.js";
import { waitFor } from "./support/wait-for.js";

/** Polls a yes/no probe (every 200 ms) until yes. */
const until = (probe: () => Promise<boolean>, timeoutMs: number, what: string) =>
  waitFor(
    async () => ((await probe()) ? true : (await new Promise((r) => setTimeout(r, 200)), undefined)),
    timeoutMs,
    what,
  );

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
/** The runtime image, built offline by runtime/build-offline.sh (.ci/run builds it when its recipe changes). */
const IMAGE = process.env.NIGHTSHIFT_RUNTIME_IMAGE ?? "nightshift:runtime";

const containers: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  for (const id of containers.splice(0)) await run("docker", ["rm", "-f", id]).catch(() => undefined);
});

async function requireRuntimeImage(): Promise<void> {
  await requireDocker();
  const recipe = execFileSync("bash", [join(root, "runtime/recipe-hash.sh")], { encoding: "utf8" }).trim();
  let label: string;
  try {
    label = execFileSync(
      "docker",
      ["image", "inspect", IMAGE, "--format", '{{index .Config.Labels "nightshift.recipe"}}'],
      {
        encoding: "utf8",
      },
    ).trim();
  } catch {
    throw new Error(`the runtime image ${IMAGE} is missing: run \`bash runtime/build-offline.sh\` (or .ci/run)`);
  }
  if (label !== recipe)
    throw new Error(
      `${IMAGE} was built from another recipe (${label}, now ${recipe}): run \`bash runtime/build-offline.sh\``,
    );
}

const compose = parseYaml(readFileSync(join(root, "docker-compose.yml"), "utf8")) as {
  services: Record<string, { healthcheck?: { test?: string[]; disable?: boolean }; image?: string; build?: unknown }>;
};

describe("docker-compose.yml", () => {
  it("is valid for Debian's docker-compose, and every long-running service has a healthcheck", async () => {
    const { stdout } = await run("docker-compose", ["-f", join(root, "docker-compose.yml"), "config"]);
    expect(stdout).toContain("NIGHTSHIFT_ENV_FILE: /var/lib/nightshift/config/nightshift.env");
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === "config-init" || name === "sandbox-image") expect(service.healthcheck?.disable).toBe(true);
      else expect(service.healthcheck?.test, name).toBeDefined();
    }
    // No secret in the environment: no env_file, no PRIVATE_KEY.
    expect(stdout).not.toMatch(/env_file|PRIVATE_KEY:|WEBHOOK_SECRET:/);
  });
});

describe("the runtime image (built offline)", () => {
  it(
    "has Node LTS, git and the sandbox files; serves the setup page with no APP_ID and passes its healthcheck",
    {
      timeout: 120_000,
    },
    async () => {
      await requireRuntimeImage();
      const node = await run("docker", ["run", "--rm", "--entrypoint", "node", IMAGE, "--version"]);
      expect(node.stdout).toMatch(/^v24\./);
      const git = await run("docker", ["run", "--rm", "--entrypoint", "git", IMAGE, "--version"]);
      expect(git.stdout).toMatch(/^git version 2\./);
      const files = await run("docker", ["run", "--rm", "--entrypoint", "ls", IMAGE, "/app/sandbox", "/app/app.yml"]);
      expect(files.stdout).toContain("executor.py");
      const version = await run("docker", ["run", "--rm", IMAGE, "--version"]);
      expect(version.stdout).toBe(
        `nightshift ${(JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version}\n`,
      );
      const uid = await run("docker", ["run", "--rm", "--entrypoint", "id", IMAGE, "-u"]);
      expect(uid.stdout.trim()).toBe("1000");

      // `server` with no App: setup mode, healthy, not exiting (no restart loop under compose).
      const port = await closedPort();
      const { stdout: id } = await run("docker", [
        "run",
        "-d",
        "--network",
        "host",
        "-e",
        "HOST=127.0.0.1",
        "-e",
        `PORT=${port}`,
        IMAGE,
        "server",
      ]);
      containers.push(id.trim());
      await until(
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true,
        60_000,
        "the setup server's /healthz",
      );
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toContain("State: setup mode.");
      // The compose file's own healthcheck command, run in the container (port replaced).
      const test = compose.services.server!.healthcheck!.test!.slice(1).map((a) => a.replace(":3000", `:${port}`));
      await run("docker", ["exec", id.trim(), ...test]);
      const state = await run("docker", ["inspect", "-f", "{{.State.Running}} {{.RestartCount}}", id.trim()]);
      expect(state.stdout.trim()).toBe("true 0");
    },
  );

  it(
    "the worker's preflight runs in the container (root, NET_ADMIN, SYS_ADMIN, host network, as compose runs it): " +
      "waits for the model, then is ready",
    {
      timeout: 120_000,
    },
    async () => {
      await requireRuntimeImage();
      const models: string[] = [];
      const ollama = await startFakeOllama(models);
      cleanups.push(() => ollama.close());
      const workspaces = mkdtempSync(join(tmpdir(), "nightshift-image-ws-"));
      const { stdout: id } = await run("docker", [
        "run",
        "-d",
        "--network",
        "host",
        "--user",
        "0",
        ...["--cap-add", "NET_ADMIN", "--cap-add", "SYS_ADMIN", "--device", "/dev/loop-control"],
        ...["--security-opt", "apparmor=unconfined", "--security-opt", "seccomp=unconfined"],
        ...["--device-cgroup-rule", "b 7:* rmw", "-v", "/dev:/dev"],
        "-v",
        "/var/run/docker.sock:/var/run/docker.sock",
        "-v",
        `${workspaces}:${workspaces}`,
        "-e",
        "APP_ID=1",
        "-e",
        `PRIVATE_KEY=${Buffer.from(appKeyPair().privateKey).toString("base64")}`,
        "-e",
        "WEBHOOK_SECRET=s",
        "-e",
        `REDIS_URL=${process.env.REDIS_URL ?? "redis://127.0.0.1:6379"}`,
        "-e",
        `OLLAMA_HOST=${ollama.host}`,
        "-e",
        `NIGHTSHIFT_SANDBOX_IMAGE=${SANDBOX_IMAGE}`,
        "-e",
        `NIGHTSHIFT_WORKSPACES=${workspaces}`,
        "-e",
        "NIGHTSHIFT_WORKSPACE_DISK_MB=64",
        "-e",
        "NIGHTSHIFT_PREFLIGHT_RETRY_S=1",
        "-e",
        `NIGHTSHIFT_REDIS_PREFIX=image${process.pid}`,
        IMAGE,
        "worker",
      ]);
      containers.push(id.trim());
      const logs = async () => (await run("docker", ["logs", id.trim()])).stdout;
      await until(
        async () => (await logs()).includes("cannot work yet: ollama failing"),
        60_000,
        "the preflight lines",
      );
      const out = await logs();
      expect(out).toMatch(/ok {4}redis {4}.* maxmemory-policy noeviction/);
      expect(out).toMatch(new RegExp(`ok {4}docker {3}engine .* sandbox image ${SANDBOX_IMAGE} present`));
      expect(out).toMatch(/ok {4}disk {5}.* is writable by uid 0/);
      expect(out).toMatch(/ok {4}isolate {2}root with iptables, mkfs.ext4 and loop devices/);
      expect(out).toMatch(/FAIL {2}ollama {3}.* model qwen2.5-coder:7b is not pulled/);
      models.push("qwen2.5-coder:7b");
      await until(async () => (await logs()).includes("preflight passed; ready for runs"), 30_000, "ready for runs");
      const test = compose.services.worker!.healthcheck!.test!.slice(1);
      await until(
        () =>
          run("docker", ["exec", id.trim(), ...test]).then(
            () => true,
            () => false,
          ),
        10_000,
        "the worker's healthcheck",
      );
    },
  );
});
