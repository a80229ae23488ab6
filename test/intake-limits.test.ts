import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { sign } from "@octokit/webhooks-methods";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Delivery } from "../src/intake/delivery.js";
import type { IntakeLimits } from "../src/intake/intake-limits.js";
import { createWebhookServer } from "../src/intake/webhook-server.js";
import { QUEUE_NAMES, redisKeys } from "../src/queue/keys.js";
import { connectTestRedis, deletePrefix, uniquePrefix } from "./support/redis.js";
import { waitFor } from "./support/wait-for.js";
import { deliver, issuesPayload } from "./support/webhooks.js";

const SECRET = "limits-secret";
const FAKE_SIGNATURE = `sha256=${"ab".repeat(32)}`;
let redis: Redis;
let prefix: string;
let deliveries: Queue<Delivery>;
let server: Server;
let port: number;
const sockets: Socket[] = [];

async function startServer(limits: Partial<IntakeLimits> = {}): Promise<void> {
  server = createWebhookServer({
    secret: SECRET,
    path: "/hook",
    label: "agent-try",
    deliveries,
    redis,
    keys: redisKeys(prefix),
    log: pino({ level: "silent" }),
    limits,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
}

beforeEach(async () => {
  redis = await connectTestRedis();
  prefix = uniquePrefix();
  deliveries = new Queue<Delivery>(QUEUE_NAMES.deliveries, { connection: redis, prefix });
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections()));
  await deliveries.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

/** A raw connection from `localAddress` (any 127.x address reaches loopback): what a hostile sender controls. */
type Conn = { socket: Socket; received: () => string; closed: Promise<void> };
function open(localAddress = "127.0.0.1"): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress });
    sockets.push(socket);
    let text = "";
    socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
    socket.on("error", () => {});
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    socket.once("connect", () => resolve({ socket, received: () => text, closed }));
    socket.once("error", reject);
  });
}

function head(o: { length?: number; signature?: string; extra?: string } = {}): string {
  return (
    "POST /hook HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\nx-github-event: issues\r\n" +
    `x-github-delivery: ${randomUUID()}\r\n` +
    (o.signature === "" ? "" : `x-hub-signature-256: ${o.signature ?? FAKE_SIGNATURE}\r\n`) +
    (o.length !== undefined ? `content-length: ${o.length}\r\n` : "") +
    (o.extra ?? "") +
    "\r\n"
  );
}

/** Waits for the server's answer (a refused large upload is answered at once but its connection held). */
const answer = (c: Conn) => waitFor(async () => (/\r\n\r\n/.test(c.received()) ? c.received() : undefined));

const queued = async () => (await deliveries.getJobCounts("waiting")).waiting;

describe("the webhook server judges a delivery by its headers before reading its body", () => {
  it("refuses over-size, unsigned, unmeasured and over-long bodies unread, and queues nothing", async () => {
    await startServer();
    // 30 MB declared: refused with only the headers sent; the connection is closed, not drained.
    const big = await open();
    big.socket.write(head({ length: 30 * 1024 * 1024 }));
    expect(await answer(big)).toMatch(/^HTTP\/1\.1 413/);

    // No signature on a 25 MB upload: 401 at once.
    const unsigned = await open();
    unsigned.socket.write(head({ length: 25 * 1024 * 1024, signature: "" }));
    unsigned.socket.write(Buffer.alloc(64 * 1024));
    expect(await answer(unsigned)).toMatch(/^HTTP\/1\.1 401/);
    expect(unsigned.received()).toContain("X-Hub-Signature-256");

    // A signature that is not sha256=<64 hex>, and a chunked body without Content-Length.
    const garbled = await open();
    garbled.socket.write(head({ length: 10, signature: "sha1=abc" }));
    await garbled.closed;
    expect(garbled.received()).toMatch(/^HTTP\/1\.1 401/);
    const chunked = await open();
    chunked.socket.write(head({ extra: "transfer-encoding: chunked\r\n" }));
    expect(await answer(chunked)).toMatch(/^HTTP\/1\.1 411/);

    // A correctly signed body followed by more bytes than its Content-Length declared.
    const body = JSON.stringify(issuesPayload("labeled", "agent-try"));
    const liar = await open();
    liar.socket.write(head({ length: 20, signature: await sign(SECRET, body.slice(0, 20)) }) + body);
    await liar.closed;
    expect(liar.received()).not.toMatch(/^HTTP\/1\.1 202/);
    expect(await queued()).toBe(0);

    // And the honest delivery still goes through.
    expect((await deliver(`http://127.0.0.1:${port}/hook`, SECRET, "issues", JSON.parse(body))).status).toBe(202);
    expect(await queued()).toBe(1);
  });
});

describe("the webhook server bounds what senders can hold", () => {
  it("caps bytes in flight per address and in total, keeping room for ordinary deliveries", async () => {
    const MB = 1024 * 1024;
    await startServer({
      maxBytesInFlight: 4 * MB,
      maxBytesInFlightPerAddress: 2 * MB,
      smallBodyBytes: 256 * 1024,
      reservedForSmallBytes: MB,
    });
    const upload = async (from: string) => {
      const c = await open(from);
      c.socket.write(head({ length: 1.5 * MB }));
      c.socket.write(Buffer.alloc(100 * 1024));
      return c;
    };
    const first = await upload("127.0.0.2");
    // The same address again: over its 2 MB, refused at once (503), before its body is read.
    const again = await upload("127.0.0.2");
    expect(await answer(again)).toMatch(/^HTTP\/1\.1 503/);
    // Another address fits (3 MB in flight), a third would eat into the room kept for small deliveries.
    const second = await upload("127.0.0.3");
    const third = await upload("127.0.0.4");
    expect(await answer(third)).toMatch(/^HTTP\/1\.1 503/);
    // With 3 MB of fake uploads held open, an ordinary signed delivery is still taken at once.
    const ok = await deliver(`http://127.0.0.1:${port}/hook`, SECRET, "issues", issuesPayload("labeled", "agent-try"));
    expect(ok.status).toBe(202);
    expect(first.received()).toBe("");
    expect(second.received()).toBe("");
    expect(await queued()).toBe(1);
    // The held uploads finish with a signature that does not match: 401, nothing queued.
    for (const c of [first, second]) c.socket.end(Buffer.alloc(1.5 * MB - 100 * 1024));
    await Promise.all([first.closed, second.closed]);
    expect(first.received()).toMatch(/^HTTP\/1\.1 401/);
    expect(await queued()).toBe(1);
  });

  it("cuts off slow senders, caps connections per address, and /healthz answers throughout", async () => {
    await startServer({ maxConnectionsPerAddress: 40, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
    const slow = await Promise.all(Array.from({ length: 120 }, () => open("127.0.0.5")));
    // A valid start, then one header byte every 200 ms: never finishing, always sending.
    for (const c of slow) c.socket.write("POST /hook HTTP/1.1\r\nHost: x\r\nx-slow: ");
    const drip = setInterval(() => {
      for (const c of slow) if (!c.socket.destroyed) c.socket.write("a");
    }, 200);
    try {
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      // Beyond 40 from one address, connections are closed as they arrive.
      const overCap = await waitFor(async () => {
        const n = slow.filter((c) => c.socket.destroyed || c.socket.readableEnded).length;
        return n >= 80 ? n : undefined;
      });
      expect(overCap).toBeGreaterThanOrEqual(80);
      // The 40 admitted ones are cut off by the headers timeout (408), though they keep sending.
      const started = Date.now();
      await Promise.all(slow.map((c) => c.closed));
      expect(Date.now() - started).toBeGreaterThan(300);
      expect(slow.filter((c) => /^HTTP\/1\.1 408/.test(c.received()))).toHaveLength(40);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const ok = await deliver(
        `http://127.0.0.1:${port}/hook`,
        SECRET,
        "issues",
        issuesPayload("labeled", "agent-try"),
      );
      expect(ok.status).toBe(202);
    } finally {
      clearInterval(drip);
    }
  });

  it("holds a refused upload's connection unread, so a sender ignoring answers cannot resend in a loop", async () => {
    const MB = 1024 * 1024;
    await startServer({
      maxBytesInFlight: 2 * MB,
      reservedForSmallBytes: MB,
      smallBodyBytes: 256 * 1024,
      refusedHoldMs: 1_000,
    });
    // An abuser that streams 25 MB uploads with no signature as fast as it can and reconnects the
    // moment a connection closes, for 3 s; it never reads what the server says.
    let connections = 0;
    let bytesWritten = 0;
    let stop = false;
    const chunk = Buffer.alloc(64 * 1024, 0x7b);
    const loop = async () => {
      while (!stop) {
        connections++;
        const c = await open("127.0.0.9");
        c.socket.write(head({ length: 25 * MB, signature: "" }));
        const pump = () => {
          while (!c.socket.destroyed && c.socket.write(chunk)) bytesWritten += chunk.length;
        };
        c.socket.on("drain", pump);
        pump();
        await c.closed;
        expect(c.received()).toMatch(/^HTTP\/1\.1 401/);
      }
    };
    const loops = Array.from({ length: 4 }, loop);
    await new Promise((r) => setTimeout(r, 3_000));
    stop = true;
    await Promise.all(loops);
    // Each connection is held about a second: 4 loops get at most 4 connections each in 3 s (closed at
    // once, they would make hundreds), and what they could push is bounded by the socket buffers of those
    // few connections, not the 25 MB each one declared.
    expect(connections).toBeLessThanOrEqual(16);
    expect(bytesWritten / connections).toBeLessThan(8 * MB);
    // Meanwhile ordinary deliveries are taken.
    const ok = await deliver(`http://127.0.0.1:${port}/hook`, SECRET, "issues", issuesPayload("labeled", "agent-try"));
    expect(ok.status).toBe(202);
  });
});
