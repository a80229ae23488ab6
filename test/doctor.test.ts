import Docker from "dockerode";
import { afterEach, describe, expect, it } from "vitest";
import { loadEnvConfig } from "../src/config/env.js";
import { formatCheck, runDoctor } from "../src/cli/doctor.js";
import { RedisPolicyError } from "../src/queue/redis.js";
import { startRunWorker } from "../src/run/run-worker.js";
import { startFakeGitHub } from "./support/fake-github.js";
import { startFakeOllama } from "./support/fake-ollama.js";
import { appKeyPair } from "./support/keys.js";
import { REDIS_URL } from "./support/redis.js";
import { startRedisServer } from "./support/redis-server.js";
import { SANDBOX_IMAGE, requireDocker } from "./support/docker.js";
import { closedPort } from "./support/closed-port.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const noDocker = new Docker({ socketPath: "/nonexistent/docker.sock" });

describe("nightshift doctor", () => {
  it("prints one passing line per healthy dependency", async () => {
    const github = await startFakeGitHub({ publicKeyPem: appKeyPair().publicKey });
    const ollama = await startFakeOllama(["qwen2.5-coder:7b", "llama3.2:latest"]);
    cleanups.push(
      () => github.close(),
      () => ollama.close(),
    );
    const config = loadEnvConfig({
      APP_ID: "1",
      PRIVATE_KEY: appKeyPair().privateKey,
      WEBHOOK_SECRET: "s",
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      REDIS_URL,
      OLLAMA_HOST: ollama.host,
    });
    const results = await runDoctor(config, { docker: noDocker });
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    expect(results.map((r) => r.name)).toEqual([
      "redis",
      "github",
      "install",
      "webhook",
      "docker",
      "ollama",
      "disk",
      "isolate",
      "images",
    ]);
    expect(byName.redis).toMatchObject({ ok: true, detail: expect.stringContaining("maxmemory-policy noeviction") });
    expect(byName.github).toMatchObject({ ok: true, detail: expect.stringContaining('App "nightshift" (id 1)') });
    expect(byName.ollama).toMatchObject({ ok: true, detail: expect.stringContaining("has qwen2.5-coder:7b") });
    // The JWT the fake accepted was signed with the App's key.
    expect(github.requests.find((r) => r.path === "/api/v3/app")?.authorization).toMatch(/^bearer /);
    expect(byName.docker).toMatchObject({ ok: false });
    expect(formatCheck(byName.docker!)).toMatch(
      /^FAIL {2}docker {3}no Docker engine at .* — fix: install docker.io and start dockerd, or set DOCKER_HOST$/,
    );
  });

  it("says what to fix: eviction policy, missing model, missing permissions, unreachable services", async () => {
    const lru = await startRedisServer(["--maxmemory-policy", "allkeys-lru"]);
    const github = await startFakeGitHub({
      publicKeyPem: appKeyPair().publicKey,
      app: { permissions: { metadata: "read", issues: "read" }, events: ["issues"] },
    });
    const ollama = await startFakeOllama(["llama3.2:latest"]);
    cleanups.push(
      () => lru.stop(),
      () => github.close(),
      () => ollama.close(),
    );
    const config = loadEnvConfig({
      APP_ID: "1",
      PRIVATE_KEY: appKeyPair().privateKey,
      WEBHOOK_SECRET: "s",
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      REDIS_URL: lru.url,
      OLLAMA_HOST: ollama.host,
      NIGHTSHIFT_MODEL: "qwen2.5-coder:7b",
    });
    const lines = (await runDoctor(config, { docker: noDocker })).map(formatCheck);
    expect(lines[0]).toMatch(
      /^FAIL {2}redis {4}.* maxmemory-policy is allkeys-lru — fix: `CONFIG SET maxmemory-policy noeviction`/,
    );
    expect(lines[1]).toMatch(
      new RegExp(
        "^FAIL  github   .* lacks issues: write, pull_requests: write, contents: write, checks: read, " +
          "statuses: read, " +
          "actions: read, event issue_comment, event pull_request_review, event check_suite, event workflow_run " +
          "— fix: grant them",
      ),
    );
    expect(lines[5]).toBe(
      `FAIL  ollama   Ollama at ${ollama.host} answers, but model qwen2.5-coder:7b is not pulled — fix: run ` +
        `\`ollama pull qwen2.5-coder:7b\` or set NIGHTSHIFT_MODEL to one of: llama3.2:latest`,
    );

    const port = await closedPort();
    const down = loadEnvConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, OLLAMA_HOST: `http://127.0.0.1:${port}` });
    const offline = (await runDoctor(down, { docker: noDocker, timeoutMs: 1000 })).map(formatCheck);
    expect(offline[0]).toBe(
      `FAIL  redis    127.0.0.1:${port} refused the connection (nothing listens there) — fix: start Redis, or ` +
        `correct the port in REDIS_URL`,
    );
    expect(offline[1]).toMatch(/^FAIL {2}github {3}APP_ID or private key not set — fix: run `nightshift start`/);
    expect(offline[5]).toBe(
      `FAIL  ollama   http://127.0.0.1:${port} refused the connection (nothing listens there) — fix: start ` +
        "`ollama serve` on the GPU machine, or correct the port in OLLAMA_HOST",
    );
  });

  it("a worker refuses a Redis that may evict jobs, saying how to fix it", async () => {
    const lru = await startRedisServer(["--maxmemory-policy", "allkeys-lru"]);
    cleanups.push(() => lru.stop());
    const config = loadEnvConfig({ REDIS_URL: lru.url, LOG_LEVEL: "silent" });
    const attempt = startRunWorker({ config });
    await expect(attempt).rejects.toBeInstanceOf(RedisPolicyError);
    await expect(attempt).rejects.toThrow(/maxmemory-policy is "allkeys-lru".*CONFIG SET maxmemory-policy noeviction/);
  });
});

describe("nightshift doctor with a Docker engine", () => {
  it("finds the sandbox image, or says how to build it", async () => {
    const docker = await requireDocker();
    const present = await runDoctor(loadEnvConfig({ REDIS_URL, NIGHTSHIFT_SANDBOX_IMAGE: SANDBOX_IMAGE }), {
      docker,
      timeoutMs: 1000,
    });
    expect(present.find((r) => r.name === "docker")).toMatchObject({
      ok: true,
      detail: expect.stringContaining(`sandbox image ${SANDBOX_IMAGE} present`),
    });
    const missing = await runDoctor(
      loadEnvConfig({ REDIS_URL, NIGHTSHIFT_SANDBOX_IMAGE: "nightshift-no-such-image:1" }),
      { docker, timeoutMs: 1000 },
    );
    expect(formatCheck(missing.find((r) => r.name === "docker")!)).toMatch(
      /sandbox image nightshift-no-such-image:1 is missing — fix: run `npm run sandbox:build`/,
    );
  });
});
