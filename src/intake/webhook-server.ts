import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { RedisKeys } from "../queue/keys.js";
import { triageDelivery, type Delivery } from "./delivery.js";
import { DEFAULT_INTAKE_LIMITS, createIntakeGate, type IntakeLimits } from "./intake-limits.js";
import { BodyError, parseSignature, readSignedBody } from "./read-signed-body.js";

/** GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub. */
export const MAX_BODY_BYTES = DEFAULT_INTAKE_LIMITS.maxBodyBytes;

/** How long a delivery's content is remembered, so a captured delivery replayed under a new id queues nothing. */
export const DELIVERY_CONTENT_RETENTION_S = 3 * 24 * 3600;

export interface WebhookServerDeps {
  secret: string;
  path: string;
  label: string;
  deliveries: Queue<Delivery>;
  redis: Redis;
  keys: RedisKeys;
  log: Logger;
  /** The admin page (src/admin) answers every other path. */
  admin?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Told of every answered webhook delivery: its status and the seconds from request to response. */
  onDelivery?: (status: number, seconds: number) => void;
  limits?: Partial<IntakeLimits>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Answer and close the connection without reading the body. */
    readonly unread = false,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/**
 * Receives GitHub webhooks: checks the headers, verifies the signature over the raw body as it streams
 * in (stopping at its Content-Length), drops redeliveries and replays, and stores the delivery in the
 * `deliveries` queue before answering, so GitHub gets its 2xx in milliseconds and nothing is lost if
 * this process dies; handlers run from the queue. Connections, bytes in flight and time are bounded
 * per sender and in total (`IntakeLimits`), so /healthz and real deliveries stay fast under abuse.
 */
export function createWebhookServer(deps: WebhookServerDeps): Server {
  const limits = { ...DEFAULT_INTAKE_LIMITS, ...deps.limits };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      route(req, res, deps).catch((error: unknown) => {
        const status = error instanceof HttpError || error instanceof BodyError ? error.status : 500;
        if (status === 500) deps.log.error({ err: error }, "webhook intake failed");
        else deps.log.warn({ status, delivery: req.headers["x-github-delivery"] }, (error as Error).message);
        const body = JSON.stringify({ error: status === 500 ? "internal error" : (error as Error).message });
        // A body not read to its end is not drained either: answer and close the connection, or, for a
        // large body, answer and hold it unread for a while (see holdUnread).
        const unread = (error instanceof HttpError && error.unread) || !req.complete;
        if (res.headersSent) return void res.end();
        if (!unread) return void res.writeHead(status, { "content-type": "application/json" }).end(body);
        if (largeBody(req, limits.smallBodyBytes)) return holdUnread(req, res, status, body, limits.refusedHoldMs);
        res.writeHead(status, { "content-type": "application/json", connection: "close" });
        res.end(body, () => req.socket.destroy());
      });
    },
  );
  const gate = createIntakeGate(server, limits);

  async function route(req: IncomingMessage, res: ServerResponse, deps: WebhookServerDeps): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/healthz") {
      await deps.redis.ping();
      return reply(res, 200, { ok: true });
    }
    // Probot's setup page registers the App with its webhook URL at "/", so deliveries are taken there too.
    if (path === deps.path || (path === "/" && req.method === "POST")) {
      const started = performance.now();
      const answered = () => deps.onDelivery?.(res.statusCode, (performance.now() - started) / 1000);
      res.once("finish", answered);
      res.once("held", answered);
      if (req.method !== "POST") throw new HttpError(405, "webhooks are POSTed", true);
      return reply(res, ...(await receive(req)));
    }
    if (deps.admin) return deps.admin(req, res);
    throw new HttpError(404, "not found", true);
  }

  async function receive(req: IncomingMessage): Promise<[number, object]> {
    // Everything that can be judged from the headers is, before a byte of the body is read.
    const signatureHeader = header(req, "x-hub-signature-256");
    if (!signatureHeader)
      throw new HttpError(401, "missing X-Hub-Signature-256; set the webhook secret in the GitHub App settings", true);
    const signature = parseSignature(signatureHeader);
    if (!signature) throw new HttpError(401, "X-Hub-Signature-256 is not sha256=<64 hex digits>", true);
    const name = header(req, "x-github-event");
    const id = header(req, "x-github-delivery");
    if (!name || !id) throw new HttpError(400, "missing X-GitHub-Event or X-GitHub-Delivery header", true);
    if (!/^[\w-]{1,100}$/.test(id)) throw new HttpError(400, "X-GitHub-Delivery is not a delivery id", true);
    const lengthHeader = header(req, "content-length");
    if (req.headers["transfer-encoding"] || !lengthHeader || !/^\d{1,12}$/.test(lengthHeader))
      throw new HttpError(411, "a webhook needs a Content-Length (GitHub always sends one)", true);
    const declared = Number(lengthHeader);
    const { refusal, release } = gate.admit(req.socket.remoteAddress ?? "?", declared);
    if (refusal) throw new HttpError(refusal.status, refusal.message, true);
    let signed: { body: string; digest: string };
    try {
      signed = await readSignedBody(req, deps.secret, signature, declared, (bytes) => gate.pace(declared, bytes));
    } finally {
      release();
    }
    if (name === "ping") return [200, { ok: true, pong: true }];
    let payload: unknown;
    try {
      payload = JSON.parse(signed.body);
    } catch {
      throw new HttpError(400, "payload is not JSON; set the App's webhook content type to application/json");
    }
    const triage = triageDelivery(id, name, payload, deps.label);
    if (triage.kind === "invalid") throw new HttpError(400, triage.problem);
    if (triage.kind === "ignore") return [200, { ok: true, ignored: triage.reason }];
    if (await deps.redis.exists(deps.keys.delivery(id))) return [200, { ok: true, duplicate: true }];
    // The same signed content under another delivery id is a replay (GitHub's own redeliveries keep the id).
    const contentKey = deps.keys.deliveryContent(signed.digest);
    const first = await deps.redis.set(contentKey, id, "EX", DELIVERY_CONTENT_RETENTION_S, "NX");
    if (first !== "OK" && (await deps.redis.get(contentKey)) !== id) return [200, { ok: true, duplicate: true }];
    await deps.deliveries.add(name, triage.delivery, { jobId: id });
    return [202, { ok: true, queued: id }];
  }

  return server;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether a request declares (or may carry, when chunked) a body over `smallBodyBytes`. */
function largeBody(req: IncomingMessage, smallBodyBytes: number): boolean {
  const length = header(req, "content-length");
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && Number(length) > smallBodyBytes);
}

/**
 * Answers a refused request whose large body was not read, then holds the connection unread for
 * `holdMs` before closing it. Closing at once would let a sender that ignores answers reconnect and
 * push megabytes again in a tight loop (the kernel still carries every byte it sends before the reset);
 * held, it can send no more than the socket buffers take until the hold ends. A client that reads its
 * answer (as GitHub does) closes the connection itself. Emits "held" on `res` once answered.
 */
function holdUnread(req: IncomingMessage, res: ServerResponse, status: number, body: string, holdMs: number): void {
  // Written without ending the response: an ended response makes Node read the rest of the body to discard it.
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  res.write(body);
  res.emit("held");
  req.pause();
  req.socket.pause();
  const timer = setTimeout(() => req.socket.destroy(), holdMs);
  timer.unref();
  req.socket.once("close", () => clearTimeout(timer));
}

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
