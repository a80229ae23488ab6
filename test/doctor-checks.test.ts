import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterEach, describe, expect, it } from "vitest";
import { loadEnvConfig } from "../src/config/env.js";
import { formatCheck, runDoctor, runDoctorFromEnv, type CheckResult } from "../src/cli/doctor.js";
import { runCli } from "./support/cli.js";
import { closedPort } from "./support/closed-port.js";
import { startFakeGitHub, type FakeGitHub } from "./support/fake-github.js";
import { startFakeOllama } from "./support/fake-ollama.js";
import { appKeyPair, otherKeyPair } from "./support/keys.js";
import { REDIS_URL } from "./support/redis.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const noDocker = new Docker({ socketPath: "/nonexistent/docker.sock" });
const byName = (lines: CheckResult[]): Record<string, CheckResult> => Object.fromEntries(lines.map((r) => [r.name, r]));

async function fakeGitHub(publicKeyPem = appKeyPair().publicKey): Promise<FakeGitHub> {
  const github = await startFakeGitHub({ publicKeyPem });
  cleanups.push(() => github.close());
  return github;
}

function appEnv(github: { host: string }): Record<string, string> {
  return {
    APP_ID: "1",
    PRIVATE_KEY: appKeyPair().privateKey,
    WEBHOOK_SECRET: "s",
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    REDIS_URL,
  };
}

describe("nightshift doctor checks each thing on its own", () => {
  it("one bad setting does not stop the other checks; the checks that use it say so", async () => {
    const github = await fakeGitHub();
    const ollama = await startFakeOllama(["qwen2.5-coder:7b"]);
    cleanups.push(() => ollama.close());
    const results = await runDoctorFromEnv(
      { ...appEnv(github), OLLAMA_HOST: "ollama:11434", NIGHTSHIFT_WINDOW: "late", NIGHTSHIFT_WORKSPACES: tmpdir() },
      { docker: noDocker, timeoutMs: 1000 },
    );
    const r = byName(results);
    expect(r.settings).toMatchObject({
      ok: false,
      detail: expect.stringContaining("OLLAMA_HOST: expected an http://"),
    });
    expect(r.settings!.detail).toContain("NIGHTSHIFT_WINDOW");
    expect(r.redis).toMatchObject({ ok: true });
    expect(r.github).toMatchObject({ ok: true });
    expect(r.install).toMatchObject({ ok: true, detail: expect.stringContaining("octo") });
    expect(formatCheck(r.ollama!)).toMatch(
      /^FAIL {2}ollama {3}not checked: OLLAMA_HOST is invalid .* — fix: correct OLLAMA_HOST/,
    );
    expect(r.disk).toMatchObject({ ok: true });

    // A wrong key file leaves the App unchecked, but Redis and the rest still are.
    const noKey = await runDoctorFromEnv(
      { ...appEnv(github), PRIVATE_KEY: "", PRIVATE_KEY_PATH: "/nonexistent/key.pem" },
      { docker: noDocker, timeoutMs: 1000 },
    );
    const n = byName(noKey);
    expect(n.settings!.detail).toContain('PRIVATE_KEY_PATH: cannot read "/nonexistent/key.pem" (ENOENT)');
    expect(n.github).toMatchObject({ ok: false, detail: expect.stringContaining("PRIVATE_KEY_PATH is invalid") });
    expect(n.redis).toMatchObject({ ok: true });
  });

  it("tells a DNS failure, a refused connection and a refused JWT apart, each with its own fix", async () => {
    const port = await closedPort();
    const dns = byName(
      await runDoctor(
        loadEnvConfig({
          ...appEnv({ host: "nightshift-no-such-host.invalid" }),
          REDIS_URL: "redis://nightshift-no-such-host.invalid:6379",
          OLLAMA_HOST: "http://nightshift-no-such-host.invalid:11434",
        }),
        { docker: noDocker, timeoutMs: 5000 },
      ),
    );
    expect(formatCheck(dns.github!)).toMatch(
      /cannot resolve the host name nightshift-no-such-host.invalid \(DNS: E\w+\) — fix: check the host name in GHE_H/,
    );
    expect(formatCheck(dns.redis!)).toMatch(/cannot resolve the host name .* — fix: check the host name in REDIS_URL/);
    expect(formatCheck(dns.ollama!)).toMatch(
      /cannot resolve the host name .* — fix: check the host name in OLLAMA_HOST/,
    );

    const refused = byName(
      await runDoctor(loadEnvConfig(appEnv({ host: `127.0.0.1:${port}` })), { docker: noDocker, timeoutMs: 2000 }),
    );
    expect(formatCheck(refused.github!)).toBe(
      `FAIL  github   authenticating as App 1: http://127.0.0.1:${port}/api/v3 refused the connection (nothing ` +
        "listens there) — fix: start GitHub, or correct the port in GHE_HOST",
    );

    const wrongKey = await fakeGitHub(otherKeyPair().publicKey);
    const jwt = byName(await runDoctor(loadEnvConfig(appEnv(wrongKey)), { docker: noDocker, timeoutMs: 2000 }));
    expect(formatCheck(jwt.github!)).toMatch(
      /refused the App's JWT \(HTTP 401\): .* — fix: check APP_ID and that the private key belongs to this App/,
    );
    expect(jwt.install).toMatchObject({ ok: false, detail: expect.stringContaining("JWT") });
  });

  it("checks that the App is installed and that webhooks arrive (last delivery time)", async () => {
    const github = await fakeGitHub();
    const config = loadEnvConfig({ ...appEnv(github), NIGHTSHIFT_PUBLIC_URL: "https://nightshift.example.com" });
    const deps = { docker: noDocker, timeoutMs: 2000, now: () => new Date("2026-11-21T10:30:00Z") };

    github.installations.splice(0);
    github.hook.url = "http://localhost:3000/api/github/webhooks";
    let r = byName(await runDoctor(config, deps));
    expect(formatCheck(r.install!)).toBe(
      "FAIL  install  the App is not installed on any account or repository — fix: install it: " +
        `http://${github.host}/apps/nightshift/installations/new (pick the repositories to work on)`,
    );
    expect(formatCheck(r.webhook!)).toMatch(
      new RegExp(
        `the App's webhook URL is "http://localhost:3000/api/github/webhooks", which GitHub cannot reach — fix: ` +
          "set it in the App's settings to https://nightshift.example.com/api/github/webhooks",
      ),
    );

    github.installations.push({ id: 7, account: { login: "acme" } });
    github.hook.url = "https://nightshift.example.com/api/github/webhooks";
    r = byName(await runDoctor(config, deps));
    expect(r.install).toMatchObject({ ok: true, detail: "installed on 1 account(s): acme" });
    expect(r.webhook).toMatchObject({ ok: false, detail: expect.stringContaining("GitHub has sent nothing") });

    const delivery = {
      id: 1,
      guid: "g",
      redelivery: false,
      duration: 0.1,
      event: "issues",
      action: "labeled",
    };
    github.hook.deliveries.unshift({
      ...delivery,
      delivered_at: "2026-11-21T10:00:00Z",
      status: "Invalid HTTP Response: 503",
      status_code: 503,
    });
    r = byName(await runDoctor(config, deps));
    expect(formatCheck(r.webhook!)).toMatch(
      new RegExp(
        "last delivery to https://nightshift.example.com/api/github/webhooks, issues at 2026-11-21T10:00:00Z " +
          "\\(30 min ago\\), failed: Invalid HTTP Response: 503 \\(HTTP 503\\)",
      ),
    );
    github.hook.deliveries.unshift({
      ...delivery,
      delivered_at: "2026-11-21T08:30:00Z",
      status: "OK",
      status_code: 200,
    });
    r = byName(await runDoctor(config, deps));
    expect(r.webhook).toMatchObject({
      ok: true,
      detail:
        "last delivery to https://nightshift.example.com/api/github/webhooks: issues at 2026-11-21T08:30:00Z (2 h ago), HTTP 200",
    });
  });

  it("checks the workspace directory: writable by this user and enough free disk", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "nightshift-ws-")), "a-file");
    writeFileSync(file, "");
    const r = byName(
      await runDoctor(loadEnvConfig({ NIGHTSHIFT_WORKSPACES: join(file, "workspaces") }), {
        docker: noDocker,
        timeoutMs: 500,
      }),
    );
    expect(formatCheck(r.disk!)).toMatch(
      /^FAIL {2}disk {5}cannot write to the workspace directory .*a-file\/workspaces as uid \d+ \(ENOTDIR\) — fix/,
    );
    const huge = byName(
      await runDoctor(
        loadEnvConfig({
          NIGHTSHIFT_WORKSPACES: tmpdir(),
          NIGHTSHIFT_WORKSPACE_DISK_MB: "1048576",
          NIGHTSHIFT_GPU_SLOTS: "64",
        }),
        {
          docker: noDocker,
          timeoutMs: 500,
        },
      ),
    );
    expect(formatCheck(huge.disk!)).toMatch(
      /is writable but has \d+ MiB free; 64 run\(s\) need 67108864 MiB — fix: free disk space/,
    );
  });
});

describe("nightshift CLI: --help for every command does nothing else; --version; app.yml from the installation", () => {
  it("prints each command's help and exits 0 without starting anything", { timeout: 120_000 }, async () => {
    for (const command of ["start", "server", "worker", "doctor", "delivery-worker"]) {
      // With this environment each command would fail or start listening; --help must do neither.
      const { code, output } = await runCli([command, "--help"], { REDIS_URL: "redis://127.0.0.1:1", PORT: "1" });
      expect(code, output).toBe(0);
      expect(output).toMatch(new RegExp(`^usage: nightshift ${command}\\n`));
      expect(output).not.toMatch(/FAIL|ok {2}|listening|invalid configuration/);
    }
    const version = await runCli(["--version"], {});
    expect(version).toEqual({ code: 0, output: expect.stringMatching(/^nightshift \d+\.\d+\.\d+\n$/) });
  });

  it("doctor reads app.yml from its installation, not from the current directory", async () => {
    const github = await fakeGitHub();
    const elsewhere = mkdtempSync(join(tmpdir(), "nightshift-cwd-"));
    writeFileSync(join(elsewhere, "app.yml"), "default_permissions:\n  administration: write\n");
    const { code, output } = await runCli(["doctor"], appEnv(github), elsewhere);
    expect(code).toBe(1); // no Docker sandbox checks pass or fail here is irrelevant; the github line matters
    expect(output).toMatch(/^ok {4}github {3}App "nightshift" \(id 1\) .* permissions and events match app.yml$/m);
    expect(output).not.toContain("administration");
  });
});
