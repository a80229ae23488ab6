import { DateTime } from "luxon";
import { neutraliseLine, neutraliseSentence as said, quietMention } from "../text/neutralise-output.js";
import { describeRun } from "./describe-run.js";
import type { NightData, RunFields } from "./night-data.js";
import { figureCells, nightFigures } from "./night-figures.js";

export const REPORT_MARKER = "<!-- nightshift:morning-report -->";
export const REPORT_TITLE = "Nightshift morning report";

/** A checkbox the report offers: ticking it asks for a run of `issue` tonight. */
export interface ReportItem {
  issue: number;
  action: "retry";
}

/** The hidden marker of one checkbox; only markers of items Nightshift rendered are honoured. */
export const itemMarker = (item: ReportItem) => `<!-- nightshift:${item.action}:${item.issue} -->`;

/** Who asked, without pinging them every morning. */
const who = (login: string | undefined) => (login ? quietMention(login) : "unknown");
const line = (text: string | undefined, max = 200) => neutraliseLine(text ?? "", max);

/**
 * The report issue's body: one Markdown document, rebuilt whole each time. Everything that came from
 * anyone but Nightshift (titles, logins, stop messages) is neutralised; the checkboxes carry markers.
 */
export function reportBody(
  night: NightData,
  o: { timeZone: string; windowText: string; now: Date; done?: Map<number, string> },
): { body: string; items: ReportItem[] } {
  const items: ReportItem[] = [];
  const zone = (d: Date | string) =>
    DateTime.fromJSDate(typeof d === "string" ? new Date(d) : d, { zone: o.timeZone }).toFormat("yyyy-LL-dd HH:mm");
  const latest = latestPerIssue(night.runs);
  const queuedIssues = new Set(night.queued.map((q) => q.issue));
  const words = latest.map((run) => ({ run, words: describeRun(run) }));
  const noPr = words.filter((w) => w.words.kind === "no-pr");
  const kept = words.filter((w) => w.words.kind === "kept");
  const salvaged = night.runs.filter((r) => r.salvaged === "true");
  const figures = nightFigures(night.runs);

  const out = [
    REPORT_MARKER,
    `**${REPORT_TITLE}** for \`${night.repo}\` — runs from ${zone(night.since)} to ${zone(night.until)} ` +
      `(${o.timeZone}; the window is ${o.windowText}). Updated ${zone(o.now)}; Nightshift edits this issue in ` +
      "place every morning.",
    "",
    `### Draft PRs ready for review (${night.openPulls.length})`,
    ...(night.openPulls.length === 0 ? ["None open."] : []),
    ...night.openPulls.map(
      (p) =>
        `- #${p.number} — ${line(p.title, 120)} — asked by ${who(p.requester)}${p.issue ? ` (for #${p.issue})` : ""}`,
    ),
  ];
  if (kept.length > 0)
    out.push(
      "",
      `### Verified patches without a PR (${kept.length})`,
      ...kept.map(({ run, words }) => `- ${issueRef(run)} — ${said(words.headline)}`),
    );
  out.push("", `### Runs that ended without a PR (${noPr.length})`, ...(noPr.length === 0 ? ["None."] : []));
  for (const { run, words } of noPr) {
    const issue = issueNumber(run);
    out.push(`- ${issueRef(run)} — ${said(words.headline)}`);
    if (words.help) out.push(`  - what would help: ${words.help}`);
    if (issue === undefined) continue;
    const done = o.done?.get(issue);
    if (done) out.push(`  - ${line(done, 120)}`);
    else if (queuedIssues.has(issue)) out.push("  - queued again for tonight");
    else {
      const item: ReportItem = { issue, action: "retry" };
      items.push(item);
      out.push(`  - [ ] retry #${issue} tonight ${itemMarker(item)}`);
    }
  }
  out.push("", `### Salvaged patches (${salvaged.length})`, ...(salvaged.length === 0 ? ["None."] : []));
  for (const run of salvaged) {
    const verdict =
      run.verdict === "accepted"
        ? `verification accepted it → ${run.prNumber ? `#${run.prNumber}` : describeRun(run).headline}`
        : run.verdict
          ? `verification ${run.verdict} it`
          : "verification pending";
    out.push(`- ${issueRef(run)} — the agent was stopped (${said(run.salvagedBecause, 160)}); ${said(verdict)}`);
  }
  // Running now, and ticks honoured whose run is not listed above (it started, or is queued).
  const running = words.filter((w) => w.words.kind === "in-progress");
  const shown = new Set([...noPr.map((w) => issueNumber(w.run)), ...night.queued.map((q) => q.issue)]);
  const ticked = [...(o.done ?? new Map<number, string>())].filter(([issue]) => !shown.has(issue));
  const count = night.queued.length + running.length;
  out.push("", `### Queued for tonight (${count})`, ...(count + ticked.length === 0 ? ["Nothing."] : []));
  for (const { run, words: w } of running) out.push(`- ${issueRef(run)} — ${said(w.headline)} now`);
  for (const q of night.queued)
    out.push(
      `- #${q.issue} — ${line(q.title, 120)} — asked by ${who(q.requester)}, ` +
        (q.immediate ? "as soon as a GPU worker is free" : `planned ${zone(q.plannedStart)}`),
    );
  for (const [issue, text] of ticked) out.push(`- #${issue} — ${line(text, 120)}`);
  out.push(
    "",
    "### The night's figures",
    "| runs | GPU hours | energy | Wh per verified fix | tokens |",
    "|---:|---:|---:|---:|---:|",
    `| ${figureCells(figures).join(" | ")} |`,
    "",
    "Tick a box to queue that issue for tonight (writers only; a tick from anyone else is undone). " +
      "`.github/nightshift.yml` `report: false` turns this report off.",
  );
  return { body: out.join("\n"), items };
}

function issueNumber(run: RunFields): number | undefined {
  const n = Number(/#(\d+)$/.exec(run.issue ?? "")?.[1]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function issueRef(run: RunFields): string {
  const n = issueNumber(run);
  return `${n ? `#${n}` : "an issue"} ${line(run.title, 120)}`.trim();
}

/** The night's last run of each issue (a retried issue shows how it ended last). */
function latestPerIssue(runs: RunFields[]): RunFields[] {
  const byIssue = new Map<string, RunFields>();
  for (const run of runs) byIssue.set(run.issue ?? run.runId!, run);
  return [...byIssue.values()];
}
