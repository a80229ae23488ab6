import type { IncomingMessage, ServerResponse } from "node:http";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { EnvConfig } from "../config/env.js";
import { redisKeys } from "../queue/keys.js";
import { openRunQueue } from "../queue/run-queue.js";
import {
  ActionError,
  cancelAction,
  drainAction,
  pauseAction,
  retryAction,
  runNowAction,
  toFrontAction,
  type ActionDeps,
} from "./actions.js";
import { ADMIN_CSS, ADMIN_JS } from "./assets.js";
import { authorizeUrl, exchangeCode, fetchLogin, githubWebOrigin, GitHubSignInError } from "./github-oauth.js";
import { html, type SafeHtml } from "./html.js";
import { startLiveHub } from "./live-hub.js";
import { createMetrics } from "./metrics.js";
import { historyMain, historyPage } from "./pages/history-page.js";
import { layout, type Viewer } from "./pages/layout.js";
import { runMain, runPage } from "./pages/run-page.js";
import { morningMain, morningPage } from "./pages/morning-page.js";
import { readMorningOverview } from "../morning/morning-overview.js";
import { signInPage } from "./pages/sign-in-page.js";
import { tonightMain, tonightPage } from "./pages/tonight-page.js";
import { resolvePrincipal, Unauthorised, type Principal } from "./principal.js";
import { readHistory, readRun, readTonight, repoOf, sweepHistory, type HistoryFilter } from "./run-data.js";
import {
  adminKeys,
  cookie,
  createSession,
  destroySession,
  newSecret,
  readCookie,
  sameSecret,
  SESSION_COOKIE,
  SESSION_TTL_S,
  STATE_COOKIE,
} from "./sessions.js";

export interface AdminDeps {
  config: EnvConfig;
  redis: Redis;
  log: Logger;
  clock?: () => Date;
  fetchFn?: typeof fetch;
}

export interface Admin {
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Records one webhook delivery's intake latency for /metrics. */
  observeIntake: (status: number, seconds: number) => void;
  close: () => Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const MAX_FORM_BYTES = 16 * 1024;

/**
 * The admin page and its JSON API, mounted into the webhook server for every path that is not a
 * webhook. Signed out, only the sign-in page (and /healthz, answered by the webhook server) shows.
 */
export async function startAdmin(deps: AdminDeps): Promise<Admin> {
  const { config, redis, log } = deps;
  const clock = deps.clock ?? (() => new Date());
  const prefix = config.redisPrefix;
  const keys = redisKeys(prefix);
  const runs = openRunQueue(redis, prefix);
  const hub = await startLiveHub(redis, prefix, (err) => log.warn({ err }, "admin live updates failed"));
  const metrics = createMetrics({ redis, keys, runs });
  const actionDeps: ActionDeps = { redis, keys, runs, config, clock };
  const settings = config.admin;
  const webOrigin = githubWebOrigin(config.githubBaseUrl);
  const settled = new Map<string, Record<string, string>>();
  const sweep = () =>
    sweepHistory(redis, keys, settings.retentionDays, clock().getTime()).then(
      (n) => n > 0 && log.info({ runs: n, days: settings.retentionDays }, "removed runs past the retention"),
      (err: unknown) => log.warn({ err }, "could not sweep old runs"),
    );
  void sweep();
  const sweeper = setInterval(() => void sweep(), 3600_000);
  sweeper.unref();

  const origin = (req: IncomingMessage) => settings.publicUrl ?? `http://${req.headers.host ?? "localhost"}`;
  const secure = (req: IncomingMessage) => origin(req).startsWith("https:");
  const callbackUrl = (req: IncomingMessage) => `${origin(req)}/auth/github/callback`;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://admin");
    const path = url.pathname;
    const method = req.method ?? "GET";
    if (method === "GET" && path === "/assets/admin.css") return asset(res, "text/css", ADMIN_CSS);
    if (method === "GET" && path === "/assets/admin.js") return asset(res, "text/javascript", ADMIN_JS);
    if (method === "GET" && path === "/signin") {
      const next = safeNext(url.searchParams.get("next"));
      return page(res, 200, signInPage({ configured: signInConfigured(), next }));
    }
    if (method === "GET" && path === "/auth/github") return startSignIn(req, res, url);
    if (method === "GET" && path === "/auth/github/callback") return finishSignIn(req, res, url);

    let principal: Principal | undefined;
    try {
      principal = await resolvePrincipal(req, {
        redis,
        prefix,
        apiBaseUrl: config.githubBaseUrl,
        adminToken: settings.token,
        operators: settings.operators,
        fetchFn: deps.fetchFn,
      });
    } catch (error) {
      if (error instanceof Unauthorised) throw new HttpError(401, error.message);
      throw error;
    }
    const wantsJson = path.startsWith("/api/") || path === "/metrics" || path === "/events";
    if (!principal) {
      if (wantsJson || method !== "GET")
        throw new HttpError(401, "sign in at /signin, or send Authorization: Bearer <NIGHTSHIFT_ADMIN_TOKEN>");
      res.writeHead(303, { location: `/signin?next=${encodeURIComponent(url.pathname + url.search)}` }).end();
      return;
    }
    if (method === "POST") return act(req, res, principal, path);
    if (method !== "GET") throw new HttpError(405, "use GET or POST");
    const canRead = async (repo: string) => (await principal.permission(repo)) !== "none";
    const viewer = viewerOf(principal);
    const fragment = req.headers["x-fragment"] === "main";

    if (path === "/events") return hub.attach(res, canRead);
    if (path === "/metrics") {
      if (!principal.operator) throw new HttpError(403, "metrics are for operators and the admin token");
      res.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" });
      res.end(await metrics.text());
      return;
    }
    if (path === "/" || path === "/api/tonight") {
      const tonight = await readTonight({ redis, keys, runs, config }, canRead, clock());
      if (path === "/api/tonight") return json(res, 200, tonight);
      return page(res, 200, fragment ? tonightMain(tonight, viewer) : tonightPage(tonight, viewer));
    }
    if (path === "/history" || path === "/api/runs") {
      const filter = historyFilter(url);
      const history = await readHistory(redis, keys, filter, canRead, settled);
      if (path === "/api/runs") return json(res, 200, history);
      return page(res, 200, fragment ? historyMain(history, filter) : historyPage(history, filter, viewer));
    }
    if (path === "/morning" || path === "/api/morning") {
      const repos = await readMorningOverview(redis, keys, canRead, clock(), config.timeZone);
      if (path === "/api/morning") return json(res, 200, repos);
      return page(res, 200, fragment ? morningMain(repos) : morningPage(repos, viewer));
    }
    const runMatch = /^\/(api\/)?runs\/([^/]+)$/.exec(path);
    if (runMatch) {
      const runId = decodeURIComponent(runMatch[2]!);
      const run = (await canRead(repoOf(runId))) ? await readRun(redis, keys, runId) : undefined;
      if (!run) throw new HttpError(404, "no such run (or not one you can see)");
      if (runMatch[1]) return json(res, 200, run);
      return page(
        res,
        200,
        fragment ? runMain(run.fields, run.events, viewer) : runPage(run.fields, run.events, viewer),
      );
    }
    throw new HttpError(404, "not found");
  }

  async function act(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
    const form = await readForm(req);
    if (principal.kind === "session") {
      // Both checks: the Origin a browser sends, and the per-session token only our own pages hold.
      const from = req.headers.origin;
      if (from && from !== origin(req)) throw new HttpError(403, "cross-site request refused");
      const token = form.get("_csrf") ?? header(req, "x-csrf-token");
      if (!sameSecret(token ?? undefined, principal.csrf)) throw new HttpError(403, "missing or wrong CSRF token");
    }
    const api = path.startsWith("/api/");
    const action = path.replace(/^\/(api|actions)\//, "/");
    if (path === "/signout") {
      if (principal.sessionId) await destroySession(redis, prefix, principal.sessionId);
      res.writeHead(303, {
        location: "/signin",
        "set-cookie": cookie(SESSION_COOKIE, "", { secure: secure(req), maxAgeS: 0 }),
      });
      res.end();
      return;
    }
    if (!api && !path.startsWith("/actions/")) throw new HttpError(404, "not found");
    let message: string;
    const run = /^\/runs\/([^/]+)\/(cancel|run-now|retry|to-front)$/.exec(action);
    const worker = /^\/workers\/([^/]+)\/(drain|undrain)$/.exec(action);
    if (run) {
      const id = decodeURIComponent(run[1]!);
      const verb = run[2]!;
      if (verb === "to-front") requireOperator(principal);
      else if ((await principal.permission(repoOf(id))) !== "write")
        throw new HttpError(403, "you need write permission on this repository to do that");
      message = await (verb === "cancel"
        ? cancelAction(actionDeps, id.split("@")[0]!)
        : verb === "run-now"
          ? runNowAction(actionDeps, id)
          : verb === "retry"
            ? retryAction(actionDeps, id)
            : toFrontAction(actionDeps, id));
    } else if (action === "/night/pause" || action === "/night/resume") {
      requireOperator(principal);
      message = await pauseAction(actionDeps, action === "/night/pause");
    } else if (worker) {
      requireOperator(principal);
      message = await drainAction(actionDeps, decodeURIComponent(worker[1]!), worker[2] === "drain");
    } else throw new HttpError(404, "no such action");
    log.info({ who: principal.login, action: path }, "admin action");
    if (api) return json(res, 200, { ok: true, message });
    res.writeHead(303, { location: safeNext(form.get("back")) }).end();
  }

  function startSignIn(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!signInConfigured())
      throw new HttpError(503, "sign-in is not set up: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET");
    const state = newSecret();
    const next = safeNext(url.searchParams.get("next"));
    return redis.set(adminKeys(prefix).oauthState(state), next, "EX", 600).then(() => {
      res.writeHead(302, {
        location: authorizeUrl(webOrigin, settings.clientId!, callbackUrl(req), state),
        "set-cookie": cookie(STATE_COOKIE, state, { secure: secure(req), maxAgeS: 600 }),
      });
      res.end();
    });
  }

  async function finishSignIn(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const state = url.searchParams.get("state") ?? "";
    const code = url.searchParams.get("code");
    const refuse = (problem: string) =>
      page(res, 400, signInPage({ configured: signInConfigured(), problem, next: "/" }));
    // The state must be the one this browser was given, and unused: no login CSRF, no replay.
    if (!code || !sameSecret(state, readCookie(req, STATE_COOKIE)))
      return refuse("The sign-in did not start here (or took too long). Please try again.");
    const next = await redis.getdel(adminKeys(prefix).oauthState(state));
    if (next === null) return refuse("This sign-in link was already used or has expired. Please try again.");
    try {
      const token = await exchangeCode(
        {
          webOrigin,
          clientId: settings.clientId!,
          clientSecret: settings.clientSecret!,
          code,
          redirectUri: callbackUrl(req),
        },
        deps.fetchFn,
      );
      const login = await fetchLogin(config.githubBaseUrl, token, deps.fetchFn);
      const session = await createSession(redis, prefix, login, token);
      log.info({ login }, "admin sign-in");
      res.writeHead(303, {
        location: safeNext(next),
        "set-cookie": [
          cookie(SESSION_COOKIE, session, { secure: secure(req), maxAgeS: SESSION_TTL_S }),
          cookie(STATE_COOKIE, "", { secure: secure(req), maxAgeS: 0 }),
        ],
      });
      res.end();
    } catch (error) {
      if (!(error instanceof GitHubSignInError)) throw error;
      log.warn({ err: error }, "admin sign-in failed");
      return refuse(error.message);
    }
  }

  function signInConfigured(): boolean {
    return !!settings.clientId && !!settings.clientSecret;
  }

  function viewerOf(principal: Principal): Viewer {
    return { login: principal.login, operator: principal.operator, csrf: principal.csrf, permission: principal.known };
  }

  return {
    observeIntake: (status, seconds) => metrics.observeIntake(status, seconds),
    async handle(req, res) {
      try {
        securityHeaders(res);
        await route(req, res);
      } catch (error) {
        const status = error instanceof HttpError ? error.status : error instanceof ActionError ? error.status : 500;
        if (status === 500) log.error({ err: error, path: req.url }, "admin page failed");
        const message = status === 500 ? "internal error" : (error as Error).message;
        if (res.headersSent) return void res.end();
        const path = (req.url ?? "/").split("?")[0]!;
        if (path.startsWith("/api/") || path === "/metrics" || path === "/events" || !acceptsHtml(req))
          return json(res, status, { error: message });
        page(
          res,
          status,
          layout(
            "Error",
            undefined,
            html`<h1>${String(status)}</h1>
              <p class="error">${message}</p>
              <p><a href="/">Back to tonight</a></p>`,
          ),
        );
      }
    },
    async close() {
      clearInterval(sweeper);
      await hub.close();
      await runs.close();
    },
  };
}

function requireOperator(principal: Principal): void {
  if (!principal.operator) throw new HttpError(403, "only operators (NIGHTSHIFT_OPERATORS) may do that");
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader("content-security-policy", CSP);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("x-frame-options", "DENY");
  res.setHeader("referrer-policy", "same-origin");
}

function acceptsHtml(req: IncomingMessage): boolean {
  return String(req.headers.accept ?? "").includes("text/html");
}

/** Only a local path: never another site (no "//host", no scheme). */
function safeNext(next: string | null | undefined): string {
  return next && /^\/(?![/\\])[^\s]*$/.test(next) ? next : "/";
}

function historyFilter(url: URL): HistoryFilter {
  const get = (name: string) => url.searchParams.get(name)?.trim().slice(0, 200) || undefined;
  const date = (name: string) => (/^\d{4}-\d{2}-\d{2}$/.test(get(name) ?? "") ? get(name) : undefined);
  return {
    repo: get("repo"),
    outcome: get("outcome"),
    stop: get("stop"),
    from: date("from"),
    to: date("to"),
    q: get("q"),
    page: Math.max(1, Number(get("page") ?? 1) || 1),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new HttpError(413, "form too large");
    chunks.push(chunk as Buffer);
  }
  const type = String(req.headers["content-type"] ?? "");
  const text = Buffer.concat(chunks).toString("utf8");
  return type.includes("application/x-www-form-urlencoded") ? new URLSearchParams(text) : new URLSearchParams();
}

function asset(res: ServerResponse, type: string, body: string): void {
  res.writeHead(200, { "content-type": `${type}; charset=utf-8`, "cache-control": "public, max-age=300" }).end(body);
}

function page(res: ServerResponse, status: number, body: SafeHtml): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(body.text);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}
