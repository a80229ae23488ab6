import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepHistory } from "../src/admin/run-data.js";
import { ConfigError, loadEnvConfig } from "../src/config/env.js";
import { parseRepoConfig } from "../src/config/repo-config.js";
import { enqueueRun } from "../src/queue/run-queue.js";
import { workerKeys } from "../src/queue/worker-heartbeat.js";
import { seedRun, signIn } from "./support/admin-client.js";
import { startHarness, type Harness } from "./support/harness.js";

const TOKEN = "t".repeat(40);
let h: Harness;
let base: string;

beforeAll(async () => {
  h = await startHarness({
    env: {
      GITHUB_CLIENT_ID: "Iv1.fakeclientid",
      GITHUB_CLIENT_SECRET: "fake-client-secret",
      NIGHTSHIFT_ADMIN_TOKEN: TOKEN,
      NIGHTSHIFT_OPERATORS: "maintainer",
    },
  });
  base = h.server.url;
  h.github.repos.set("other/secret", { defaultBranch: "main", headSha: "1".repeat(40), files: {}, roles: {} });
});
afterAll(() => h.close());

const queueRun = (issueNumber: number, title = "t") =>
  enqueueRun(
    h.runs,
    {
      owner: "acme",
      repo: "widgets",
      installationId: 42,
      issueNumber,
      issueTitle: title,
      requester: "maintainer",
      defaultBranch: "main",
      baseSha: "0".repeat(40),
      trigger: "label",
      immediate: false,
      requestedAt: new Date().toISOString(),
      plannedStart: new Date(Date.now() + 3600_000).toISOString(),
      config: parseRepoConfig({ test: "true" }),
    },
    new Date(),
  );

describe("signed out", () => {
  it("sees only the sign-in page and /healthz; every other page, the API and metrics are refused", async () => {
    const runId = await seedRun(h.redis, h.keys, { issue: 3, title: "Secret title" });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const signin = await fetch(`${base}/signin`);
    expect(await signin.text()).toContain("Sign in with GitHub");
    for (const path of ["/", "/history", `/runs/${encodeURIComponent(runId)}`]) {
      const res = await fetch(`${base}${path}`, { redirect: "manual" });
      expect(res.status, path).toBe(303);
      expect(res.headers.get("location")).toMatch(/^\/signin\?next=/);
      expect(await res.text()).not.toContain("Secret title");
    }
    for (const path of ["/api/tonight", "/api/runs", `/api/runs/${encodeURIComponent(runId)}`, "/metrics", "/events"])
      expect((await fetch(`${base}${path}`)).status, path).toBe(401);
    const post = await fetch(`${base}/actions/night/pause`, { method: "POST", redirect: "manual" });
    expect(post.status).toBe(401);
    expect(await h.runs.isPaused()).toBe(false);
  });

  it("a callback whose state this browser was not given is refused (no login CSRF)", async () => {
    const res = await fetch(`${base}/auth/github/callback?code=abc&state=forged`, {
      headers: { cookie: "nightshift_oauth=other" },
      redirect: "manual",
    });
    expect(res.status).toBe(400);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("nightshift_session="))).toBe(false);
  });
});

describe("signed in", () => {
  it("sets a session cookie that is HttpOnly and SameSite, and only redirects within the site", async () => {
    const start = await fetch(`${base}/auth/github?next=//evil.example/x`, { redirect: "manual" });
    const location = new URL(start.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`http://${h.github.host}/login/oauth/authorize`);
    expect(location.searchParams.get("redirect_uri")).toBe(`${base}/auth/github/callback`);
    const approve = await fetch(`${location.origin}/login/oauth/authorize`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        login: "reader",
        redirect_uri: location.searchParams.get("redirect_uri")!,
        state: location.searchParams.get("state")!,
      }),
      redirect: "manual",
    });
    const callback = await fetch(approve.headers.get("location")!, {
      headers: { cookie: start.headers.get("set-cookie")!.split(";")[0]! },
      redirect: "manual",
    });
    expect(callback.status).toBe(303);
    expect(callback.headers.get("location")).toBe("/");
    const session = callback.headers.getSetCookie().find((c) => c.startsWith("nightshift_session="))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).not.toMatch(/Secure/); // the page is served over http here
    // The same state cannot be used twice.
    const replay = await fetch(approve.headers.get("location")!, {
      headers: { cookie: start.headers.get("set-cookie")!.split(";")[0]! },
      redirect: "manual",
    });
    expect(replay.status).toBe(400);
  });

  it("a reader sees runs but no action buttons, and cannot act", async () => {
    const runId = await seedRun(h.redis, h.keys, { issue: 11, title: "Reader can see this" });
    await queueRun(12);
    const { cookie, csrf } = await signIn(base, "reader");
    const history = await (await fetch(`${base}/history`, { headers: { cookie } })).text();
    expect(history).toContain("Reader can see this");
    const tonight = await (await fetch(`${base}/`, { headers: { cookie } })).text();
    expect(tonight).toContain("acme/widgets#12");
    const run = await (await fetch(`${base}/runs/${encodeURIComponent(runId)}`, { headers: { cookie } })).text();
    for (const page of [tonight, run]) expect(page).not.toContain("data-action");
    const cancel = await fetch(`${base}/actions/runs/${encodeURIComponent("acme/widgets#12")}/cancel`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf }),
      redirect: "manual",
    });
    expect(cancel.status).toBe(403);
    expect(await h.runs.getJob("acme/widgets#12")).toBeDefined();
  });

  it("a worker that cannot work says so on Tonight: what fails for all, details and fixes for operators", async () => {
    const key = workerKeys(h.config.redisPrefix).preflights;
    const record = (at: Date) =>
      JSON.stringify({
        at: at.toISOString(),
        results: [
          { name: "redis", ok: true, detail: "redis://127.0.0.1:6379 answers; maxmemory-policy noeviction" },
          {
            name: "ollama",
            ok: false,
            detail: "the model qwen2.5-coder:7b is not pulled <img src=x onerror=alert(1)>",
            fix: "ollama pull qwen2.5-coder:7b",
          },
        ],
      });
    await h.redis.hset(key, {
      "gpu-box:4242": record(new Date()),
      "old-box:1": record(new Date(Date.now() - 25 * 3600_000)),
      "broken-box:2": "{not json",
    });
    try {
      const auth = { authorization: `Bearer ${TOKEN}` };
      const api = (await (await fetch(`${base}/api/tonight`, { headers: auth })).json()) as {
        preflights: { worker: string; checks: { name: string; ok: boolean }[] }[];
      };
      expect(api.preflights.map((p) => p.worker)).toEqual(["gpu-box:4242"]);
      expect(api.preflights[0]!.checks).toEqual([
        expect.objectContaining({ name: "redis", ok: true }),
        expect.objectContaining({ name: "ollama", ok: false }),
      ]);
      expect(await h.redis.hkeys(key)).toEqual(["gpu-box:4242"]); // a day old or unreadable: dropped
      const operator = await (await fetch(`${base}/`, { headers: auth })).text();
      expect(operator).toContain("cannot work: ollama");
      expect(operator).toContain("fix: ollama pull qwen2.5-coder:7b");
      expect(operator).not.toContain("<img src=x");
      const { cookie } = await signIn(base, "reader");
      const reader = await (await fetch(`${base}/`, { headers: { cookie } })).text();
      expect(reader).toContain("cannot work: ollama");
      expect(reader).not.toContain("ollama pull");
    } finally {
      await h.redis.del(key);
    }
  });

  it("a stranger (no access on GitHub) sees none of the repository's runs and cannot act", async () => {
    const runId = await seedRun(h.redis, h.keys, { issue: 21, title: "Strangers must not see" });
    await queueRun(22, "Queued secret");
    const { cookie, csrf } = await signIn(base, "stranger");
    for (const path of ["/", "/history", "/api/runs", "/api/tonight"]) {
      const text = await (await fetch(`${base}${path}`, { headers: { cookie } })).text();
      expect(text, path).not.toContain("Strangers must not see");
      expect(text, path).not.toContain("Queued secret");
    }
    expect((await fetch(`${base}/runs/${encodeURIComponent(runId)}`, { headers: { cookie } })).status).toBe(404);
    const cancel = await fetch(`${base}/api/runs/${encodeURIComponent("acme/widgets#22")}/cancel`, {
      method: "POST",
      headers: { cookie, "x-csrf-token": csrf },
    });
    expect(cancel.status).toBe(403);
    expect(await h.runs.getJob("acme/widgets#22")).toBeDefined();
    // Nor may a non-operator pause the night.
    const pause = await fetch(`${base}/api/night/pause`, { method: "POST", headers: { cookie, "x-csrf-token": csrf } });
    expect(pause.status).toBe(403);
    expect(await h.runs.isPaused()).toBe(false);
  });

  it("every action needs the session's CSRF token and our own Origin; with both, a writer cancels", async () => {
    await queueRun(31);
    const { cookie, csrf } = await signIn(base, "writer");
    const action = `${base}/actions/runs/${encodeURIComponent("acme/widgets#31")}/cancel`;
    const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(action, {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams(fields),
        redirect: "manual",
      });
    expect((await form({})).status).toBe(403);
    expect((await form({ _csrf: "forged" })).status).toBe(403);
    expect((await form({ _csrf: csrf }, { origin: "http://evil.example" })).status).toBe(403);
    expect(await h.runs.getJob("acme/widgets#31")).toBeDefined();
    const ok = await form({ _csrf: csrf, back: "/" }, { origin: base });
    expect(ok.status).toBe(303);
    expect(await h.runs.getJob("acme/widgets#31")).toBeUndefined();
  });

  it("renders hostile run data inert: a transcript with <script> and HTML is shown as text", async () => {
    const hostile = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
    const runId = await seedRun(h.redis, h.keys, {
      issue: 41,
      title: `"><script>alert(1)</script>`,
      fields: { outcome: "stopped: repeated-action", stopReason: "repeated-action", prUrl: "javascript:alert(1)" },
      events: [
        { type: "turn_start", attempt: 1, turn: 1 },
        { type: "model_reply", turn: 1, promptTokens: 1, completionTokens: 1, text: hostile },
        { type: "observation", turn: 1, tool: "run", text: `</pre>${hostile}`, isError: false, durationMs: 1 },
        { type: "verdict", turn: 1, verdict: "stop", detector: "repeated-action", message: hostile, evidence: [1] },
      ],
    });
    const { cookie } = await signIn(base, "reader");
    const res = await fetch(`${base}/runs/${encodeURIComponent(runId)}`, { headers: { cookie } });
    const body = await res.text();
    expect(body).not.toContain("<script>window");
    expect(body).not.toContain("<script>alert");
    expect(body).not.toContain("<img src=x");
    expect(body).not.toContain('href="javascript:');
    expect(body).toContain("&lt;script&gt;window.__pwned=1&lt;/script&gt;");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  it("history: search by issue number or title, filter by outcome, and paginate", async () => {
    const prefixRepo = "acme/widgets";
    for (let i = 0; i < 60; i++)
      await seedRun(h.redis, h.keys, {
        issue: 1000 + i,
        repo: prefixRepo,
        title: i === 7 ? "Parser drops the last token" : `Routine ${i}`,
        at: new Date(Date.now() - i * 60_000),
        fields: i % 2 ? { outcome: "pr-opened" } : { outcome: "stopped: no-edit", stopReason: "no-edit" },
      });
    const { cookie } = await signIn(base, "reader");
    const api = async (query: string) =>
      (await (await fetch(`${base}/api/runs?${query}`, { headers: { cookie } })).json()) as {
        runs: { issue: string; title: string }[];
        total: number;
        pages: number;
      };
    expect((await api("q=%231007")).runs.map((r) => r.issue)).toEqual(["acme/widgets#1007"]);
    expect((await api("q=parser+drops")).runs.map((r) => r.title)).toEqual(["Parser drops the last token"]);
    expect((await api("stop=no-edit&q=routine")).total).toBe(30);
    const all = await api("q=routine");
    expect(all.total).toBe(59);
    expect(all.pages).toBe(2);
    expect((await api("q=routine&page=2")).runs).toHaveLength(9);
  });
});

describe("scripts and metrics", () => {
  it("the bearer token reads the JSON API, pauses the night and reads /metrics; a wrong token is refused", async () => {
    await seedRun(h.redis, h.keys, {
      issue: 51,
      at: new Date(Date.now() - 60_000),
      fields: {
        outcome: "pr-opened",
        stopReason: "finished",
        tokens: "1234",
        energyWh: "2.50",
        verdict: "accepted",
        agentAt: new Date(Date.now() - 50_000).toISOString(),
        endedAt: new Date().toISOString(),
      },
    });
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${base}/api/runs`, { headers: { authorization: `Bearer ${"x".repeat(40)}` } })).status).toBe(
      401,
    );
    const runs = (await (await fetch(`${base}/api/runs?q=51`, { headers: auth })).json()) as { total: number };
    expect(runs.total).toBe(1);
    expect((await fetch(`${base}/api/night/pause`, { method: "POST", headers: auth })).status).toBe(200);
    expect(await h.runs.isPaused()).toBe(true);
    const tonight = (await (await fetch(`${base}/api/tonight`, { headers: auth })).json()) as { paused: boolean };
    expect(tonight.paused).toBe(true);
    await fetch(`${base}/api/night/resume`, { method: "POST", headers: auth });
    expect(await h.runs.isPaused()).toBe(false);
    expect((await h.deliver("ping", { zen: "Keep it logically awesome." })).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`, { headers: auth })).text();
    expect(metrics).toMatch(/nightshift_intake_seconds_count\{status="200"\} [1-9]/);
    expect(metrics).toMatch(/nightshift_runs\{outcome="pr-opened",stop_reason="finished"\} [1-9]/);
    expect(metrics).toMatch(/nightshift_verification_verdicts\{verdict="accepted",stage=""\} [1-9]/);
    expect(metrics).toMatch(/nightshift_queue_depth\{state="delayed"\} \d/);
    expect(metrics).toMatch(/nightshift_energy_wh [1-9]/);
    expect(metrics).toMatch(/nightshift_stage_duration_seconds_count\{stage="agent"\} [1-9]/);
  });

  it("retention: runs past NIGHTSHIFT_RETENTION_DAYS go with their events and issue lists; newer stay", async () => {
    const now = Date.now();
    const old = await seedRun(h.redis, h.keys, {
      issue: 61,
      at: new Date(now - 91 * 24 * 3600_000),
      events: [{ type: "turn_start", turn: 1 }],
    });
    const recent = await seedRun(h.redis, h.keys, { issue: 62, at: new Date(now - 89 * 24 * 3600_000) });
    expect(await sweepHistory(h.redis, h.keys, 90, now)).toBeGreaterThanOrEqual(1);
    expect(await h.redis.exists(h.keys.run(old), h.keys.runEvents(old))).toBe(0);
    expect(await h.redis.zscore(h.keys.runIndex, old)).toBeNull();
    expect(await h.redis.zscore(h.keys.issueRuns(old.split("@")[0]!), old)).toBeNull();
    expect(await h.redis.exists(h.keys.run(recent))).toBe(1);
    expect(await h.redis.zscore(h.keys.issueRuns(recent.split("@")[0]!), recent)).not.toBeNull();
  });
});

describe("admin settings", () => {
  it("parse operators and retention, and say what to fix in a short token or a public URL with a path", () => {
    const config = loadEnvConfig({ NIGHTSHIFT_OPERATORS: "Alice, bob", NIGHTSHIFT_PUBLIC_URL: "https://ns.example" });
    expect(config.admin).toMatchObject({
      operators: ["alice", "bob"],
      retentionDays: 90,
      publicUrl: "https://ns.example",
    });
    expect(() => loadEnvConfig({ NIGHTSHIFT_ADMIN_TOKEN: "short" })).toThrow(/NIGHTSHIFT_ADMIN_TOKEN: .*openssl rand/);
    expect(() => loadEnvConfig({ NIGHTSHIFT_PUBLIC_URL: "https://ns.example/admin" })).toThrow(ConfigError);
    expect(() => loadEnvConfig({ NIGHTSHIFT_RETENTION_DAYS: "0" })).toThrow(/NIGHTSHIFT_RETENTION_DAYS/);
  });
});
