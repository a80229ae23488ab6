/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are arbitrary JSON each route reads */
import { execFileSync, spawn } from "node:child_process";
import { createPublicKey, createVerify, type KeyObject } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeOAuth, type FakeOAuth } from "./fake-github-oauth.js";

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

export interface FakePull {
  number: number;
  repo: string;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  state: "open" | "closed";
  merged: boolean;
  html_url: string;
  /** Logins asked to review (pulls.requestReviewers), in order, repeats kept. */
  requestedReviewers: string[];
  /** Head commit when no hosted repository has the branch (tests that seed PRs by hand). */
  headSha?: string;
}

/** An issue in the fake: what tests seed, plus what Nightshift creates (the report issue). */
export interface FakeIssue {
  title: string;
  body: string;
  state?: "open" | "closed";
  labels?: string[];
  user?: { login: string; type: string };
}

/** What the fake's CI reports for commits pushed to a branch: a check suite's conclusion, or nothing. */
export type FakeCi = "success" | "failure" | "pending" | "none";

export interface FakeComment {
  id: number;
  issue: string;
  body: string;
  user: { login: string; type: string };
}

export interface FakeHookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
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
  /** The manifest flow: the one code GitHub accepts, and the private key it hands over for it. */
  manifest: { code: string; pem: string };
  /** Labels created through the API, by "owner/repo" (lower case). */
  labels: Map<string, { name: string; color: string; description?: string }[]>;
  /** Accounts the App is installed on (GET /app/installations). */
  installations: { id: number; account: { login: string } }[];
  /** The App's webhook: its URL and the deliveries GitHub lists for it, newest first (GET /app/hook/...). */
  hook: { url: string; deliveries: FakeHookDelivery[] };
  pulls: FakePull[];
  /** Issues by "owner/repo#n" (lower case): title and body. */
  issues: Map<string, FakeIssue>;
  /** Inline comments of a review, by "owner/repo#pr/reviewId" (lower case). */
  reviewComments: Map<string, { body: string; path: string; line: number }[]>;
  /** CI outcome the fake reports for each pushed commit (default success). */
  ci: { outcome: FakeCi };
  /** The OAuth web flow for the admin page's sign-in (test/support/fake-github-oauth.ts). */
  oauth: FakeOAuth;
  /** Directory of bare repositories served over git smart HTTP at /{owner}/{repo}.git. */
  gitRoot: string;
  /** Makes a bare repository for owner/repo from a local repository; returns nothing. */
  hostRepo(ownerRepo: string, source: string): void;
  /** Head SHA of a branch in a hosted repository, or undefined. */
  branchSha(ownerRepo: string, branch: string): string | undefined;
  /** Answer the next `times` requests matching `method path` with `status` (and a message and headers). */
  failNext(
    method: string,
    path: RegExp,
    status: number,
    times?: number,
    reply?: { message?: string; headers?: Record<string, string> },
  ): void;
  /** Delay every answer by `ms` (to widen race windows). */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

const BOT = { login: "nightshift[bot]", type: "Bot" };
const ROLE_TO_PERMISSION: Record<string, string> = {
  admin: "admin",
  maintain: "write",
  write: "write",
  triage: "read",
  read: "read",
};

export async function startFakeGitHub(
  options: { publicKeyPem?: string; app?: Partial<FakeGitHub["app"]> } = {},
): Promise<FakeGitHub> {
  const repos = new Map<string, FakeRepo>();
  const comments: FakeComment[] = [];
  const reactions: FakeGitHub["reactions"] = [];
  const requests: LoggedRequest[] = [];
  const faults: {
    method: string;
    path: RegExp;
    status: number;
    times: number;
    message?: string;
    headers?: Record<string, string>;
  }[] = [];
  const tokens = new Set<string>();
  const pulls: FakePull[] = [];
  const issues = new Map<string, FakeIssue>();
  const reviewComments = new Map<string, { body: string; path: string; line: number }[]>();
  const pullJson = (p: FakePull) => ({
    ...p,
    head: {
      ref: p.head,
      sha: branchSha(p.repo, p.head) ?? p.headSha ?? "0".repeat(40),
      label: `${p.repo.split("/")[0]}:${p.head}`,
      repo: { full_name: p.repo },
    },
    base: { ref: p.base, repo: { full_name: p.repo } },
    merged_at: p.merged ? new Date().toISOString() : null,
    requested_reviewers: p.requestedReviewers.map((login) => ({ login })),
  });
  const issueJson = (key: string, issue: FakeIssue) => ({
    number: Number(key.split("#")[1]),
    state: "open",
    ...issue,
    labels: (issue.labels ?? []).map((name) => ({ name })),
    user: issue.user ?? { login: "someone", type: "User" },
  });
  const ci = { outcome: "success" as FakeCi };
  const gitRoot = mkdtempSync(join(tmpdir(), "nightshift-fake-git-"));
  const bare = (ownerRepo: string) => join(gitRoot, `${ownerRepo.toLowerCase()}.git`);
  const branchSha = (ownerRepo: string, branch: string) => {
    try {
      return (
        execFileSync("git", ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], {
          cwd: bare(ownerRepo),
          encoding: "utf8",
        }).trim() || undefined
      );
    } catch {
      return undefined;
    }
  };
  /** Output of git in a hosted bare repository, or undefined when git fails. */
  const gitIn = (ownerRepo: string, args: string[]) => {
    try {
      return execFileSync("git", args, { cwd: bare(ownerRepo), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      return undefined;
    }
  };
  const publicKey: KeyObject | undefined = options.publicKeyPem ? createPublicKey(options.publicKeyPem) : undefined;
  let latency = 0;
  let nextId = 1000;
  const app = {
    id: 1,
    slug: "nightshift",
    permissions: {
      metadata: "read",
      issues: "write",
      pull_requests: "write",
      contents: "write",
      checks: "read",
      statuses: "read",
      actions: "read",
    },
    events: ["issues", "issue_comment", "pull_request_review", "check_suite", "workflow_run"],
    ...options.app,
  };

  const repo = (m: RegExpMatchArray): FakeRepo | undefined => repos.get(`${m[1]}/${m[2]}`.toLowerCase());

  const manifest: FakeGitHub["manifest"] = { code: "manifestcode123", pem: "" };
  const labels: FakeGitHub["labels"] = new Map();
  const installations: FakeGitHub["installations"] = [{ id: 1, account: { login: "octo" } }];
  const hook: FakeGitHub["hook"] = { url: "https://nightshift.example.com/api/github/webhooks", deliveries: [] };
  const routes: [string, RegExp, Handler][] = [
    ["GET", /^\/app\/installations$/, () => [200, installations]],
    [
      "POST",
      /^\/repos\/([^/]+)\/([^/]+)\/labels$/,
      (m, body) => {
        const repoLabels = labels.get(`${m[1]}/${m[2]}`.toLowerCase()) ?? [];
        if (repoLabels.some((l) => l.name.toLowerCase() === String(body.name).toLowerCase()))
          return [422, { message: "Validation Failed", errors: [{ resource: "Label", code: "already_exists" }] }];
        repoLabels.push({ name: body.name, color: body.color, description: body.description });
        labels.set(`${m[1]}/${m[2]}`.toLowerCase(), repoLabels);
        return [201, { name: body.name, color: body.color }];
      },
    ],
    [
      "POST",
      /^\/app-manifests\/(\w+)\/conversions$/,
      (m) =>
        m[1] === manifest.code
          ? [
              201,
              {
                id: app.id,
                slug: app.slug,
                html_url: `http://fake/apps/${app.slug}`,
                pem: manifest.pem,
                webhook_secret: "whsec-from-github",
                client_id: "Iv1.fakeclient",
                client_secret: "fakeclientsecret0123",
              },
            ]
          : [404, { message: "Not Found" }],
    ],
    ["GET", /^\/app\/hook\/config$/, () => [200, { url: hook.url, content_type: "json", insecure_ssl: "0" }]],
    ["GET", /^\/app\/hook\/deliveries$/, () => [200, hook.deliveries.slice(0, 1)]],
    [
      "GET",
      /^\/app$/,
      () => [200, { id: app.id, slug: app.slug, name: "Nightshift", permissions: app.permissions, events: app.events }],
    ],
    [
      "POST",
      /^\/app\/installations\/(\d+)\/access_tokens$/,
      (m) => {
        const token = `ghs_fake${m[1]}x${nextId++}`;
        tokens.add(token);
        return [
          201,
          {
            token,
            expires_at: new Date(Date.now() + 3600_000).toISOString(),
            permissions: app.permissions,
            repository_selection: "all",
          },
        ];
      },
    ],
    [
      "GET",
      /^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/,
      (m) => {
        const r = repo(m);
        const role = r?.roles[decodeURIComponent(m[3]!)];
        if (!r || !role) return [404, { message: "Not Found" }];
        return [200, { permission: ROLE_TO_PERMISSION[role], role_name: role, user: { login: m[3] } }];
      },
    ],
    [
      "GET",
      /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/,
      (m, _b, req) => {
        const path = decodeURIComponent(m[3]!);
        const ref = new URL(req.url ?? "/", "http://fake").searchParams.get("ref") ?? "HEAD";
        const content =
          repo(m)?.files[path] ??
          (existsSync(bare(`${m[1]}/${m[2]}`)) ? gitIn(`${m[1]}/${m[2]}`, ["show", `${ref}:${path}`]) : undefined);
        if (content === undefined) return [404, { message: "Not Found" }];
        if (String(req.headers.accept).includes("raw"))
          return [200, content, { "content-type": "application/vnd.github.raw; charset=utf-8" }];
        return [200, { type: "file", encoding: "base64", content: Buffer.from(content).toString("base64") }];
      },
    ],
    [
      "GET",
      /^\/repos\/([^/]+)\/([^/]+)\/git\/trees\/([^/]+)$/,
      (m) => {
        // The root of a hosted repository's commit, or of the `files` map (sizes from the content).
        const ownerRepo = `${m[1]}/${m[2]}`;
        const ref = decodeURIComponent(m[3]!);
        if (existsSync(bare(ownerRepo))) {
          const listing = gitIn(ownerRepo, ["ls-tree", "-l", ref]);
          if (listing === undefined) return [404, { message: "Not Found" }];
          const tree = listing
            .split("\n")
            .filter(Boolean)
            .map((line) => {
              const [meta, path] = line.split("\t") as [string, string];
              const [mode, type, sha, size] = meta.split(/\s+/);
              return { path, mode, type, sha, ...(type === "blob" ? { size: Number(size) } : {}) };
            });
          return [200, { sha: ref, tree, truncated: false }];
        }
        const r = repo(m);
        if (!r) return [404, { message: "Not Found" }];
        const names = new Map<string, number | undefined>();
        for (const [path, content] of Object.entries(r.files)) {
          const [top, ...rest] = path.split("/");
          names.set(top!, rest.length > 0 ? undefined : Buffer.byteLength(content));
        }
        const tree = [...names].map(([path, size]) =>
          size === undefined ? { path, type: "tree", mode: "040000" } : { path, type: "blob", mode: "100644", size },
        );
        return [200, { sha: ref, tree, truncated: false }];
      },
    ],
    [
      "POST",
      /^\/repos\/([^/]+)\/([^/]+)\/git\/refs$/,
      (m, body) => {
        const ownerRepo = `${m[1]}/${m[2]}`;
        const ref = String(body.ref);
        if (!existsSync(bare(ownerRepo))) return [404, { message: "Not Found" }];
        if (gitIn(ownerRepo, ["rev-parse", "--verify", "--quiet", ref]))
          return [422, { message: "Reference already exists" }];
        if (gitIn(ownerRepo, ["update-ref", ref, String(body.sha)]) === undefined)
          return [422, { message: "Object does not exist" }];
        return [201, { ref, object: { sha: body.sha, type: "commit" } }];
      },
    ],
    [
      "PUT",
      /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/,
      (m, body) => {
        // A commit on `branch` adding or replacing one file, made with plumbing in the bare repository.
        const ownerRepo = `${m[1]}/${m[2]}`;
        const path = decodeURIComponent(m[3]!);
        const branch = String(body.branch);
        const parent = branchSha(ownerRepo, branch);
        if (!parent) return [404, { message: "Branch not found" }];
        const index = join(gitRoot, `index-${nextId++}`);
        const env = {
          ...process.env,
          GIT_INDEX_FILE: index,
          GIT_AUTHOR_NAME: "nightshift[bot]",
          GIT_AUTHOR_EMAIL: "bot@example.invalid",
          GIT_COMMITTER_NAME: "nightshift[bot]",
          GIT_COMMITTER_EMAIL: "bot@example.invalid",
        };
        const git = (args: string[], input?: Buffer) =>
          execFileSync("git", args, { cwd: bare(ownerRepo), env, input, encoding: "utf8" }).trim();
        try {
          git(["read-tree", parent]);
          const blob = git(["hash-object", "-w", "--stdin"], Buffer.from(String(body.content), "base64"));
          git(["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`]);
          const commit = git(["commit-tree", git(["write-tree"]), "-p", parent, "-m", String(body.message)]);
          git(["update-ref", `refs/heads/${branch}`, commit]);
          return [201, { content: { path }, commit: { sha: commit } }];
        } finally {
          rmSync(index, { force: true });
        }
      },
    ],
    [
      "GET",
      /^\/repos\/([^/]+)\/([^/]+)\/branches\/([^/]+)$/,
      (m) => {
        const r = repo(m);
        const branch = decodeURIComponent(m[3]!);
        const hosted = branchSha(`${m[1]}/${m[2]}`, branch);
        if (hosted) return [200, { name: branch, commit: { sha: hosted } }];
        if (!r || r.defaultBranch !== branch) return [404, { message: "Branch not found" }];
        return [200, { name: r.defaultBranch, commit: { sha: r.headSha } }];
      },
    ],
    [
      "GET",
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/,
      (m) => {
        const key = `${m[1]}/${m[2]}#${m[3]}`.toLowerCase();
        const issue = issues.get(key);
        return issue ? [200, issueJson(key, issue)] : [404, { message: "Not Found" }];
      },
    ],
    [
      "GET",
      /^\/repos\/([^/]+)\/([^/]+)\/issues$/,
      (m, _b, req) => {
        const url = new URL(req.url ?? "/", "http://fake");
        const labels = (url.searchParams.get("labels") ?? "").split(",").filter(Boolean);
        const state = url.searchParams.get("state") ?? "open";
        const prefix = `${m[1]}/${m[2]}#`.toLowerCase();
        return [
          200,
          [...issues.entries()]
            .filter(([key]) => key.startsWith(prefix))
            .filter(([, i]) => state === "all" || (i.state ?? "open") === state)
            .filter(([, i]) => labels.every((l) => (i.labels ?? []).includes(l)))
            .map(([key, i]) => issueJson(key, i)),
        ];
      },
    ],
    [
      "POST",
      /^\/repos\/([^/]+)\/([^/]+)\/issues$/,
      (m, body) => {
        const key = `${m[1]}/${m[2]}#${nextId++}`.toLowerCase();
        const issue: FakeIssue = {
          title: String(body.title),
          body: String(body.body ?? ""),
          state: "open",
          labels: ((body.labels ?? []) as string[]).map(String),
          user: BOT,
        };
        issues.set(key, issue);
        return [201, issueJson(key, issue)];
      },
    ],
    [
      "PATCH",
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/,
      (m, body) => {
        const key = `${m[1]}/${m[2]}#${m[3]}`.toLowerCase();
        const issue = issues.get(key);
        if (!issue) return [404, { message: "Not Found" }];
        if (body.title !== undefined) issue.title = String(body.title);
        if (body.body !== undefined) issue.body = String(body.body);
        if (body.state !== undefined) issue.state = body.state;
        if (body.labels !== undefined) issue.labels = (body.labels as string[]).map(String);
        return [200, issueJson(key, issue)];
      },
    ],
    [
      "GET",
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
      (m) => {
        const issue = `${m[1]}/${m[2]}#${m[3]}`.toLowerCase();
        return [200, comments.filter((c) => c.issue === issue)];
      },
    ],
    [
      "POST",
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
      (m, body) => {
        const comment = {
          id: nextId++,
          issue: `${m[1]}/${m[2]}#${m[3]}`.toLowerCase(),
          body: String(body.body),
          user: BOT,
        };
        comments.push(comment);
        return [201, comment];
      },
    ],
    [
      "PATCH",
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/,
      (m, body) => {
        const comment = comments.find((c) => c.id === Number(m[3]));
        if (!comment) return [404, { message: "Not Found" }];
        comment.body = String(body.body);
        return [200, comment];
      },
    ],
    [
      "POST",
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)\/reactions$/,
      (m, body) => {
        reactions.push({ commentId: Number(m[3]), content: String(body.content) });
        return [201, { id: nextId++, content: body.content }];
      },
    ],
    [
      "GET",
      /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/check-suites$/,
      () => {
        if (ci.outcome === "none") return [200, { total_count: 0, check_suites: [] }];
        const completed = ci.outcome !== "pending";
        return [
          200,
          {
            total_count: 1,
            check_suites: [
              {
                id: 1,
                status: completed ? "completed" : "in_progress",
                conclusion: completed ? ci.outcome : null,
                app: { slug: "github-actions" },
              },
            ],
          },
        ];
      },
    ],
    [
      "GET",
      /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/status$/,
      () => [200, { state: "pending", total_count: 0, statuses: [] }],
    ],
    [
      "GET",
      /^\/repos\/([^/]+)\/([^/]+)\/pulls$/,
      (m, _b, req) => {
        const url = new URL(req.url ?? "/", "http://fake");
        const head = url.searchParams.get("head");
        const state = url.searchParams.get("state") ?? "open";
        const repoName = `${m[1]}/${m[2]}`.toLowerCase();
        return [
          200,
          pulls
            .filter(
              (p) =>
                p.repo === repoName &&
                (!head || `${m[1]}:${p.head}`.toLowerCase() === head.toLowerCase()) &&
                (state === "all" || p.state === state),
            )
            .map(pullJson),
        ];
      },
    ],
    [
      "POST",
      /^\/repos\/([^/]+)\/([^/]+)\/pulls$/,
      (m, body) => {
        const repoName = `${m[1]}/${m[2]}`.toLowerCase();
        if (!branchSha(repoName, String(body.head)))
          return [422, { message: "Validation Failed: head does not exist" }];
        const number = nextId++;
        const pull: FakePull = {
          number,
          repo: repoName,
          title: String(body.title),
          body: String(body.body),
          head: String(body.head),
          base: String(body.base),
          draft: body.draft === true,
          state: "open",
          merged: false,
          html_url: `https://github.example/${repoName}/pull/${number}`,
          requestedReviewers: [],
        };
        pulls.push(pull);
        return [201, pullJson(pull)];
      },
    ],
    [
      "GET",
      /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/,
      (m) => {
        const pull = pulls.find((p) => p.number === Number(m[3]) && p.repo === `${m[1]}/${m[2]}`.toLowerCase());
        return pull ? [200, pullJson(pull)] : [404, { message: "Not Found" }];
      },
    ],
    [
      "POST",
      /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/requested_reviewers$/,
      (m, body) => {
        const pull = pulls.find((p) => p.number === Number(m[3]) && p.repo === `${m[1]}/${m[2]}`.toLowerCase());
        if (!pull) return [404, { message: "Not Found" }];
        const roles = repos.get(pull.repo)?.roles ?? {};
        const reviewers = ((body.reviewers ?? []) as string[]).map(String);
        if (reviewers.some((r) => !roles[r]))
          return [422, { message: "Reviews may only be requested from collaborators." }];
        pull.requestedReviewers.push(...reviewers);
        return [201, pullJson(pull)];
      },
    ],
    [
      "GET",
      /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/reviews\/(\d+)\/comments$/,
      (m) => [200, reviewComments.get(`${m[1]}/${m[2]}#${m[3]}/${m[4]}`.toLowerCase()) ?? []],
    ],
    [
      "PATCH",
      /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/,
      (m, body) => {
        const pull = pulls.find((p) => p.number === Number(m[3]));
        if (!pull) return [404, { message: "Not Found" }];
        Object.assign(
          pull,
          body.title ? { title: body.title } : {},
          body.body ? { body: body.body } : {},
          body.state ? { state: body.state } : {},
        );
        return [200, pullJson(pull)];
      },
    ],
    [
      "DELETE",
      /^\/repos\/([^/]+)\/([^/]+)\/git\/refs\/heads\/(.+)$/,
      (m) => {
        const repoName = `${m[1]}/${m[2]}`;
        const branch = decodeURIComponent(m[3]!);
        if (!branchSha(repoName, branch)) return [422, { message: "Reference does not exist" }];
        execFileSync("git", ["update-ref", "-d", `refs/heads/${branch}`], { cwd: bare(repoName) });
        return [204, ""];
      },
    ],
  ];

  function authorised(req: IncomingMessage, path: string): boolean {
    const auth = req.headers.authorization ?? "";
    if (path.startsWith("/app-manifests/")) return true; // the manifest flow's code is the credential
    if (path === "/app" || path.startsWith("/app/"))
      return auth.startsWith("bearer ") && validJwt(auth.slice(7), publicKey);
    return auth.startsWith("token ") && tokens.has(auth.slice(6));
  }

  const signIn = createFakeOAuth(repos);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (await signIn.serve(req, res)) return;
    const gitPath = /^\/([^/]+\/[^/]+\.git)(\/.*)$/.exec((req.url ?? "").split("?")[0]!);
    if (gitPath) return serveGit(req, res, gitPath[1]!, gitPath[2]!);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const body = raw ? JSON.parse(raw) : undefined;
    const url = new URL(req.url ?? "/", "http://fake");
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v3/, "");
    requests.push({
      method: req.method ?? "GET",
      path: url.pathname + url.search,
      authorization: req.headers.authorization,
      body,
      at: Date.now(),
    });
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      const text = typeof data === "string" ? data : JSON.stringify(data);
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(text);
    };
    const fault = faults.find((f) => f.method === req.method && f.path.test(path) && f.times > 0);
    if (fault) {
      fault.times--;
      return send(fault.status, { message: fault.message ?? `scripted ${fault.status}` }, fault.headers);
    }
    if (!authorised(req, path)) return send(401, { message: "Bad credentials" });
    for (const [method, pattern, handler] of routes) {
      const match = method === req.method ? path.match(pattern) : null;
      if (match) return send(...handler(match, body ?? {}, req));
    }
    send(404, { message: `fake GitHub has no route for ${req.method} ${path}` });
  }

  /** git smart HTTP through `git http-backend`, with the installation token checked like GitHub does. */
  async function serveGit(req: IncomingMessage, res: ServerResponse, repoPath: string, rest: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    requests.push({
      method: req.method ?? "GET",
      path: url.pathname + url.search,
      authorization: req.headers.authorization,
      body: undefined,
      at: Date.now(),
    });
    const basic = /^basic (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const [user, password] = basic ? Buffer.from(basic, "base64").toString("utf8").split(":") : [];
    if (user !== "x-access-token" || !password || !tokens.has(password)) {
      res
        .writeHead(401, { "www-authenticate": 'Basic realm="GitHub"', "content-type": "text/plain" })
        .end("Authentication failed");
      return;
    }
    if (!existsSync(join(gitRoot, repoPath.toLowerCase()))) {
      res.writeHead(404).end("Repository not found");
      return;
    }
    const child = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: gitRoot,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: `/${repoPath.toLowerCase()}${rest}`,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? "GET",
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"]) } : {}),
        REMOTE_USER: "x-access-token",
        REMOTE_ADDR: "127.0.0.1",
      },
    });
    req.pipe(child.stdin);
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    await new Promise((resolve) => child.on("close", resolve));
    const output = Buffer.concat(chunks);
    const split = output.indexOf("\r\n\r\n");
    const head = output.subarray(0, split).toString("utf8");
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head.split("\r\n")) {
      const [name, ...value] = line.split(": ");
      if (name!.toLowerCase() === "status") status = Number(value.join(": ").split(" ")[0]);
      else headers[name!] = value.join(": ");
    }
    res.writeHead(status, headers).end(output.subarray(split + 4));
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
    installations,
    labels,
    hook,
    manifest,
    pulls,
    issues,
    reviewComments,
    ci,
    oauth: signIn.oauth,
    gitRoot,
    hostRepo(ownerRepo, source) {
      execFileSync("git", ["clone", "--quiet", "--bare", source, bare(ownerRepo)]);
      execFileSync("git", ["config", "http.receivepack", "true"], { cwd: bare(ownerRepo) });
    },
    branchSha,
    failNext: (method, path, status, times = 1, reply = {}) => faults.push({ method, path, status, times, ...reply }),
    setLatency: (ms) => (latency = ms),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        rmSync(gitRoot, { recursive: true, force: true });
      }),
  };
}

/** RS256 app JWTs are checked against the App's public key when one is given. */
function validJwt(jwt: string, publicKey: KeyObject | undefined): boolean {
  const [header, payload, signature] = jwt.split(".");
  if (!header || !payload || !signature) return false;
  if (!publicKey) return true;
  return createVerify("RSA-SHA256")
    .update(`${header}.${payload}`)
    .verify(publicKey, Buffer.from(signature, "base64url"));
}
