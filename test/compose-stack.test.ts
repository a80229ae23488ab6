import { execFile, execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { TEST_COMMAND, hostFixtureRepo } from "./fixtures/patch-corpus.js";
import { closedPort } from "./support/closed-port.js";
import { requireDocker } from "./support/docker.js";
import { startFakeGitHub, type FakeGitHub } from "./support/fake-github.js";
import { startFakeOllama, type FakeOllama, type ScriptedReply } from "./support/fake-ollama.js";
import { appKeyPair } from "./support/keys.js";
import { waitFor } from "./support/wait-for.js";
import { deliver, issuesPayload } from "./support/webhooks.js";

/**
 * docker-compose.yml brought up for real with Debian's docker-compose, adapted only where this machine
 * differs from a GPU host: no registry (Redis runs from the offline-built runtime image, the sandbox
 * image is already built), no GPU (no device reservations), Ollama and GitHub are the test's fakes on
 * the host (so every service joins the host network), and temporary directories replace the host paths.
 */
const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
const IMAGE = process.env.NIGHTSHIFT_RUNTIME_IMAGE ?? "nightshift:runtime";
const MODEL = "qwen2.5-coder:7b";
const project = `nightshift-stack-${process.pid}`;
const act = (a: Record<string, unknown>): ScriptedReply => ({ content: JSON.stringify(a) });

type Service = Record<string, unknown> & { environment?: Record<string, string>; volumes?: string[] };

let github: FakeGitHub | undefined;
let ollama: FakeOllama | undefined;
let file: string | undefined;
const dirs: string[] = [];
let sharedMount: string | undefined;

afterAll(async () => {
  if (file) {
    const logs = await run("docker-compose", ["-f", file, "-p", project, "logs", "--no-color"]).catch(() => undefined);
    if (process.env.COMPOSE_LOGS) writeFileSync(process.env.COMPOSE_LOGS, logs?.stdout ?? "");
    await run("docker-compose", ["-f", file, "-p", project, "down", "-v", "--timeout", "5"]).catch(() => undefined);
  }
  await github?.close();
  await ollama?.close();
  if (sharedMount) execFileSync("umount", ["-R", sharedMount]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe("the docker-compose stack", () => {
  it("comes up healthy from a scripted Ollama and reaches a draft PR against the GitHub fake", async () => {
    await requireDocker();
    execFileSync("docker", ["image", "inspect", IMAGE], { stdio: "ignore" });
    github = await startFakeGitHub({ publicKeyPem: appKeyPair().publicKey });
    hostFixtureRepo(github, { ".github/nightshift.yml": `test: ${TEST_COMMAND}\nci: both\n` });
    github.issues.set("acme/widgets#7", { title: "add() subtracts", body: "`add(2, 3)` in calc/ops.py returns -1." });
    ollama = await startFakeOllama([MODEL]);
    ollama.setScript([
      act({ tool: "read_file", path: "calc/ops.py" }),
      act({ tool: "edit", path: "calc/ops.py", search: "return a - b", replace: "return a + b" }),
      act({ tool: "run", command: TEST_COMMAND }),
      act({ tool: "finish", summary: "add() subtracted; it adds now." }),
    ]);

    // The config volume as the setup page leaves it: nightshift.env and the key, 0600, uid 1000.
    const config = mkdtempSync(join(tmpdir(), "nightshift-stack-config-"));
    const workspaces = mkdtempSync(join(tmpdir(), "nightshift-stack-ws-"));
    dirs.push(config, workspaces);
    chmodSync(workspaces, 0o755); // like /var/lib/nightshift/workspaces: the sandbox's uid 1000 passes through
    // The README's host preparation: the workspaces directory is a shared mount, so the workspace disks
    // the worker mounts inside its container reach the engine that bind-mounts them into sandboxes.
    execFileSync("mount", ["--bind", workspaces, workspaces]);
    execFileSync("mount", ["--make-rshared", workspaces]);
    sharedMount = workspaces;
    writeFileSync(join(config, "app.pem"), appKeyPair().privateKey, { mode: 0o600 });
    writeFileSync(
      join(config, "nightshift.env"),
      "APP_ID=1\nPRIVATE_KEY_PATH=/var/lib/nightshift/config/app.pem\nWEBHOOK_SECRET=s3cret\n",
      { mode: 0o600 },
    );
    for (const name of ["", "app.pem", "nightshift.env"]) chownSync(join(config, name), 1000, 1000);

    const [redisPort, serverPort] = [await closedPort(), await closedPort()];
    const doc = parseYaml(readFileSync(join(root, "docker-compose.yml"), "utf8"), { merge: true }) as {
      services: Record<string, Service>;
      volumes: Record<string, unknown>;
    };
    const s = doc.services;
    delete s.ollama;
    delete s["sandbox-image"];
    const env = {
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      OLLAMA_HOST: ollama.host,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      NIGHTSHIFT_WINDOW: "00:00-24:00",
      NIGHTSHIFT_PUBLIC_URL: "https://nightshift.example.com",
    };
    s.redis = {
      ...s.redis,
      image: IMAGE,
      user: "0",
      network_mode: "host",
      entrypoint: ["redis-server"],
      command: ["--port", String(redisPort), "--bind", "127.0.0.1", "--dir", "/data", "--appendonly", "yes"].concat([
        "--maxmemory-policy",
        "noeviction",
      ]),
      healthcheck: { test: ["CMD", "redis-cli", "-p", String(redisPort), "ping"], interval: "2s", retries: 30 },
    };
    delete s.redis.ports;
    for (const name of ["server", "worker", "config-init"]) {
      const service = s[name]!;
      delete service.build;
      delete service.ports;
      delete service.deploy;
      service.network_mode = "host";
      service.volumes = service.volumes?.map((v) =>
        v.replace(/^config:/, `${config}:`).replaceAll("/var/lib/nightshift/workspaces", workspaces),
      );
      if (name !== "config-init") service.environment = { ...service.environment, ...env };
    }
    s.server!.environment = { ...s.server!.environment, HOST: "127.0.0.1", PORT: String(serverPort) };
    const serverCheck = (s.server!.healthcheck as { test: string[] }).test.map((a) =>
      a.replace(":3000", `:${serverPort}`),
    );
    s.server!.healthcheck = { ...(s.server!.healthcheck as object), test: serverCheck, interval: "2s" };
    s.worker!.environment = { ...s.worker!.environment, NIGHTSHIFT_WORKSPACES: workspaces };
    s.worker!.healthcheck = { ...(s.worker!.healthcheck as object), interval: "2s" };
    s.worker!.depends_on = {
      redis: { condition: "service_healthy" },
      "config-init": { condition: "service_completed_successfully" },
    };
    (s["config-init"]!.command as string[])[0] = `mkdir -p ${workspaces} && chown 1000:1000 /var/lib/nightshift/config`;
    delete doc.volumes.config;
    delete doc.volumes["ollama-models"];
    file = join(config, "..", `${project}.yml`);
    writeFileSync(file, JSON.stringify(doc, null, 2)); // JSON is YAML, and keeps "no" and "yes" strings for YAML 1.1
    dirs.push(file);

    await run("docker-compose", ["-f", file, "-p", project, "up", "-d"], { timeout: 180_000 });
    const health = async (service: string) => {
      const { stdout: id } = await run("docker-compose", ["-f", file!, "-p", project, "ps", "-q", service]);
      const { stdout } = await run("docker", ["inspect", "-f", "{{.State.Health.Status}}", id.trim()]);
      return stdout.trim();
    };
    for (const service of ["redis", "server", "worker"])
      await waitFor(
        async () => ((await health(service)) === "healthy" ? true : undefined),
        150_000,
        `${service} healthy`,
      );

    const webhookUrl = `http://127.0.0.1:${serverPort}/api/github/webhooks`;
    expect((await deliver(webhookUrl, "s3cret", "issues", issuesPayload("labeled", "agent-try"))).status).toBe(202);
    const pr = await waitFor(async () => github!.pulls[0], 240_000, "the draft PR");
    expect(pr).toMatchObject({ head: "nightshift/issue-7", draft: true });
    expect(pr.body).toContain("Fixes #7");
    expect(pr.body).toContain("add() subtracted; it adds now.");
    const { stdout: inspect } = await run("docker-compose", ["-f", file, "-p", project, "ps", "-q"]);
    for (const id of inspect.trim().split("\n")) {
      const { stdout } = await run("docker", ["inspect", "-f", "{{json .Config.Env}}", id]);
      expect(stdout).not.toMatch(/PRIVATE KEY|WEBHOOK_SECRET|s3cret/); // secrets stay in the 0600 file
    }
  }, 600_000);
});
