import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { loadEnvConfig } from "../src/config/env.js";
import { preflightField, runPreflight } from "../src/cli/worker-preflight.js";
import { workerKeys } from "../src/queue/worker-heartbeat.js";
import { startCli, runCli, type CliProcess } from "./support/cli.js";
import { requireDocker, SANDBOX_IMAGE } from "./support/docker.js";
import { startFakeOllama } from "./support/fake-ollama.js";
import { appKeyPair } from "./support/keys.js";
import { REDIS_URL } from "./support/redis.js";
import { closedPort } from "./support/closed-port.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function workerEnv(ollamaHost: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    APP_ID: "1",
    PRIVATE_KEY: appKeyPair().privateKey,
    WEBHOOK_SECRET: "s",
    REDIS_URL,
    NIGHTSHIFT_REDIS_PREFIX: `preflight${process.pid}`,
    OLLAMA_HOST: ollamaHost,
    NIGHTSHIFT_SANDBOX_IMAGE: SANDBOX_IMAGE,
    NIGHTSHIFT_WORKSPACES: mkdtempSync(join(tmpdir(), "nightshift-preflight-")),
    NIGHTSHIFT_WORKSPACE_DISK_MB: "64",
    ...extra,
  };
}

describe("worker preflight at start", () => {
  it(
    "prints one line per dependency, takes no runs while the model is missing, starts once it is pulled",
    {
      timeout: 90_000,
    },
    async () => {
      await requireDocker();
      const models: string[] = [];
      const ollama = await startFakeOllama(models);
      cleanups.push(() => ollama.close());
      const cli: CliProcess = startCli(["worker"], workerEnv(ollama.host, { NIGHTSHIFT_PREFLIGHT_RETRY_S: "1" }));
      cleanups.push(() => cli.stop());
      const out = await cli.waitFor(
        /cannot work yet: ollama failing; taking no runs, checking again every 1 s/,
        60_000,
      );
      expect(out).toMatch(/^nightshift worker: ok {4}redis {4}.* maxmemory-policy noeviction$/m);
      expect(out).toMatch(
        new RegExp(
          "^nightshift worker: FAIL {2}ollama {3}Ollama at http://127.0.0.1:\\d+ answers, but model qwen2.5-coder:7b " +
            "is not pulled — fix: run `ollama pull qwen2.5-coder:7b`",
          "m",
        ),
      );
      expect(out).toMatch(
        new RegExp(`^nightshift worker: ok {4}docker {3}.*sandbox image ${SANDBOX_IMAGE} present$`, "m"),
      );
      expect(out).toMatch(/^nightshift worker: ok {4}images {3}/m);
      expect(out).toMatch(/^nightshift worker: ok {4}disk {5}.* is writable by uid \d+; \d+ MiB free$/m);
      expect(out).not.toContain("ready for runs");

      models.push("qwen2.5-coder:7b");
      await cli.waitFor(/preflight passed; ready for runs/, 30_000);
      expect(cli.output()).toMatch(/^nightshift worker: ok {4}ollama {3}Ollama at .* has qwen2.5-coder:7b$/m);
      await cli.stop();
    },
  );

  it(
    "with NIGHTSHIFT_PREFLIGHT_RETRY_S=0 a worker that cannot work exits 1 at once, saying why",
    {
      timeout: 60_000,
    },
    async () => {
      const { code, output } = await runCli(
        ["worker"],
        workerEnv(`http://127.0.0.1:${await closedPort()}`, {
          NIGHTSHIFT_PREFLIGHT_RETRY_S: "0",
          NIGHTSHIFT_WORKSPACES: "/nonexistent/workspaces",
        }),
      );
      expect(code).toBe(1);
      expect(output).toMatch(
        /FAIL {2}ollama {3}http:\/\/127.0.0.1:\d+ refused the connection .* — fix: start `ollama serve`/,
      );
      expect(output).toMatch(
        /FAIL {2}disk {5}cannot write to the workspace directory \/nonexistent\/workspaces as uid \d+ \(ENOENT\)/,
      );
      expect(output).toMatch(/cannot work: ollama, disk failing; exiting \(NIGHTSHIFT_PREFLIGHT_RETRY_S=0\)/);
      expect(output).toContain("nightshift: the worker cannot work: ollama, disk failing");
    },
  );

  it("checks the allowed images and records the result in Redis for the admin view", async () => {
    const docker = await requireDocker();
    const ollama = await startFakeOllama(["qwen2.5-coder:7b"]);
    cleanups.push(() => ollama.close());
    const config = loadEnvConfig(
      workerEnv(ollama.host, { NIGHTSHIFT_SANDBOX_IMAGES_ALLOWED: `${SANDBOX_IMAGE}, nightshift-no-such:1` }),
    );
    const lines: string[] = [];
    const prefix = `preflight${process.pid}`;
    const result = await runPreflight(config, {
      mode: "wait",
      retrySeconds: 0,
      out: (l) => lines.push(l),
      deps: { docker },
      statusPrefix: prefix,
    });
    expect(result).toEqual({ ready: false, failing: ["images"] });
    expect(lines).toContain(
      "nightshift worker: FAIL  images   NIGHTSHIFT_SANDBOX_IMAGES_ALLOWED names images this engine lacks: " +
        "nightshift-no-such:1 — fix: build or load them on this machine (`docker load`), or remove them from " +
        "NIGHTSHIFT_SANDBOX_IMAGES_ALLOWED",
    );
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => redis.disconnect());
    const key = workerKeys(prefix).preflights;
    const stored = JSON.parse((await redis.hget(key, preflightField())) ?? "{}") as {
      results: { name: string; ok: boolean }[];
    };
    await redis.del(key);
    expect(stored.results.find((r) => r.name === "images")).toMatchObject({ ok: false });
    expect(stored.results.find((r) => r.name === "ollama")).toMatchObject({ ok: true });
  });
});
