import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";

/** Limits on what senders may hold of the webhook server. Defaults suit GitHub, which sends within seconds. */
export interface IntakeLimits {
  /** GitHub caps payloads at 25 MB; a larger Content-Length is refused before a byte of the body is read. */
  maxBodyBytes: number;
  /** Open connections at once, from everyone; more are closed as they arrive. */
  maxConnections: number;
  /** Open connections at once from one address. */
  maxConnectionsPerAddress: number;
  /** Bodies being read at once, counted by their Content-Length when their headers arrive. */
  maxBytesInFlight: number;
  /** Bodies being read at once from one address. */
  maxBytesInFlightPerAddress: number;
  /** Bodies up to this size may use the last `reservedForSmallBytes` of the budget; larger ones may not. */
  smallBodyBytes: number;
  reservedForSmallBytes: number;
  /** Bodies over `smallBodyBytes` are read at most this fast, all together (hashing unverified bytes costs CPU). */
  largeBodyBytesPerSecond: number;
  /** All headers must arrive within this (slow-drip senders are cut off). */
  headersTimeoutMs: number;
  /** The whole request must arrive within this (GitHub itself gives up on a delivery after 10 s). */
  requestTimeoutMs: number;
  /**
   * A refused request whose body over `smallBodyBytes` was left unread is answered at once but its
   * connection is held unread this long before it is closed, so a sender that ignores answers cannot
   * reconnect and resend in a loop. Keep it within `headersTimeoutMs`: a held connection costs no more
   * than a slow one.
   */
  refusedHoldMs: number;
  /** How often Node looks for requests over those timeouts. */
  checkIntervalMs: number;
}

export const DEFAULT_INTAKE_LIMITS: IntakeLimits = {
  maxBodyBytes: 25 * 1024 * 1024,
  maxConnections: 4096,
  maxConnectionsPerAddress: 256,
  // 40 MB: with 12 MB kept for small bodies, one 25 MB body is read at a time. Large bodies share one read
  // rate (largeBodyBytesPerSecond), so reading two at once would only double what is held in memory.
  maxBytesInFlight: 40 * 1024 * 1024,
  maxBytesInFlightPerAddress: 26 * 1024 * 1024,
  smallBodyBytes: 1024 * 1024,
  reservedForSmallBytes: 12 * 1024 * 1024,
  largeBodyBytesPerSecond: 32 * 1024 * 1024,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  refusedHoldMs: 5_000,
  checkIntervalMs: 500,
};

const HEADERS_TIMEOUT_ANSWER = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

/** Why a body may not be read now; `undefined` means it was admitted and its bytes are reserved. */
export type Refusal = { status: 413 | 503; message: string } | undefined;

/**
 * Admission control for the webhook server: counts connections per address (closing those over the
 * caps as they arrive, before any parsing) and reserves each body's declared size against the
 * global and per-address budgets before it is read.
 */
export function createIntakeGate(server: Server, limits: IntakeLimits) {
  const connections = new Map<string, number>();
  const bytes = new Map<string, number>();
  let openConnections = 0;
  let bytesInFlight = 0;
  let tokens = limits.largeBodyBytesPerSecond;
  let refilledAt = Date.now();
  const awaitingHeaders = new WeakMap<Socket, NodeJS.Timeout>();
  server.on("request", (req: IncomingMessage) => clearTimeout(awaitingHeaders.get(req.socket)));
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "?";
    const mine = connections.get(address) ?? 0;
    if (openConnections >= limits.maxConnections || mine >= limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    openConnections++;
    connections.set(address, mine + 1);
    // Headers must arrive within headersTimeoutMs. Node cuts off every late connection in the same check,
    // so a thousand slow senders that connected together would all be cut off, and all reconnect, in one
    // tick; each connection gets its own deadline in the last third of the timeout instead.
    const deadline = setTimeout(
      () => socket.end(HEADERS_TIMEOUT_ANSWER, () => socket.destroy()),
      limits.headersTimeoutMs * (2 / 3 + Math.random() / 3),
    );
    deadline.unref();
    awaitingHeaders.set(socket, deadline);
    socket.once("close", () => {
      clearTimeout(deadline);
      openConnections--;
      const left = (connections.get(address) ?? 1) - 1;
      if (left > 0) connections.set(address, left);
      else connections.delete(address);
    });
  });
  return {
    /** Reserves `size` bytes for a body from `address`; call the returned release when the body is done with. */
    admit(address: string, size: number): { refusal: Refusal; release: () => void } {
      const none = () => {};
      if (size > limits.maxBodyBytes)
        return { refusal: { status: 413, message: `payload over ${limits.maxBodyBytes} bytes` }, release: none };
      const mine = bytes.get(address) ?? 0;
      const room = limits.maxBytesInFlight - (size > limits.smallBodyBytes ? limits.reservedForSmallBytes : 0);
      if (bytesInFlight + size > room || mine + size > limits.maxBytesInFlightPerAddress)
        return { refusal: { status: 503, message: "too many payloads in flight; try again shortly" }, release: none };
      bytesInFlight += size;
      bytes.set(address, mine + size);
      let released = false;
      return {
        refusal: undefined,
        release: () => {
          if (released) return;
          released = true;
          bytesInFlight -= size;
          const left = (bytes.get(address) ?? size) - size;
          if (left > 0) bytes.set(address, left);
          else bytes.delete(address);
        },
      };
    },
    /** For a body of `size`: after reading `bytes` more of it, how long to wait before reading on (ms). */
    pace(size: number, bytes: number): number {
      if (size <= limits.smallBodyBytes) return 0;
      const now = Date.now();
      const rate = limits.largeBodyBytesPerSecond;
      tokens = Math.min(rate, tokens + ((now - refilledAt) / 1000) * rate) - bytes;
      refilledAt = now;
      return tokens >= 0 ? 0 : Math.ceil((-tokens / rate) * 1000);
    },
    stats: () => ({ openConnections, bytesInFlight }),
  };
}
