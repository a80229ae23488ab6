import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvConfig } from "../src/config/env.js";
import { formatCheck, runDoctor } from "../src/cli/doctor.js";
import { runCli } from "./support/cli.js";
import { closedPort } from "./support/closed-port.js";

/** A Redis with a password on TLS only, its certificate signed by a throwaway CA (multi-machine setups). */
const dir = mkdtempSync(join(tmpdir(), "nightshift-redis-tls-"));
let redis: ChildProcess | undefined;
let port = 0;

beforeAll(async () => {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  ssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=ca",
  );
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  writeFileSync(join(dir, "ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  ssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
  );
  port = await closedPort();
  redis = spawn(
    "redis-server",
    ["--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
      .concat(["--tls-cert-file", "server.pem", "--tls-key-file", "server.key", "--tls-ca-cert-file", "ca.pem"])
      .concat(["--tls-auth-clients", "no", "--requirepass", "s3cret-pass", "--maxmemory-policy", "noeviction"]),
    { cwd: dir, stdio: "ignore" },
  );
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync(
        "redis-cli",
        [
          "--tls",
          "--cacert",
          join(dir, "ca.pem"),
          "-p",
          String(port),
          "-a",
          "s3cret-pass",
          "--no-auth-warning",
          "ping",
        ],
        { stdio: "ignore" },
      );
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error("redis-server with TLS did not start (Debian's redis-server is built with TLS)");
}, 60_000);

afterAll(() => {
  redis?.kill();
});

const noDocker = new Docker({ socketPath: "/nonexistent/docker.sock" });

describe("Redis with a password and TLS (rediss://), as a second GPU machine reaches it", () => {
  it("doctor tells a wrong password and an untrusted certificate apart, and passes with both right", async () => {
    const check = async (url: string) =>
      formatCheck((await runDoctor(loadEnvConfig({ REDIS_URL: url }), { docker: noDocker, timeoutMs: 3000 }))[0]!);
    expect(await check(`rediss://:wrong@localhost:${port}`)).toMatch(
      new RegExp(
        "^FAIL {2}redis {4}TLS with localhost:\\d+ failed \\(\\w+\\) — fix: check the certificate of the host in " +
          "REDIS_URL \\(NODE_EXTRA_CA_CERTS for a private CA\\)$",
      ),
    );
    const { code, output } = await runCli(["doctor"], {
      REDIS_URL: `rediss://:wrong@localhost:${port}`,
      NODE_EXTRA_CA_CERTS: join(dir, "ca.pem"),
    });
    expect(code).toBe(1);
    expect(output).toMatch(
      /FAIL {2}redis {4}rediss:\/\/\*\*\*@localhost:\d+ refused the credentials .* — fix: put the right password/,
    );
    expect(output).not.toContain("wrong");
    const right = await runCli(["doctor"], {
      REDIS_URL: `rediss://:s3cret-pass@localhost:${port}`,
      NODE_EXTRA_CA_CERTS: join(dir, "ca.pem"),
    });
    expect(right.output).toMatch(
      /^ok {4}redis {4}rediss:\/\/\*\*\*@localhost:\d+ answers; maxmemory-policy noeviction$/m,
    );
    expect(right.output).not.toContain("s3cret-pass");
  }, 90_000);
});
