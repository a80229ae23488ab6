import { createPublicKey, createVerify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A GitHub REST API subset over real HTTP, reached through GHE_HOST (`/api/v3/...`): app JWT and
 * installation-token auth, collaborator permissions, contents (raw), branches, issue comments and
 * reactions. Every request is logged; faults can be scripted per route.
 */
export interface FakeRepo {
  defaultBranch: string;
  headSha: string;
  files: Record<string, string>;
  /** login → role name (admin, maintain, write, triage, read); missing = not a collaborator. */
  roles: Record<string, string>;
}

export interface FakeComment {
  id: number;
  issue: string;
  body: string;
  user: { login: string; type: string };
}

export interface LoggedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
  at: number;
}

type Handler = (m: RegExpMatchArray, body: any, req: IncomingMessage) => [number, unknown, Record<string, string>?];

export interface FakeGitHub {
  host: string;
  baseUrl: string;
  repos: Map<string, FakeRepo>;
  comments: FakeComment[];
  reactions: { commentId: number; content: string }[];
  requests: LoggedRequest[];
  app: { id: number; slug: string; permissions: Record<string, string>; events: string[] };
  /** Answer the next `times` requests matching `method path` with `status`. */
  failNext(method: string, path: RegExp, status: number, times?: number): void;
  /** Delay every answer by `ms` (to widen race windows). */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

const BOT = { login: "nightshift[bot]", type: "Bot" };
const ROLE_TO_PERMISSION: Record<string, string> = { admin: "admin", maintain: "write", write: "write", triage: "read", read: "read" };

export async function startFakeGitHub(options: { publicKeyPem?: string; app?: Partial<FakeGitHub["app"]> } = {}): Promise<FakeGitHub> {
  const repos = new Map<string, FakeRepo>();
  const comments: FakeComment[] = [];
  const reactions: FakeGitHub["reactions"] = [];
  const requests: LoggedRequest[] = [];
  const faults: { method: string; path: RegExp; status: number; times: number }[] = [];
  const tokens = new Set<string>();
  const publicKey: KeyObject | undefined = options.publicKeyPem ? createPublicKey(options.publicKeyPem) : undefined;
  let latency = 0;
  let nextId = 1000;
  const app = {
    id: 1,
    slug: "nightshift",
    permissions: { metadata: "read", issues: "write", pull_requests: "write", contents: "write", checks: "read", statuses: "read", actions: "read" },
    events: ["issues", "issue_comment", "check_suite", "workflow_run"],
    ...options.app,
  };

  const repo = (m: RegExpMatchArray): FakeRepo | undefined => repos.get(`${m[1]}/${m[2]}`.toLowerCase());

  const routes: [string, RegExp, Handler][] = [
    ["GET", /^\/app$/, () => [200, { id: app.id, slug: app.slug, name: "Nightshift", permissions: app.permissions, events: app.events }]],
    ["POST", /^\/app\/installations\/(\d+)\/access_tokens$/, (m) => {
      const token = `ghs_fake${m[1]}x${nextId++}`;
      tokens.add(token);
      return [201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: app.permissions, repository_selection: "all" }];
    }],
    ["GET", /^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/, (m) => {
      const r = repo(m);
      const role = r?.roles[decodeURIComponent(m[3]!)];
      if (!r || !role) return [404, { message: "Not Found" }];
      return [200, { permission: ROLE_TO_PERMISSION[role], role_name: role, user: { login: m[3] } }];
    }],
    ["GET", /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/, (m, _b, req) => {
      const content = repo(m)?.files[decodeURIComponent(m[3]!)];
      if (content === undefined) return [404, { message: "Not Found" }];
      if (String(req.headers.accept).includes("raw")) return [200, content, { "content-type": "application/vnd.github.raw; charset=utf-8" }];
      return [200, { type: "file", encoding: "base64", content: Buffer.from(content).toString("base64") }];
    }],
    ["GET", /^\/repos\/([^/]+)\/([^/]+)\/branches\/([^/]+)$/, (m) => {
      const r = repo(m);
      if (!r || r.defaultBranch !== decodeURIComponent(m[3]!)) return [404, { message: "Branch not found" }];
      return [200, { name: r.defaultBranch, commit: { sha: r.headSha } }];
    }],
    ["GET", /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/, (m) => {
      const issue = `${m[1]}/${m[2]}#${m[3]}`.toLowerCase();
      return [200, comments.filter((c) => c.issue === issue)];
    }],
    ["POST", /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/, (m, body) => {
      const comment = { id: nextId++, issue: `${m[1]}/${m[2]}#${m[3]}`.toLowerCase(), body: String(body.body), user: BOT };
      comments.push(comment);
      return [201, comment];
    }],
    ["PATCH", /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/, (m, body) => {
      const comment = comments.find((c) => c.id === Number(m[3]));
      if (!comment) return [404, { message: "Not Found" }];
      comment.body = String(body.body);
      return [200, comment];
    }],
    ["POST", /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)\/reactions$/, (m, body) => {
      reactions.push({ commentId: Number(m[3]), content: String(body.content) });
      return [201, { id: nextId++, content: body.content }];
    }],
  ];

  function authorised(req: IncomingMessage, path: string): boolean {
    const auth = req.headers.authorization ?? "";
    if (path === "/app" || path.startsWith("/app/")) return auth.startsWith("bearer ") && validJwt(auth.slice(7), publicKey);
    return auth.startsWith("token ") && tokens.has(auth.slice(6));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const body = raw ? JSON.parse(raw) : undefined;
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname.replace(/^\/api\/v3/, "");
    requests.push({ method: req.method ?? "GET", path: url.pathname + url.search, authorization: req.headers.authorization, body, at: Date.now() });
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      const text = typeof data === "string" ? data : JSON.stringify(data);
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(text);
    };
    const fault = faults.find((f) => f.method === req.method && f.path.test(path) && f.times > 0);
    if (fault) {
      fault.times--;
      return send(fault.status, { message: `scripted ${fault.status}` });
    }
    if (!authorised(req, path)) return send(401, { message: "Bad credentials" });
    for (const [method, pattern, handler] of routes) {
      const match = method === req.method ? path.match(pattern) : null;
      if (match) return send(...handler(match, body ?? {}, req));
    }
    send(404, { message: `fake GitHub has no route for ${req.method} ${path}` });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  return {
    host,
    baseUrl: `http://${host}/api/v3`,
    repos,
    comments,
    reactions,
    requests,
    app,
    failNext: (method, path, status, times = 1) => faults.push({ method, path, status, times }),
    setLatency: (ms) => (latency = ms),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** RS256 app JWTs are checked against the App's public key when one is given. */
function validJwt(jwt: string, publicKey: KeyObject | undefined): boolean {
  const [header, payload, signature] = jwt.split(".");
  if (!header || !payload || !signature) return false;
  if (!publicKey) return true;
  return createVerify("RSA-SHA256").update(`${header}.${payload}`).verify(publicKey, Buffer.from(signature, "base64url"));
}
