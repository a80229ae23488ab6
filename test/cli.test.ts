import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeGitHub, type FakeGitHub } from "./support/fake-github.js";
import { GOOD_CONFIG, HEAD_SHA } from "./support/harness.js";
import { runCli, startCli } from "./support/cli.js";
import { appKeyPair } from "./support/keys.js";
import { Redis } from "ioredis";

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "nightshift-cli-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("nightshift command", () => {
  it("stops with exit code 2 and one line per bad setting, never a stack trace", async () => {
    const { code, output } = await runCli(["server"], {
      APP_ID: "twelve",
      PORT: "http",
      NIGHTSHIFT_TZ: "Nowhere/Land",
    });
    expect(code).toBe(2);
    const lines = output.trim().split("\n");
    expect(lines[0]).toBe("nightshift: invalid configuration:");
    expect(
      lines
        .slice(1)
        .map((l) => l.trim().split(":")[0])
        .sort(),
    ).toEqual(["APP_ID", "NIGHTSHIFT_TZ", "PORT"]);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it("names what a subcommand is missing", async () => {
    const { code, output } = await runCli(["worker"], {});
    expect(code).toBe(2);
    expect(output).toContain("REDIS_URL: required for `nightshift worker`");
    const unknown = await runCli(["frobnicate"], {});
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('unknown command "frobnicate"');
  });

  it("serves the setup page with the app.yml manifest when no APP_ID is configured", async () => {
    const cwd = tempDir();
    const port = await freePort();
    const cli = startCli(["start"], { PORT: String(port), HOST: "127.0.0.1", NO_SMEE_SETUP: "true" }, cwd);
    cleanups.push(() => cli.stop());
    await cli.waitFor(/register the GitHub App/);
    await cli.waitFor(new RegExp(`:${port}`));
    const res = await fetch(`http://127.0.0.1:${port}/`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain("Register the GitHub App on GitHub");
    const manifest = JSON.parse(decodeEntities(/name="manifest" value="([^"]*)"/.exec(html)?.[1] ?? "{}"));
    expect(manifest.name).toBe("Nightshift");
    expect(manifest.default_permissions).toEqual({
      metadata: "read",
      issues: "write",
      pull_requests: "write",
      contents: "write",
      checks: "read",
      statuses: "read",
      actions: "read",
    });
    expect(manifest.default_events).toEqual([
      "issues",
      "issue_comment",
      "pull_request_review",
      "check_suite",
      "workflow_run",
    ]);
  });

  it("with no REDIS_URL runs a private Redis (AOF, noeviction) under its data directory", async () => {
    const github = await fakeRepo();
    const dataDir = tempDir();
    const cli = startCli(["start"], {
      APP_ID: "1",
      PRIVATE_KEY: appKeyPair().privateKey,
      WEBHOOK_SECRET: "s3cret",
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: "0",
      NIGHTSHIFT_DATA_DIR: dataDir,
      LOG_LEVEL: "info",
    });
    cleanups.push(() => cli.stop());
    const started =
      /server at (http:\S+), deliveries worker pid \d+, runs worker pid \d+, redis private \(AOF\) at (redis:\S+)/;
    const [, serverUrl, redisUrl] = started.exec(await cli.waitFor(started))!;
    await cli.waitFor(/waiting for runs/);
    await cli.waitFor(/delivery worker handling webhooks/);
    expect((await fetch(`${serverUrl}/healthz`)).status).toBe(200);

    const redis = new Redis(redisUrl!, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.on("error", () => {}); // the test stops this Redis on purpose
    cleanups.push(() => redis.disconnect());
    expect(await redis.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
    expect(await redis.config("GET", "appendonly")).toEqual(["appendonly", "yes"]);

    expect(await cli.stop()).toBe(0);
    expect(readdirSync(join(dataDir, "redis")).some((f) => f.startsWith("appendonly"))).toBe(true);
    await expect(redis.ping()).rejects.toThrow();
  });

  it("stops the whole tree, private Redis included, when a worker process dies", async () => {
    const github = await fakeRepo();
    const cli = startCli(["start"], {
      APP_ID: "1",
      PRIVATE_KEY: appKeyPair().privateKey,
      WEBHOOK_SECRET: "s",
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: "0",
      NIGHTSHIFT_DATA_DIR: tempDir(),
      LOG_LEVEL: "info",
    });
    cleanups.push(() => cli.stop());
    const started = /runs worker pid (\d+), redis private \(AOF\) at (redis:\S+)/;
    const [, pid, redisUrl] = started.exec(await cli.waitFor(started))!;
    await cli.waitFor(/waiting for runs/);
    process.kill(Number(pid), "SIGKILL");
    expect(await cli.exited()).toBe(1);
    expect(cli.output()).toContain("the runs worker exited (SIGKILL); stopping so a supervisor can restart everything");
    const redis = new Redis(redisUrl!, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.on("error", () => {});
    await expect(redis.connect()).rejects.toThrow();
  });

  it("with neither REDIS_URL nor redis-server says how to get one", async () => {
    const { code, output } = await runCli(["start"], {
      APP_ID: "1",
      PRIVATE_KEY: appKeyPair().privateKey,
      WEBHOOK_SECRET: "s",
      PATH: "/nonexistent",
    });
    expect(code).toBe(1);
    expect(output.trim()).toBe(
      "nightshift: REDIS_URL is not set and no `redis-server` is on the PATH; install Redis 7 (Debian: `apt-get " +
        "install redis-server`) or set REDIS_URL=redis://host:6379",
    );
  });
});

async function fakeRepo(): Promise<FakeGitHub> {
  const github = await startFakeGitHub({ publicKeyPem: appKeyPair().publicKey });
  github.repos.set("acme/widgets", {
    defaultBranch: "main",
    headSha: HEAD_SHA,
    files: { ".github/nightshift.yml": GOOD_CONFIG },
    roles: { maintainer: "admin" },
  });
  cleanups.push(() => github.close());
  return github;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#34;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&#39;/g, "'");
}
