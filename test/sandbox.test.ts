import { existsSync, readFileSync, rmSync } from "node:fs";
import { networkInterfaces } from "node:os";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SandboxError } from "../src/sandbox/errors.js";
import { reapOrphans } from "../src/sandbox/reaper.js";
import { SANDBOX_LABELS, createSandbox, type Sandbox } from "../src/sandbox/sandbox.js";
import { cloneWorkspace, removeWorkspace } from "../src/sandbox/workspace.js";
import { SANDBOX_IMAGE, fixtureRepo, requireDocker } from "./support/docker.js";

const NAMESPACE = `nstest-sandbox-${process.pid}`;
const TOKEN = "ghs_SuperSecretInstallationToken0123456789";
let docker: Docker;
let repo: { path: string; sha: string };
let workspace: string;
let sandbox: Sandbox;

beforeAll(async () => {
  docker = await requireDocker();
  repo = fixtureRepo();
  // The worker process holds a token; nothing of its environment may reach a container.
  process.env.GITHUB_TOKEN = TOKEN;
  workspace = await cloneWorkspace({ url: `file://${repo.path}`, token: TOKEN, sha: repo.sha });
  sandbox = await createSandbox(docker, {
    runId: "sandbox-test",
    workspace,
    namespace: NAMESPACE,
    phase: "agent",
    image: SANDBOX_IMAGE,
    limits: { memoryBytes: 256 * 1024 ** 2, pids: 128, tmpBytes: 32 * 1024 ** 2 },
  });
}, 60_000);

afterAll(async () => {
  delete process.env.GITHUB_TOKEN;
  await sandbox?.destroy();
  if (workspace) removeWorkspace(workspace);
  if (repo) rmSync(repo.path, { recursive: true, force: true });
});

/** After every attack the sandbox still runs commands. */
async function stillWorks(): Promise<void> {
  const result = await sandbox.exec("echo ok && python3 -c 'print(1 + 1)'");
  expect(result).toMatchObject({ exitCode: 0, stdout: "ok\n2\n" });
}

describe("hardened sandbox on a real Docker engine", () => {
  it("runs as a non-root user with no capabilities and no-new-privileges", async () => {
    const id = await sandbox.exec("id -u");
    expect(id.stdout.trim()).toBe("1000");
    const status = await sandbox.exec("grep -E '^(NoNewPrivs|Cap(Inh|Prm|Eff|Bnd|Amb)):' /proc/self/status");
    expect(status.stdout).toMatch(/NoNewPrivs:\s+1/);
    for (const line of status.stdout
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("Cap")))
      expect(line).toMatch(/:\s+0{16}$/);
    const info = await docker.getContainer(sandbox.id).inspect();
    expect(info.HostConfig).toMatchObject({
      NetworkMode: "none",
      ReadonlyRootfs: true,
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges:true"],
      PidsLimit: 128,
      Memory: 256 * 1024 ** 2,
    });
    expect(info.Config.Labels[SANDBOX_LABELS.run]).toBe("sandbox-test");
    expect(info.Mounts.map((m) => m.Destination)).toEqual(["/workspace"]);
    await stillWorks();
  });

  it("has no network in the agent phase: no HTTP, no DNS, no host Redis or Ollama", async () => {
    const hostAddresses = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === "IPv4")
      .map((a) => a!.address);
    const targets = [...new Set(["172.17.0.1", "127.0.0.1", ...hostAddresses])].flatMap((ip) => [
      `${ip}:6379`,
      `${ip}:11434`,
    ]);
    const probe = `
import socket, sys
results = []
for target in sys.argv[1:]:
    host, port = target.rsplit(":", 1)
    s = socket.socket(); s.settimeout(2)
    try:
        s.connect((host, int(port))); results.append("OPEN " + target)
    except OSError as e:
        results.append("closed " + target)
try:
    socket.getaddrinfo("deb.debian.org", 80); results.append("DNS resolved")
except OSError:
    results.append("no DNS")
import urllib.request
try:
    urllib.request.urlopen("http://93.184.215.14/", timeout=3); results.append("HTTP reached")
except Exception:
    results.append("no HTTP")
print("\\n".join(results))`;
    const result = await sandbox.exec(["python3", "-c", probe, ...targets], { timeoutMs: 60_000 });
    expect(result.stdout).not.toContain("OPEN");
    expect(result.stdout).toContain("no DNS");
    expect(result.stdout).toContain("no HTTP");
    expect((await sandbox.exec("cat /proc/net/dev")).stdout).not.toMatch(/eth0/);
    await stillWorks();
  });

  it("contains a fork bomb within the pids limit, and nothing of it outlives the command", async () => {
    const started = Date.now();
    await sandbox.exec("bomb() { bomb | bomb & }; bomb; sleep 2", { timeoutMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(5_000 + 2_000);
    // Left: docker-init, the container's sleep, and this probe's own processes; no bombs.
    const left = await sandbox.exec("ps -e --no-headers | wc -l");
    expect(Number(left.stdout.trim())).toBeLessThan(10);
    await stillWorks();
  });

  it("reports allocating past the memory limit as out-of-memory, not a hang", async () => {
    const result = await sandbox.exec(["python3", "-c", "blob = b'x' * (600 * 1024 * 1024)"], { timeoutMs: 60_000 });
    expect(result).toMatchObject({ exitCode: 137, oomKilled: true, timedOut: false });
    await stillWorks();
  });

  it("kills an infinite loop at its timeout, whole process tree, within 2 s", async () => {
    const started = Date.now();
    const result = await sandbox.exec("sh -c 'while :; do :; done' & sleep 1000 & while :; do :; done", {
      timeoutMs: 1_000,
    });
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000 + 2_000);
    const ps = await sandbox.exec("ps -eo args");
    expect(ps.stdout).not.toMatch(/sleep 1000|while :/);
    await stillWorks();
  });

  it("caps 200 MB of output to its head and tail, and the host's memory stays bounded", async () => {
    const before = process.memoryUsage().rss;
    const result = await sandbox.exec("head -c 200000000 /dev/zero | tr '\\0' 'a'; echo; echo THE-END", {
      maxOutputBytes: 64 * 1024,
      timeoutMs: 120_000,
    });
    const grown = process.memoryUsage().rss - before;
    expect(result.exitCode).toBe(0);
    expect(result.truncated).toBe(true);
    expect(result.stdoutBytes).toBe(200_000_000 + 9);
    expect(result.stdout.length).toBeLessThan(64 * 1024 + 100);
    expect(result.stdout.startsWith("aaaa")).toBe(true);
    expect(result.stdout.trimEnd().endsWith("THE-END")).toBe(true);
    expect(result.stdout).toMatch(/\[\.\.\. \d+ bytes omitted \.\.\.\]/);
    expect(grown).toBeLessThan(100 * 1024 * 1024);
    await stillWorks();
  }, 120_000);

  it("cannot write outside the workspace; /tmp is small", async () => {
    for (const target of ["/etc/evil", "/usr/bin/evil", "/home/agent/evil", "/evil"]) {
      const result = await sandbox.exec(["sh", "-c", `echo x > ${target}`]);
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/Read-only file system|Permission denied/);
    }
    const big = await sandbox.exec("head -c 64000000 /dev/zero > /tmp/fill");
    expect(big.stderr).toMatch(/No space left on device/);
    await sandbox.exec("rm -f /tmp/fill");
    await expect(sandbox.writeFile("../etc/evil", "x")).rejects.toMatchObject({
      kind: "file",
      message: expect.stringContaining("outside the workspace"),
    });
    const inside = await sandbox.exec("echo fine > /workspace/new.txt && cat /workspace/new.txt");
    expect(inside.stdout).toBe("fine\n");
    await stillWorks();
  });

  it("shows no token in env, /proc/*/environ, .git/config or anywhere in the checkout", async () => {
    const looks = await sandbox.exec(
      "env; cat /proc/self/environ /proc/1/environ | tr '\\0' '\\n'; cat .git/config; git config --list " +
        "--show-origin; grep -r -l -I 'SuperSecret' /workspace || true",
    );
    expect(looks.exitCode).toBe(0);
    expect(looks.stdout).not.toContain(TOKEN);
    expect(looks.stdout).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString("base64"));
    expect(looks.stdout).not.toMatch(/extraheader|GITHUB_TOKEN|ghs_/i);
    expect(readFileSync(`${workspace}/.git/config`, "utf8")).not.toMatch(/extraheader|ghs_/i);
  });

  it("aborting a running command stops it and its children within 2 s", async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    const result = await sandbox.exec("sleep 600 & sleep 601", { signal: controller.signal, timeoutMs: 60_000 });
    expect(result.aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(300 + 2_000);
    expect((await sandbox.exec("ps -eo args")).stdout).not.toMatch(/sleep 60[01]/);
    await stillWorks();
  });

  it(
    "a symlink to /etc/passwd reads the container's file; planted hooks and fsmonitor never run " + "on the host",
    async () => {
      const passwd = await sandbox.readFile("passwd-link");
      expect(passwd).toContain("agent:x:1000:1000");
      expect(passwd).not.toContain(
        readFileSync("/etc/passwd", "utf8")
          .split("\n")
          .find((l) => l.startsWith("redis:")) ?? "no-such-line",
      );
      const marker = `/tmp/nightshift-pwned-${process.pid}`;
      await sandbox.writeFile(".git/hooks/post-checkout", `#!/bin/sh\ntouch ${marker}\n`);
      await sandbox.exec(
        `chmod +x .git/hooks/post-checkout && git config core.fsmonitor 'touch ${marker}-fsmonitor; false' && git ` +
          `config diff.evil.command 'touch ${marker}-diff' && echo '* diff=evil' > .gitattributes`,
      );
      await sandbox.writeFile("src/calc.py", "def add(a, b):\n    return a + b\n");
      const patch = await sandbox.diff();
      expect(patch).toContain("+    return a + b");
      expect(patch).toContain(".gitattributes");
      // Inside the container, Nightshift's own git calls ran no planted code either.
      expect((await sandbox.exec(`ls ${marker}* 2>/dev/null | wc -l`)).stdout.trim()).toBe("0");
      // And the host never ran anything in the workspace.
      expect(existsSync(marker) || existsSync(`${marker}-fsmonitor`) || existsSync(`${marker}-diff`)).toBe(false);
      await sandbox.exec(
        "git checkout -- . && git config --unset core.fsmonitor && git config --unset diff.evil.command && rm -f " +
          ".gitattributes .git/hooks/post-checkout",
      );
    },
  );

  it("returns the patch as text, new files included, and refuses one over its size limit", async () => {
    await sandbox.writeFile("src/calc.py", "def add(a, b):\n    return a + b\n");
    await sandbox.writeFile("src/extra.py", "X = 1\n");
    const patch = await sandbox.diff();
    expect(patch).toMatch(/diff --git a\/src\/calc.py b\/src\/calc.py[\s\S]*- {4}return a - b\n\+ {4}return a \+ b/);
    expect(patch).toMatch(/diff --git a\/src\/extra.py b\/src\/extra.py\nnew file mode/);
    expect(await sandbox.listFiles("src")).toEqual(expect.arrayContaining(["src/calc.py", "src/extra.py"]));
    const tests = await sandbox.exec("python3 -c 'import test_calc; test_calc.test_add(); print(\"passed\")'");
    expect(tests.stdout).toBe("passed\n");
    await expect(sandbox.diff({ maxBytes: 100 })).rejects.toMatchObject({ kind: "patch-too-large" });
    await expect(sandbox.readFile("no/such/file")).rejects.toBeInstanceOf(SandboxError);
  });
});

describe("sandbox lifecycle", () => {
  it("the setup phase has a network interface; the agent phase has none", async () => {
    const setup = await createSandbox(docker, {
      runId: "sandbox-test-setup",
      workspace,
      namespace: NAMESPACE,
      phase: "setup",
      image: SANDBOX_IMAGE,
    });
    try {
      expect((await docker.getContainer(setup.id).inspect()).HostConfig.NetworkMode).toBe("nightshift-setup");
      expect((await setup.exec("cat /proc/net/dev")).stdout).toMatch(/eth0/);
      expect((await setup.exec("id -u")).stdout.trim()).toBe("1000");
    } finally {
      await setup.destroy();
    }
  });

  it("reaps containers whose run is gone and keeps the live ones", async () => {
    const dead = await createSandbox(docker, {
      runId: "reaper-dead",
      workspace,
      namespace: NAMESPACE,
      phase: "agent",
      image: SANDBOX_IMAGE,
    });
    const live = await createSandbox(docker, {
      runId: "reaper-live",
      workspace,
      namespace: NAMESPACE,
      phase: "agent",
      image: SANDBOX_IMAGE,
    });
    try {
      const reaped = await reapOrphans(docker, NAMESPACE, async (runId) => runId !== "reaper-dead");
      expect(reaped).toContain(dead.id);
      expect(reaped).not.toContain(live.id);
      await expect(docker.getContainer(dead.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await live.exec("echo alive")).stdout).toBe("alive\n");
    } finally {
      await live.destroy();
      await dead.destroy();
    }
  });

  it("fails with typed errors when the image or the engine is missing", async () => {
    await expect(
      createSandbox(docker, {
        runId: "x",
        workspace,
        namespace: NAMESPACE,
        phase: "agent",
        image: "nightshift-no-such-image:1",
      }),
    ).rejects.toMatchObject({ kind: "image-missing", message: expect.stringContaining("npm run sandbox:build") });
    const gone = new Docker({ socketPath: "/nonexistent/docker.sock" });
    await expect(
      createSandbox(gone, { runId: "x", workspace, namespace: NAMESPACE, phase: "agent", image: SANDBOX_IMAGE }),
    ).rejects.toMatchObject({ kind: "engine-unavailable" });
  });
});

describe("the code that runs is the code the model wrote", () => {
  it("a same-size edit within the same second is imported as edited, not from stale bytecode", async () => {
    // Import once, then change the value without changing the file's size, and give it back the same mtime: what
    // Python checks before it trusts a cached .pyc. With bytecode written, the second import would print 1.
    const result = await sandbox.exec(
      "cd /tmp && printf 'X = 1\\n' > stale_mod.py && touch -d '2020-01-01 00:00:00' stale_mod.py && " +
        "python3 -c 'import stale_mod; print(stale_mod.X)' && printf 'X = 2\\n' > stale_mod.py && " +
        "touch -d '2020-01-01 00:00:00' stale_mod.py && python3 -c 'import stale_mod; print(stale_mod.X)' && " +
        "ls __pycache__ 2>/dev/null | wc -l",
    );
    expect(result).toMatchObject({ exitCode: 0, stdout: "1\n2\n0\n" });
  });
});

describe("the patch", () => {
  it("leaves out what running code left behind (__pycache__, node_modules, …) but keeps new source files", async () => {
    await sandbox.exec("git checkout -q -- . && git clean -fdq");
    // The agent phase writes no bytecode; a command may still (a test runner's own compile step).
    await sandbox.exec(
      "env -u PYTHONDONTWRITEBYTECODE python3 -c 'import test_calc' && mkdir -p node_modules/x && " +
        "echo 1 > node_modules/x/i.js && echo 'X = 1' > src/new_module.py",
    );
    expect((await sandbox.exec("ls src/__pycache__ | wc -l")).stdout.trim()).not.toBe("0");
    const patch = await sandbox.diff();
    expect(patch).toContain("src/new_module.py");
    expect(patch).not.toMatch(/__pycache__|node_modules/);
  });
});
