import { spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { Redis } from "ioredis";

/** A throwaway redis-server on a free loopback port, with extra flags (e.g. another eviction policy). */
export async function startRedisServer(flags: string[] = []): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const child = spawn("redis-server", ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", ...flags], { stdio: "ignore" });
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on("error", () => {});
    const up = await probe.connect().then(() => probe.ping()).then(() => true, () => false);
    probe.disconnect();
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start (is redis-server installed?)`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    stop: () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once("exit", () => resolve()), child.kill("SIGTERM")))),
  };
}
