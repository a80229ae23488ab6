/**
 * npm run render:examples [-- <out-dir>] — renders an example morning report and an example draft-PR body
 * from Nightshift's own Markdown builders (src/morning/report-body.ts, src/publish/pr-body.ts), as GitHub-
 * flavoured Markdown → HTML (marked, GFM: tables and task lists) with GitHub-like styles, and screenshots
 * each page in real Chromium. Output (default test/artifacts/morning-examples/, git-ignored): .md, .html, .png.
 * Chromium: /usr/bin/chromium, or CHROMIUM_PATH.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { marked } from "marked";
import { chromium } from "playwright-core";
import { DateTime } from "luxon";
import { ADMIN_CSS } from "../src/admin/assets.js";
import { morningPage } from "../src/admin/pages/morning-page.js";
import { describeRun } from "../src/morning/describe-run.js";
import type { NightRow, RepoMorning } from "../src/morning/morning-overview.js";
import type { NightData } from "../src/morning/night-data.js";
import { reportBody } from "../src/morning/report-body.js";
import { prBody } from "../src/publish/pr-body.js";
import { neutraliseOutput } from "../src/text/neutralise-output.js";

const out = resolve(process.argv[2] ?? "test/artifacts/morning-examples");
mkdirSync(out, { recursive: true });

const at = (h: number) => new Date(Date.UTC(2026, 10, 21, h, 0)).toISOString();
const night: NightData = {
  repo: "acme/widgets",
  since: new Date(at(5 - 24)),
  until: new Date(at(5)),
  openPulls: [
    { number: 1012, title: "Nightshift: fix for #7: add() subtracts", url: "", requester: "alice", issue: 7 },
    { number: 1015, title: "Nightshift: fix for #21: parse dates in UTC", url: "", requester: "bob", issue: 21 },
  ],
  runs: [
    {
      runId: "r7",
      issue: "acme/widgets#7",
      title: "add() subtracts",
      outcome: "pr-opened",
      prNumber: "1012",
      verdict: "accepted",
      agentAt: at(22 - 24),
      verifyAt: at(23 - 24),
      energyWh: "41.3",
      tokens: "52000",
    },
    {
      runId: "r8",
      issue: "acme/widgets#8",
      title: "Totals drift @everyone fixes #1 <img src=x>",
      outcome: "stopped: repeated-action",
      why: "the model kept repeating the same action and getting the same result",
      agentAt: at(23 - 24),
      endedAt: at(0),
      energyWh: "33.0",
      tokens: "91000",
    },
    {
      runId: "r9",
      issue: "acme/widgets#9",
      title: "mul() overflows",
      outcome: "verifying",
      verdict: "rejected",
      verifyEvidence: JSON.stringify({ stage: "tamper", rejections: [{ rule: "test-modified" }] }),
      salvaged: "true",
      salvagedBecause: "it used its whole turn budget without finishing",
      agentAt: at(0),
      verifyAt: at(1),
      energyWh: "38.2",
      tokens: "120000",
    },
    {
      runId: "r10",
      issue: "acme/widgets#10",
      title: "stats rounding",
      outcome: "branch-pushed",
      branch: "nightshift/issue-10",
      why:
        "the repository has 2 open Nightshift PRs already (limit `open_pr_limit: 2`); review or close some, " +
        "then comment `/agent retry` for a PR",
      verdict: "accepted",
      salvaged: "true",
      salvagedBecause: "its edits stopped making the tests any better",
      agentAt: at(1),
      verifyAt: at(2),
      energyWh: "29.9",
      tokens: "64000",
    },
    {
      runId: "r11",
      issue: "acme/widgets#11",
      title: "install fails on CI image",
      outcome: "setup-failed",
      why: "the setup command `npm ci` failed (exit 1)",
      tokens: "0",
    },
    {
      runId: "r21",
      issue: "acme/widgets#21",
      title: "parse dates in UTC",
      outcome: "pr-opened",
      prNumber: "1015",
      verdict: "accepted",
      agentAt: at(2),
      verifyAt: at(3),
      energyWh: "25.4",
      tokens: "47000",
    },
  ],
  queued: [
    { issue: 30, title: "CSV export drops the header", requester: "carol", plannedStart: at(21), immediate: false },
  ],
};
const report = reportBody(night, {
  timeZone: "Europe/Berlin",
  windowText: "22:00-06:00",
  now: new Date(at(5)),
  done: new Map([[11, "queued for tonight by @dave"]]),
}).body;

const pr = prBody({
  issue: 7,
  run: {
    summary: neutraliseOutput("`add()` subtracted its arguments; it adds them now. See @alice's note in #7."),
    turns: 6,
    tokens: 52_000,
    durationMs: 11 * 60_000,
    energyWh: 41.3,
    stopReason: "finished",
  },
  pushed: { sha: "9f1c2d3e4b5a69788796a5b4c3d2e1f001234567", files: [{ path: "calc/ops.py", added: 1, removed: 1 }] },
  verification: {
    verdict: "accepted",
    stage: "tests",
    rejections: [],
    tests: { passed: true, exitCode: 1, output: "", durationMs: 3400, timedOut: false },
    reproduction: {
      kind: "reproduced",
      fixed: ["tests.test_ops.OpsTest.test_add", "tests.test_stats.StatsTest.test_total"],
    },
    evidence: {
      runs: [
        { label: "base", source: "unittest", passed: 1, failed: 2, skipped: 0, canaries: { c1: "failed" } },
        { label: "patched", source: "unittest", passed: 3, failed: 0, skipped: 0, canaries: { c2: "failed" } },
      ],
      baseTestsRun: "same as the patched run",
      fixed: ["tests.test_ops.OpsTest.test_add", "tests.test_stats.StatsTest.test_total"],
      problems: [],
      requireReproduction: true,
    },
    durationMs: 9000,
  },
  ci: "GitHub checks green on 9f1c2d3e4b5a (1 check suite(s) and 0 status(es) green)",
  testCommand: "python3 -m unittest -q 2>&1",
  about: {
    requester: "alice",
    baseSha: "4e5d6c7b8a9f0e1d2c3b4a5968778695a4b3c2d1",
    model: "qwen2.5-coder:7b",
    runId: "acme/widgets#7@1763762400000",
    runUrl: "https://nightshift.example/runs/acme%2Fwidgets%237%401763762400000",
    followUpLimit: 3,
  },
});

const STYLE = `body{font:14px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;max-width:880px;
margin:24px auto;padding:0 24px}h1{font-size:24px;border-bottom:1px solid #d1d9e0;padding-bottom:8px}
h2,h3{border-bottom:1px solid #d1d9e0;padding-bottom:4px;margin-top:24px}code{background:#eff1f3;padding:.1em .3em;
border-radius:4px;font-size:85%}table{border-collapse:collapse}td,th{border:1px solid #d1d9e0;padding:4px 12px}
th{background:#f6f8fa}blockquote{border-left:4px solid #d1d9e0;margin:0;padding:0 12px;color:#59636e}
ul.contains-task-list,li.task-list-item{list-style:none}
.frame{border:1px solid #d1d9e0;border-radius:6px;padding:8px 16px}
.meta{color:#59636e;margin-bottom:8px}`;

async function render(name: string, title: string, markdown: string): Promise<string> {
  const body = await marked.parse(markdown, { gfm: true });
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style></head>` +
    `<body><h1>${title}</h1><div class="meta">nightshift[bot] · rendered from Nightshift's Markdown (GFM)</div>` +
    `<div class="frame">${body}</div></body></html>`;
  writeFileSync(join(out, `${name}.md`), markdown);
  writeFileSync(join(out, `${name}.html`), html);
  return join(out, `${name}.html`);
}

/** The admin page's Morning view over 30 synthetic nights, with the admin stylesheet inlined (file://). */
function adminMorning(): string {
  const nights: NightRow[] = Array.from({ length: 30 }, (_, i) => {
    const runs = (i * 7) % 5;
    const prs = Math.min(runs, i % 3);
    const kept = runs - prs > 0 && i % 4 === 0 ? 1 : 0;
    const wattHours = runs * (28 + ((i * 13) % 17));
    return {
      night: DateTime.fromISO("2026-10-22").plus({ days: i }).toISODate()!,
      runs,
      prs,
      kept,
      noPr: runs - prs - kept,
      gpuHours: runs * 0.4,
      wattHours,
      unmeasured: 0,
      verifiedFixes: prs + kept,
      whPerFix: prs + kept > 0 ? wattHours / (prs + kept) : undefined,
      tokens: runs * 61_000,
    };
  });
  const repos: RepoMorning[] = [
    { repo: "acme/widgets", lastNight: night.runs.map((run) => ({ run, words: describeRun(run) })), nights },
  ];
  const viewer = { login: "alice", operator: false, csrf: "", permission: () => "read" as const };
  const page = morningPage(repos, viewer)
    .text.replace(/<link rel="stylesheet"[^>]*>/, `<style>${ADMIN_CSS}</style>`)
    .replace(/<script[^>]*><\/script>/, "");
  const file = join(out, "admin-morning.html");
  writeFileSync(file, page);
  return file;
}

const pages = [
  await render("morning-report", "Nightshift morning report #1001", report),
  await render("pr-body", "Nightshift: fix for #7: add() subtracts #1012 (draft)", pr),
  adminMorning(),
];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  const page = await browser.newPage({ viewport: { width: 960, height: 900 } });
  for (const html of pages) {
    await page.goto(pathToFileURL(html).href, { waitUntil: "load" });
    const png = html.replace(/\.html$/, ".png");
    await page.screenshot({ path: png, fullPage: true });
    console.log(png);
  }
} finally {
  await browser.close();
}
