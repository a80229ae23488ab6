/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return,
   @typescript-eslint/no-unsafe-argument --
   This reads four frameworks' untyped trajectory JSON loosely, field by field, and writes typed AgentEvents;
   typing each foreign format is left for later. Nothing here runs in Nightshift itself. */
// Converts published coding-agent trajectories (SWE-agent .traj, mini-swe-agent .traj.json,
// AutoCodeRover conversation dumps, Moatless-Tools v0 trajectories) into Nightshift AgentEvent runs.
//
// Usage: npx tsx bench/traces/convert-real-runs.ts <rawDir> <outDir>
//   (sources, commits and licences: bench/traces/real-runs-manifest.json)
//   <rawDir> is the directory prepare-real-runs.sh lays out (raw/), plus any SWE-agent run put in
//   raw/sweagent-runs/<run>/ (its .traj files and results file); <outDir> receives corpus/<id>.json
//   plus stats.json and split.json are written next to <outDir> (its parent directory).
// Node 20 builtins only.

import * as fs from "node:fs";
import * as path from "node:path";
import * as crypto from "node:crypto";
import { pathToFileURL } from "node:url";
import type { Action } from "../../src/agent/actions.js";
import { failedCount } from "../../src/agent/failed-count.js";
import { runsTests } from "../../src/agent/test-run.js";
import { headAndTail } from "../../src/text/head-and-tail.js";
import type { AgentEvent as NightshiftEvent } from "../../src/agent/events.js";
import { SPLIT_RULE, splitOf, type RealRunMeta } from "./real-runs.js";
import { EDITOR_ERROR, editorAction } from "./sweagent-editor.js";

// ---------------------------------------------------------------- event types
/** Nightshift's events, except that a recorded run's finish carries its framework's own exit reason. */
type AgentEvent =
  | Exclude<NightshiftEvent, { type: "finish" }>
  | (Omit<Extract<NightshiftEvent, { type: "finish" }>, "reason"> & { reason: string });

/** What the bench reads (RealRunMeta), plus where the run came from. */
interface Meta extends RealRunMeta {
  modelSizeB: number | null;
  source: { repo: string; commit: string; path: string };
  modelRaw?: string;
}

// ---------------------------------------------------------------- shared helpers
const ISSUE_MAX = 20_000;
/**
 * The issue a run worked on, from the messages before the model's first turn: what its framework wrapped in
 * `<issue>`, `<pr_description>` or `ISSUE: … INSTRUCTIONS:` in the last user message that has it (a demonstration's
 * issue comes earlier; a system prompt names the tags without an issue). Nightshift gives the controller the issue
 * too (a missing module the issue reports is the bug, not the environment), so replay does the same.
 */
export function issueOf(messages: readonly { role?: string; content?: unknown }[]): string {
  for (const m of [...messages].reverse()) {
    if (m.role !== "user") continue;
    const text = asText(m.content);
    const found =
      /<issue>([\s\S]*?)<\/issue>/.exec(text) ??
      /<pr_description>([\s\S]*?)<\/pr_description>/.exec(text) ??
      /\bISSUE:\n([\s\S]*?)\n\s*INSTRUCTIONS:/.exec(text);
    if (found) return found[1]!.trim().slice(0, ISSUE_MAX);
  }
  return "";
}
const REPLY_MAX = 2000,
  OBS_MAX = 4000;
const h = (s: string) => crypto.createHash("sha1").update(s).digest("hex").slice(0, 12);
const est = (chars: number) => Math.ceil(chars / 4);
/**
 * Scales a converted run's per-turn estimates so they add up to the total its framework recorded (the shape kept);
 * says whether it did (not without a recorded total, or an estimate to scale).
 */
function scaleTokens(events: AgentEvent[], recorded: number): boolean {
  const estimated = events.reduce(
    (n, e) => n + (e.type === "model_reply" ? e.promptTokens + e.completionTokens : 0),
    0,
  );
  if (!(recorded > 0) || estimated === 0) return false;
  let total = 0;
  for (const e of events)
    if (e.type === "model_reply") {
      e.promptTokens = Math.round((e.promptTokens * recorded) / estimated);
      e.completionTokens = Math.round((e.completionTokens * recorded) / estimated);
      total += e.promptTokens + e.completionTokens;
    }
  for (const e of events) if (e.type === "finish") e.tokens = total;
  return true;
}
/** What SWE-agent leaves of an elided observation (`Old environment output: (42 lines omitted)`). */
const ELIDED_OBSERVATION_CHARS = 45;
const readJson = (p: string) => JSON.parse(fs.readFileSync(p, "utf8"));
const asText = (c: unknown): string =>
  typeof c === "string"
    ? c
    : Array.isArray(c)
      ? c.map((x: any) => (typeof x === "string" ? x : (x?.text ?? ""))).join("\n")
      : c == null
        ? ""
        : JSON.stringify(c);

const ERROR_PATTERNS: RegExp[] = [
  /Traceback \(most recent call last\)/,
  /command not found/,
  /No such file or directory/,
  /\bNo such file\b/,
  /Your proposed edit has introduced new syntax error/,
  /^Error:/m,
  /\bSyntaxError\b/,
  /\bModuleNotFoundError\b/,
  /\bImportError\b/,
  /Permission denied/,
  /\bfatal:/,
  /\bE\d{3} /,
  /could not be applied/i,
  /does not exist/,
  // Builds and toolchains beyond Python (frameworks without exit codes record only the text): Maven, Gradle,
  // javac/gcc/rustc diagnostics, a JVM's uncaught exception, npm, no network.
  /^\[ERROR\] /m,
  /\bBUILD FAILURE\b|^FAILURE: Build failed/m,
  /^ERROR: /m,
  /^[\w./-]+:\d+(?::\d+)?: (?:fatal )?error: /m,
  /^error(?:\[E\d+\])?: /m,
  /^Exception in thread "main"/m,
  /^npm (?:ERR!|error) /m,
  /UnknownHostException|Could not resolve host|Name or service not known/,
];
const looksLikeError = (text: string) => ERROR_PATTERNS.some((r) => r.test(text));

/** A test run's outcome: the failing count from the runner's summary (Nightshift's own reader), passed from the exit
 * code when the framework recorded one, else from the text. */
function testInfo(command: string, out: string, exitCode?: number): { passed: boolean; failed?: number } | undefined {
  if (!runsTests(command)) return undefined;
  const nFail = failedCount(out) ?? 0;
  const passed =
    exitCode !== undefined
      ? exitCode === 0 && nFail === 0
      : nFail === 0 && !/Traceback|ERROR|FAILED|BUILD FAILURE/.test(out);
  return nFail ? { passed, failed: nFail } : { passed };
}

// Maps a plain shell command to the closest Nightshift tool (used by SWE-agent fall-through and mini-swe-agent).
function shellToAction(cmd: string): Action {
  const c = cmd.trim();
  // One command, perhaps cut short by head/tail: a pipeline that filters (`find … | grep -v test`, `| xargs grep`)
  // answers something else than the tool it starts with, so it stays a shell command.
  const single = !/&&|\|\||;|\n|\|/.test(c.replace(/\|\s*(head|tail|sed -n)[^|]*$/, ""));
  let m: RegExpExecArray | null;
  if (single && (m = /^cat\s+(?:-n\s+)?([^\s<>|]+)\s*$/.exec(c))) return { tool: "read_file", path: m[1]! };
  if (single && (m = /^(?:nl -ba|cat -n)\s+([^\s|]+)\s*\|\s*sed -n\s+['"]?(\d+),(\d+)p/.exec(c)))
    return { tool: "read_file", path: m[1]!, start_line: +m[2]!, end_line: +m[3]! };
  if (single && (m = /^sed -n\s+['"]?(\d+),(\d+)p['"]?\s+([^\s|]+)/.exec(c)))
    return { tool: "read_file", path: m[3]!, start_line: +m[1]!, end_line: +m[2]! };
  if (single && (m = /^(?:head|tail)(?:\s+-n?\s*\d+)?\s+([^\s|]+)\s*$/.exec(c)))
    return { tool: "read_file", path: m[1]! };
  if (single && (m = /^(?:grep|egrep|rg|git grep)\b(.*)$/.exec(c))) {
    const toks = m[1]!.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
    // Options and their separate values (`-A 20`, `-m 5`, `--include '*.py'`) are not the pattern or the path.
    const args = toks.filter(
      (t, i) =>
        !t.startsWith("-") &&
        !/^(?:-[ABCmf]|--(?:include|exclude|exclude-dir|max-count|context))$/.test(toks[i - 1] ?? ""),
    );
    const pat = (args[0] ?? "").replace(/^['"]|['"]$/g, "");
    return args[1] ? { tool: "search", pattern: pat, path: args[1] } : { tool: "search", pattern: pat };
  }
  if (single && (m = /^find\s+(\S+).*?-name\s+['"]?([^'"\s]+)/.exec(c)))
    return { tool: "find_files", glob: `${m[1]}/**/${m[2]}` };
  if (single && (m = /^ls(?:\s+-\S+)*\s*([^\s|]*)\s*$/.exec(c)))
    return { tool: "find_files", glob: `${m[1] || "."}/*` };
  if ((m = /^sed -i(?:\s+-e)?\s+(['"])s([|/#])(.*?)\2(.*?)\2g?\1\s+(\S+)\s*$/.exec(c)))
    return { tool: "edit", path: m[5]!, search: m[3]!, replace: m[4]! };
  if (
    (m = /^cat\s*(?:>|<<\s*['"]?(\w+)['"]?\s*>)\s*([^\s<]+)\s*(?:<<\s*['"]?(\w+)['"]?)?\s*\n([\s\S]*?)\n(\w+)\s*$/.exec(
      c,
    ))
  )
    return { tool: "create_file", path: m[2]!, content: m[4]! };
  return { tool: "run", command: c };
}

// Builds the event list for one run; keeps turn/token/edit bookkeeping in one place.
class RunBuilder {
  events: AgentEvent[] = [];
  turn = 0;
  tokens = 0;
  historyChars = 0;
  /** Observations the framework keeps whole in the prompt (SWE-agent's `last_n_observations`); older ones shrink. */
  keepObservations = Infinity;
  /** Each observation's length, in order: what eliding the older ones takes out of the prompt. */
  observationChars: number[] = [];
  editCount = 0;
  fileState = new Map<string, string>();
  fixTurn: number | null = null;
  fixLines: string[] = [];
  /** The non-test files the final patch changes: only writes to them are evidence of the fix. */
  fixFiles: string[] = [];
  /** Added lines of the final patch with evidence that they are in the worktree (cleared by a revert). */
  fixPresent = new Set<string>();
  /** Added lines already shown before the run's first write: the base has them, so showing them proves nothing. */
  fixInBase = new Set<string>();
  wrote = false;
  /** The last turn that wrote to a file of the final patch: until then the patched files may still change. */
  lastFixWrite = 0;
  /** Lines the run's successful steps have shown (what a later substitution can apply to). */
  shownLines = new Set<string>();
  /** Scripts the run wrote, by path: running one later writes what its text holds. */
  scripts = new Map<string, string>();
  constructor(initialPromptChars: number, finalPatch: string | undefined, resolved: boolean) {
    this.historyChars = initialPromptChars;
    this.events.push({ type: "attempt_start", attempt: 1, sawFailingTests: false });
    if (resolved && finalPatch) {
      this.fixLines = patchAddedLines(finalPatch);
      this.fixFiles = patchFiles(finalPatch);
    }
  }
  reply(text: string, usage?: { prompt?: number; completion?: number }, durationMs = 0) {
    this.turn++;
    this.events.push({ type: "turn_start", attempt: 1, turn: this.turn });
    const promptTokens = usage?.prompt ?? est(this.promptChars());
    const completionTokens = usage?.completion ?? est(text.length);
    this.historyChars += text.length;
    this.tokens += promptTokens + completionTokens;
    this.events.push({
      type: "model_reply",
      turn: this.turn,
      promptTokens,
      completionTokens,
      durationMs,
      serverDurationMs: durationMs,
      thinkingCut: false,
      text: text.slice(0, REPLY_MAX),
    });
  }
  /** The prompt as the framework sends it: the whole history, less what it elides of observations past the kept. */
  promptChars(): number {
    const older = this.observationChars.slice(0, Math.max(0, this.observationChars.length - this.keepObservations));
    return this.historyChars - older.reduce((n, chars) => n + Math.max(0, chars - ELIDED_OBSERVATION_CHARS), 0);
  }
  invalid(kind: "prose" | "malformed", problem: string) {
    this.historyChars += problem.length;
    this.events.push({ type: "invalid_reply", turn: this.turn, kind, problem: problem.slice(0, OBS_MAX) });
  }
  act(
    action: Action,
    obs: string,
    opts: { isError?: boolean; exitCode?: number; command?: string; repaired?: boolean } = {},
  ) {
    this.events.push({ type: "action", turn: this.turn, action, repaired: opts.repaired ?? false });
    this.historyChars += obs.length;
    this.observationChars.push(obs.length);
    const ev: Extract<AgentEvent, { type: "observation" }> = {
      type: "observation",
      turn: this.turn,
      tool: action.tool,
      text: headAndTail(obs, OBS_MAX),
      isError: opts.isError ?? looksLikeError(obs),
      durationMs: 0,
    };
    if (action.tool === "edit" || action.tool === "create_file") {
      const p = action.path;
      const before = this.fileState.get(p) ?? h(`${p}#${this.editCount}`);
      const after = ev.isError
        ? before
        : h(`${p}#${before}#${action.tool === "edit" ? action.search + "\u0000" + action.replace : action.content}`);
      if (!ev.isError) this.fileState.set(p, after);
      this.editCount++;
      ev.file = { path: p, before, after };
      // SWE-agent shows the file after an edit under `[File: /repo/a.py (120 lines total)]`: its length.
      const lines = /^\[File: [^\n]*\((\d+) lines total\)\]/m.exec(obs)?.[1];
      if (lines && !ev.isError) ev.file.lines = Number(lines);
      if (!ev.isError) {
        if (action.tool === "edit") this.noteSubstitution(action.search, action.replace, p, false);
        else this.scripts.set(p, action.content);
        this.noteWrite(action.tool === "edit" ? action.replace : action.content, [p]);
      }
    } else if (action.tool === "run") {
      const t = testInfo(action.command, obs, opts.exitCode);
      if (t) ev.tests = t;
      const c = action.command;
      if (!ev.isError && REVERT.test(c)) this.noteRevert(c);
      if (!ev.isError && WRITES.test(c)) this.noteWrite(c, redirectTargets(c));
      const sed = ev.isError ? null : SED_S.exec(c);
      if (sed) this.noteSubstitution(sed[4]!, sed[5]!, sed[7]!, !!sed[6]);
      const script = ev.isError ? null : /^\s*python3?\s+(?:\.\/)?([\w./-]+\.py)\s*$/.exec(c);
      if (script && this.scripts.has(script[1]!)) this.noteWrite(this.scripts.get(script[1]!)!, []);
    }
    if (!ev.isError) this.noteShown(obs);
    this.events.push(ev);
  }
  /**
   * A successful write whose targets are all files of the final patch (a command without redirects must name
   * one: sed -i, an inline script): every added line its text holds is now in the worktree. A script written
   * to another file (update.py, reproduce.py) is not evidence: it may never run, or fail; what it does to the
   * patched files shows up later in git diff or cat.
   */
  noteWrite(text: string, targets: string[]) {
    this.wrote = true;
    if (!this.fixLines.length) return;
    const isFixFile = (t: string) => this.fixFiles.some((f) => t === f || t.endsWith(`/${f}`));
    const toFix = targets.length
      ? targets.every((t) => t === "/dev/null" || isFixFile(t)) && targets.some(isFixFile)
      : this.fixFiles.some((f) => text.includes(f));
    if (!toFix) return;
    this.lastFixWrite = this.turn;
    const norm = normWs(text);
    for (const l of this.fixLines) if (norm.includes(l)) this.fixPresent.add(l);
    this.checkFix();
  }
  /**
   * A successful step's output showing an added line (git diff, cat, nl | sed) after the run's first write: the
   * line is in the worktree (an edit through sed or a script whose text does not hold the whole line). A line
   * shown before any write is in the base already and proves nothing.
   */
  noteShown(obs: string) {
    if (!this.fixLines.length) return;
    const norm = normWs(obs);
    for (const line of norm.split("\n")) {
      const l = line.replace(/^\s*\d+\s/, "").trim(); // nl -ba / cat -n numbers
      if (l.length > 3 && this.shownLines.size < 20_000) this.shownLines.add(l);
    }
    for (const l of this.fixLines) {
      if (this.fixPresent.has(l) || !norm.includes(l)) continue;
      if (!this.wrote) this.fixInBase.add(l);
      else if (!this.fixInBase.has(l)) this.fixPresent.add(l);
    }
    this.checkFix();
  }
  /**
   * An edit or `sed -i s/old/new/` whose old text is literal: applied to every line the run has been shown that
   * holds it, the results are lines now in the file (a sed that changes part of a line never holds the whole line).
   */
  noteSubstitution(oldText: string, newText: string, path: string, global: boolean) {
    if (!this.fixLines.length || /[*^$[\]]|\\[|+?{}dnws1-9]/.test(oldText) || /&|\\\d/.test(newText)) return;
    const unescape = (t: string) => normWs(t.replace(/\\([^\w])/g, "$1"));
    const [o, n] = [unescape(oldText), unescape(newText)];
    if (!o.trim() || o.includes("\n")) return;
    const written = [...this.shownLines]
      .filter((l) => l.includes(o))
      .map((l) => (global ? l.split(o).join(n) : l.replace(o, n)));
    if (written.length) this.noteWrite(written.join("\n"), [path]);
  }
  /** git checkout / restore / stash / reset --hard: whatever was written may be gone; evidence starts again. */
  noteRevert(command: string) {
    // `git checkout some/other/file.py` leaves the patched files alone; `git checkout .`, stash, reset do not.
    const paths = /\bgit\s+(?:checkout|restore)\s+(?:--\s+)?((?:[\w./-]+\.\w+\s*)+)$/.exec(command.trim());
    const isFixFile = (t: string) => this.fixFiles.some((f) => t === f || t.endsWith(`/${f}`) || f.endsWith(`/${t}`));
    if (paths && !paths[1]!.split(/\s+/).filter(Boolean).some(isFixFile)) return;
    this.fixPresent.clear();
    this.fixTurn = null;
  }
  checkFix() {
    if (this.fixTurn === null && this.fixLines.every((l) => this.fixPresent.has(l))) this.fixTurn = this.turn;
  }
  /**
   * The turn by which the fix was in the worktree: from the evidence above, else the run's last turn — every
   * framework here submits the worktree's diff at its end, so the fix existed by then (an upper bound, which
   * can only count more fixes as lost, never fewer).
   */
  fixAt(): { turn: number; basis: "evidence" | "end-of-run" } {
    // Every added line present is not enough: debug prints or half-edits written to the same files may still be
    // there, so the fix counts as in place only from the last write to a patched file on.
    return this.fixTurn !== null
      ? { turn: Math.max(this.fixTurn, this.lastFixWrite), basis: "evidence" }
      : { turn: this.turn, basis: "end-of-run" };
  }
  finish(reason: string, summary?: string): AgentEvent[] {
    this.events.push({
      type: "finish",
      reason,
      summary: summary?.slice(0, REPLY_MAX),
      turns: this.turn,
      tokens: this.tokens,
      testsPassed: undefined,
    });
    return this.events;
  }
}
/** Shell commands that write files (redirects other than to /dev/null or a descriptor, in-place edits, scripts). */
const WRITES = new RegExp(
  String.raw`sed\s+-i|perl\s+-[a-z]*i|(?<![0-9&])>{1,2}\s*(?!&|/dev/null)[^\s>]|\btee\b|\.write\(|write_text|` +
    String.raw`replace\(|open\(|\bpatch\b|git\s+apply|\bmv\b|\bcp\b`,
);
/** Commands that put files back as they were. */
const REVERT =
  /\bgit\s+(?:checkout|restore|stash(?!\s+(?:pop|apply|list|show))|reset\s+--hard)\b|\b(?:git\s+apply|patch)\s+-R\b/;
/** `sed -i [-e] '[addr]s/old/new/[g]' file` (any delimiter). */
const SED_S = /^\s*sed\s+-i(?:\s+-e)?\s+(['"])(\d+(?:,\d+)?)?s([|/#,:])(.*?)\3(.*?)\3(g?)\1\s+(\S+)\s*$/;
/** Files a shell command redirects output into (`> x`, `>> x`, `tee x`), quotes stripped. */
function redirectTargets(command: string): string[] {
  const out = [...command.matchAll(/(?<![0-9&<])>{1,2}\s*(?!&)([^\s>&|;()]+)|\btee\s+(?:-a\s+)?([^\s>&|;()]+)/g)].map(
    (m) => (m[1] ?? m[2]!).replace(/^['"]|['"]$/g, "").replace(/^\.\//, ""),
  );
  return out;
}
/** Paths of the non-test files a patch changes. */
function patchFiles(patch: string): string[] {
  return [...patch.matchAll(/^\+\+\+ b\/(\S+)/gm)].map((m) => m[1]!).filter((f) => !TEST_PATH.test(`/${f}`));
}
/**
 * Tests and scratch files, in the languages runs are in: a test the model added, or its reproduction (`reproduce.py`,
 * `Reproduce.java`), may be written after the fix, and the task is judged by the repository's tests, not by them.
 */
const TEST_PATH = new RegExp(
  [
    String.raw`(^|\/)(tests?|testing|__tests__|spec)\/`,
    String.raw`test_[^/]*\.py|_test\.(py|go)\b|\.(test|spec)\.[cm]?[jt]sx?\b|Tests?\.(java|kt|scala|cs)\b`,
    "[Rr]eproduce|[Rr]epro_",
    String.raw`\/dev\/null`,
  ].join("|"),
);
const normWs = (s: string) => s.replace(/\\n/g, "\n").replace(/[ \t]+/g, " ");
// Added lines of non-test, non-scratch files in the submitted patch (normalised), for fixAtTurn.
function patchAddedLines(patch: string): string[] {
  const out: string[] = [];
  let keep = false;
  for (const line of patch.split("\n")) {
    if (line.startsWith("diff --git") || line.startsWith("+++ ")) {
      if (line.startsWith("+++ ")) keep = !TEST_PATH.test(line);
      continue;
    }
    if (keep && line.startsWith("+")) {
      const t = normWs(line.slice(1)).trim();
      if (t.length > 3) out.push(t);
    }
  }
  return out;
}

// ---------------------------------------------------------------- SWE-agent (v0.x .traj, history-based)
const SWEAGENT_FORMAT_ERR = new RegExp(
  "(was not formatted correctly|Your output was not formatted|Your output contained multiple|" +
    "did not include a command|Please make sure your output precisely matches)",
  "i",
);
function sweAgentAction(cmd: string, cur: { file: string; line: number }): Action {
  const c = cmd.trim();
  let m: RegExpExecArray | null;
  if ((m = /^open\s+"?([^"\s]+)"?(?:\s+(\d+))?/.exec(c))) {
    cur.file = m[1]!;
    cur.line = m[2] ? +m[2] : 1;
    return m[2]
      ? { tool: "read_file", path: m[1]!, start_line: Math.max(1, +m[2] - 50), end_line: +m[2] + 50 }
      : { tool: "read_file", path: m[1]! };
  }
  if ((m = /^goto\s+(\d+)/.exec(c))) {
    cur.line = +m[1]!;
    return { tool: "read_file", path: cur.file, start_line: Math.max(1, cur.line - 50), end_line: cur.line + 50 };
  }
  if (/^scroll_(down|up)/.test(c)) {
    cur.line += c.includes("down") ? 100 : -100;
    cur.line = Math.max(1, cur.line);
    return { tool: "read_file", path: cur.file, start_line: cur.line, end_line: cur.line + 100 };
  }
  if ((m = /^search_dir\s+("([^"]*)"|'([^']*)'|(\S+))(?:\s+(\S+))?/.exec(c)))
    return m[5]
      ? { tool: "search", pattern: m[2] ?? m[3] ?? m[4]!, path: m[5] }
      : { tool: "search", pattern: m[2] ?? m[3] ?? m[4]! };
  if ((m = /^search_file\s+("([^"]*)"|'([^']*)'|(\S+))(?:\s+(\S+))?/.exec(c)))
    return { tool: "search", pattern: m[2] ?? m[3] ?? m[4]!, path: m[5] ?? cur.file };
  if ((m = /^find_file\s+"?([^"\s]+)"?(?:\s+(\S+))?/.exec(c)))
    return { tool: "find_files", glob: `${m[2] ?? "."}/**/${m[1]}` };
  if ((m = /^edit\s+(\d+):(\d+)\n([\s\S]*?)\n?end_of_edit\s*$/.exec(c)))
    return { tool: "edit", path: cur.file, search: `lines ${m[1]!}-${m[2]!} of ${cur.file}`, replace: m[3]! };
  if ((m = /^create\s+"?([^"\s]+)"?/.exec(c))) {
    cur.file = m[1]!;
    cur.line = 1;
    return { tool: "create_file", path: m[1]!, content: "" };
  }
  if (/^submit\b/.test(c)) return { tool: "finish", summary: "submit" };
  return shellToAction(c);
}
/**
 * SWE-agent 0.x records no exit codes, so an error is read from the observation — but never from file
 * contents: a file view (`open`, `goto`, `scroll_*`, a successful `edit`, all starting `[File: ...]`) shows code
 * that may well say `ImportError` or `No such file`; only the edit's syntax-check rejection is an error there.
 * Search output lists matching lines, so only the tool's own failure messages count.
 */
export function sweAgentError(action: Action, obs: string): boolean {
  if (/^\[File: /.test(obs)) return false;
  if (/^Your proposed edit has introduced new syntax error/.test(obs)) return true;
  // SWE-agent 0.x's line-range edit shows the file's window (`[File: …]`) whenever it wrote, even after a helper
  // script's own traceback; without that window it did not write (`cp: cannot stat …`, `edit_linting.sh: line 69:
  // $start_line: substring expression < 0`, nothing at all).
  if (action.tool === "edit" && /^lines \d+-\d+ of /.test(action.search)) return !/^\[File: /m.test(obs);
  if (action.tool === "read_file" || action.tool === "edit" || action.tool === "create_file")
    return (
      /^(?:Error|Usage|File .* not found|No file open|Warning: File .* already exists)/m.test(obs.slice(0, 300)) ||
      EDITOR_ERROR.test(obs.slice(0, 300))
    );
  if (action.tool === "search" || action.tool === "find_files")
    return /^(?:Directory .* not found|File .* not found|Usage|Error)/m.test(obs.slice(0, 300));
  return looksLikeError(obs);
}
/**
 * An observation without SWE-agent's framing: 0.x's trailer (open file, current directory, prompt), 1.x's
 * `OBSERVATION:` heading, and 1.x's sentence for a command that printed nothing (a grep that found nothing printed
 * nothing, as Nightshift's run tool would show it).
 */
function stripSweObs(o: string) {
  const text = o
    .replace(/^(?:OBSERVATION:\r?\n|Observation: )/, "")
    .replace(/\n*\(Open file: [^\n]*\)\n\(Current directory: [^\n]*\)\n?bash-\$\s*$/, "")
    .replace(/\r\n/g, "\n")
    .trim();
  return /^Your command ran successfully and did not produce any output\.?$/.test(text) ? "" : text;
}
const SWE_EXIT: Record<string, string> = {
  submitted: "finished",
  exit_cost: "cost-limit",
  exit_context: "context-limit",
  exit_format: "format-limit",
  exit_api: "error",
  exit_error: "error",
  early_exit: "error",
};
function sweExitReason(s: string) {
  if (s === "submitted") return "finished";
  const m = /\((\w+)\)/.exec(s); // "submitted (exit_cost)" = autosubmitted after a limit
  return SWE_EXIT[m ? m[1]! : s] ?? s;
}
export function convertSweAgent(traj: any, resolved: boolean) {
  const info = traj.info ?? {};
  const stats = info.model_stats ?? {};
  const recorded = Number(stats.tokens_sent ?? 0) + Number(stats.tokens_received ?? 0);
  // How many observations the run's prompts kept whole: as its config says, else whichever reading (all of them, or
  // SWE-agent's usual last five) adds up closer to the tokens it recorded, else all.
  const configured = observationsKept(traj.replay_config);
  const candidates = configured !== undefined ? [configured] : recorded > 0 ? [Infinity, 5] : [Infinity];
  const [best] = candidates
    .map((keep) => sweAgentBuild(traj, resolved, keep))
    .sort((a, b) => Math.abs(Math.log(a.b.tokens / recorded)) - Math.abs(Math.log(b.b.tokens / recorded)));
  const { b, submitted, issue } = best!;
  const exit = String(info.exit_status ?? "unknown");
  const reason = submitted && exit === "submitted" ? "finished" : sweExitReason(exit);
  const events = b.finish(reason, exit);
  const tokenSource = scaleTokens(events, recorded) ? ("scaled" as const) : ("estimated" as const);
  return { events, turns: b.turn, exit, fix: b.fixAt(), issue, tokenSource };
}

/** SWE-agent 1.x's `last_n_observations` history processor's `n`, from a trajectory's replay config (JSON text). */
function observationsKept(replayConfig: unknown): number | undefined {
  let config: any = replayConfig;
  try {
    if (typeof config === "string") config = JSON.parse(config);
  } catch {
    return undefined;
  }
  const processor = (config?.agent?.history_processors ?? []).find((p: any) => p?.type === "last_n_observations");
  return typeof processor?.n === "number" && processor.n > 0 ? processor.n : undefined;
}

function sweAgentBuild(traj: any, resolved: boolean, keepObservations: number) {
  const hist: any[] = traj.history ?? [];
  // skip system prompt, demonstrations and the issue message: start after the last user message before the
  // first non-demo assistant turn
  const firstAgent = hist.findIndex((x) => x.role === "assistant" && !x.is_demo);
  const prefixChars = hist.slice(0, Math.max(firstAgent, 0)).reduce((a, x) => a + asText(x.content).length, 0);
  const b = new RunBuilder(prefixChars, traj.info?.submission, resolved);
  b.keepObservations = keepObservations;
  const cur = { file: "", line: 1 };
  let submitted = false;
  for (let i = Math.max(firstAgent, 0); i < hist.length; i++) {
    const x = hist[i];
    if (x.role !== "assistant" || x.is_demo) continue;
    // The observation: a user message (SWE-agent 0.x, and 1.x without function calling) or a tool message (1.x).
    const next = ["user", "tool"].includes(hist[i + 1]?.role) ? asText(hist[i + 1].content) : "";
    b.reply(asText(x.content));
    if (SWEAGENT_FORMAT_ERR.test(next) || x.action == null) {
      b.invalid("malformed", next || "no action parsed");
      continue;
    }
    const obs = stripSweObs(next);
    const action = editorAction(String(x.action), obs) ?? sweAgentAction(String(x.action), cur);
    if (action.tool === "finish") {
      submitted = true;
      b.act(action, obs, { isError: false });
      continue;
    }
    b.act(action, obs, { isError: sweAgentError(action, obs) });
  }
  const issue = issueOf(hist.slice(0, Math.max(firstAgent, 0)).filter((x) => !x.is_demo));
  return { b, submitted, issue };
}

// ---------------------------------------------------------------- mini-swe-agent (trajectory_format mini-swe-agent-1)
export const MINI_FORMAT_ERR =
  /(Please always provide EXACTLY ONE action|format error|did not contain a bash code block|found \d+ actions)/i;
function convertMini(traj: any, resolved: boolean) {
  const msgs: any[] = traj.messages ?? [];
  const info = traj.info ?? {};
  const start = msgs.findIndex((m) => m.role === "assistant");
  const prefix = msgs.slice(0, Math.max(start, 0)).reduce((a, m) => a + asText(m.content).length, 0);
  const b = new RunBuilder(prefix, info.submission, resolved);
  let recorded = false,
    submitted = false;
  for (let i = Math.max(start, 0); i < msgs.length; i++) {
    const m = msgs[i];
    if (m.role !== "assistant") continue;
    const text = asText(m.content);
    const usage = m.extra?.response?.usage;
    if (usage?.prompt_tokens != null) recorded = true;
    b.reply(text, usage ? { prompt: usage.prompt_tokens, completion: usage.completion_tokens } : undefined);
    const next = msgs[i + 1] && msgs[i + 1].role !== "assistant" ? asText(msgs[i + 1].content) : "";
    const blocks = [...text.matchAll(/```bash\s*\n([\s\S]*?)\n```/g)].map((x) => x[1]);
    // Several actions in one reply: mini-swe-agent refuses the reply and runs none, but Nightshift's parser would
    // have run the first (src/agent/repair.ts reads the first fenced block), so under Nightshift this is no invalid
    // reply. What the first action would have returned is not recorded, so the turn stays a reply without an action.
    if (blocks.length > 1) continue;
    if (blocks.length === 0) {
      b.invalid("prose", next || "expected exactly one bash block, got 0");
      continue;
    }
    const cmd = blocks[0]!.trim();
    if (/COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT|MINI_SWE_AGENT_FINAL_OUTPUT/.test(cmd)) {
      submitted = true;
      b.act(
        {
          tool: "finish",
          summary: text
            .replace(/```[\s\S]*```/, "")
            .trim()
            .slice(0, 500),
        },
        next,
        { isError: false },
      );
      continue;
    }
    const rc = /<returncode>(-?\d+)<\/returncode>/.exec(next);
    const exitCode = rc ? Number(rc[1]) : undefined;
    const out = next.replace(/^<returncode>-?\d+<\/returncode>\s*\n?<output>\n?/, "").replace(/<\/output>\s*$/, "");
    const action = shellToAction(cmd);
    const isGrepNoMatch = action.tool === "search" && exitCode === 1 && out.trim() === "";
    const isErr = exitCode !== undefined ? exitCode !== 0 && !isGrepNoMatch : looksLikeError(next);
    b.act(action, /timed out|TimeoutExpired/.test(next) && exitCode === undefined ? next : out, {
      isError: isErr || /timed out/i.test(next.slice(0, 300)),
      exitCode,
      command: cmd,
    });
  }
  const exit = String(info.exit_status ?? "unknown");
  const reason =
    exit === "Submitted" || submitted ? "finished" : exit === "LimitsExceeded" ? "turn-or-cost-limit" : exit;
  const issue = issueOf(msgs.slice(0, Math.max(start, 0)));
  return { events: b.finish(reason, exit), turns: b.turn, exit, fix: b.fixAt(), recorded, issue };
}

// ---------------------------------------------------------------- AutoCodeRover (v0, GPT-4 runs of April 2024)
function parseAcrResults(user: string): { func: string; args: string; text: string }[] {
  const parts = user.split(/(?=^Result of \w+\()/m).filter((p) => p.startsWith("Result of "));
  return parts.map((p) => {
    const m = /^Result of (\w+)\(([\s\S]*?)\):\n([\s\S]*)$/.exec(p);
    return m ? { func: m[1]!, args: m[2]!, text: m[3]!.trim() } : { func: "unknown", args: "", text: p };
  });
}
/** The search API's own answers ("Could not find ..."), never the code it returns (which may well say `Error`). */
export const acrSearchFailed = (text: string) =>
  /^(?:Could not find|There is no|Cannot find|The tool returned error)/i.test(text.trimStart());
function acrSearchAction(func: string, args: string): Action {
  const strs = [...args.matchAll(/"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1] ?? m[2] ?? "");
  const file = strs.find((s) => /\.\w+$/.test(s) && s.includes("/")) ?? strs.find((s) => /\.py$/.test(s));
  if (func === "get_code_around_line" && file) return { tool: "read_file", path: file };
  const pattern = strs.filter((s) => s !== file).join(" ") || args;
  return file
    ? { tool: "search", pattern: `${func}: ${pattern}`, path: file }
    : { tool: "search", pattern: `${func}: ${pattern}` };
}
function convertAcr(conv: any[], finalPatch: string | undefined, category: string, resolved: boolean) {
  const firstA = conv.findIndex((m) => m.role === "assistant");
  const prefix = conv.slice(0, Math.max(firstA, 0)).reduce((a, m) => a + asText(m.content).length, 0);
  const b = new RunBuilder(prefix, finalPatch, resolved);
  for (let i = Math.max(firstA, 0); i < conv.length; i++) {
    const m = conv[i];
    if (m.role !== "assistant") {
      if (i > firstA && conv[i - 1]?.role !== "assistant") b.historyChars += asText(m.content).length;
      continue;
    }
    const text = asText(m.content);
    b.reply(text);
    const next = conv[i + 1]?.role === "user" ? asText(conv[i + 1].content) : "";
    if (/search API calls seem not valid/i.test(next)) {
      b.invalid("malformed", next);
      continue;
    }
    if (next.startsWith("Result of ")) {
      for (const r of parseAcrResults(next))
        b.act(acrSearchAction(r.func, r.args), r.text, {
          isError: acrSearchFailed(r.text),
        });
      continue;
    }
    if (next.startsWith("Here are the code in buggy locations")) {
      const files = [...new Set([...next.matchAll(/<file>([^<]+)<\/file>/g)].map((x) => x[1]))];
      b.act({ tool: "read_file", path: files[0] ?? "(buggy locations)" }, next, { isError: false });
      continue;
    }
    const mods = [
      ...text.matchAll(/<file>([\s\S]*?)<\/file>\s*<original>([\s\S]*?)<\/original>\s*<patched>([\s\S]*?)<\/patched>/g),
    ];
    if (mods.length) {
      const failed = /could not be applied|not apply|cannot be applied|did not|Your edit could not/i.test(next);
      mods.forEach((mm, k) =>
        b.act(
          { tool: "edit", path: mm[1]!.trim(), search: mm[2]!, replace: mm[3]! },
          k === mods.length - 1 ? next : "(part of a multi-modification patch)",
          { isError: failed },
        ),
      );
      continue;
    }
    // analysis / "where are bug locations" answers carry no tool call: model_reply only (framework-prompted prose).
  }
  const reason = category === "applicable_patch" ? "finished" : category;
  const issue = issueOf(conv.slice(0, Math.max(firstA, 0)));
  return { events: b.finish(reason, category), turns: b.turn, exit: category, fix: b.fixAt(), issue };
}

// ---------------------------------------------------------------- Moatless Tools v0 (AgenticLoop transitions)
/** The issue a Moatless run worked on: its initial message (both trajectory variants), else the input's statement. */
const moatlessIssue = (traj: any): string =>
  asText(traj.initial_message ?? traj.input?.problem_statement).slice(0, ISSUE_MAX);

function convertMoatless(traj: any, resolved: boolean) {
  const info = traj.info ?? {};
  const b = new RunBuilder(
    asText(traj.initial_message).length + 4000 /* system prompt, not recorded */,
    info.submission,
    resolved,
  );
  let plan: { file?: string; start?: number; end?: number } = {};
  let reason = "unknown";
  for (const t of traj.transitions ?? []) {
    if (t.name === "Finished") {
      reason = "finished";
      continue;
    }
    if (t.name === "Rejected") {
      reason = "rejected";
      continue;
    }
    for (const a of t.actions ?? []) {
      const act = a.action ?? {},
        out = a.output ?? {};
      const thought = asText(
        act.thoughts ?? act.scratch_pad ?? (typeof act.content === "string" ? act.content : "") ?? "",
      );
      b.reply(thought || JSON.stringify(act).slice(0, REPLY_MAX));
      const msg = asText(out.message ?? "");
      switch (t.name) {
        case "SearchCode": {
          const pattern =
            act.query ??
            act.code_snippet ??
            act.class_name ??
            act.function_name ??
            JSON.stringify(act.search_requests ?? act).slice(0, 200);
          const spans = (out.ranked_spans ?? []).map((s: any) => `${s.file_path}:${s.span_id}`);
          const obs = spans.length ? spans.join("\n") : msg || "No search results found.";
          b.act(
            act.file_pattern
              ? { tool: "search", pattern: String(pattern), path: act.file_pattern }
              : { tool: "search", pattern: String(pattern) },
            obs,
            { isError: false },
          );
          break;
        }
        case "IdentifyCode":
        case "DecideRelevance":
        case "ClarifyCodeChange": {
          const f = act.identified_spans?.[0]?.file_path ?? out.file_path ?? plan.file;
          if (f)
            b.act(
              {
                tool: "read_file",
                path: f,
                ...(out.start_line ? { start_line: out.start_line, end_line: out.end_line } : {}),
              },
              msg || JSON.stringify(out).slice(0, OBS_MAX),
              { isError: false },
            );
          break;
        }
        case "PlanToCode": {
          const inner = act.action ?? {};
          if (inner.file_path) {
            plan = { file: inner.file_path, start: out.start_line, end: out.end_line };
            b.act(
              {
                tool: "read_file",
                path: inner.file_path,
                ...(out.start_line ? { start_line: out.start_line, end_line: out.end_line } : {}),
              },
              asText(out.instructions ?? msg) || JSON.stringify(out).slice(0, OBS_MAX),
              { isError: !!out.error },
            );
          } else if (inner.message || act.action?.finish)
            b.act({ tool: "finish", summary: asText(inner.message ?? "") }, msg, { isError: false });
          else if (inner.reason || act.action?.reject)
            b.act({ tool: "finish", summary: `reject: ${asText(inner.reason ?? "")}` }, msg, { isError: false });
          break;
        }
        case "EditCode": {
          const content = asText(act.content ?? "");
          const replace = content.replace(/^<replace>\n?/, "").replace(/<\/replace>\s*$/, "");
          const file = plan.file ?? "(unknown)";
          const failed = !/Applied the change/i.test(msg) || !!out.error;
          const obs = [
            msg,
            asText(out.diff ?? ""),
            ...(out.lint_messages ?? []).map((l: any) => asText(l.message ?? l)),
          ]
            .filter(Boolean)
            .join("\n");
          if (/^<reject>/.test(content))
            b.act(
              { tool: "edit", path: file, search: `lines ${plan.start}-${plan.end} of ${file}`, replace: "" },
              obs || "rejected",
              { isError: true },
            );
          else
            b.act({ tool: "edit", path: file, search: `lines ${plan.start}-${plan.end} of ${file}`, replace }, obs, {
              isError: failed,
            });
          break;
        }
        default:
          b.act({ tool: "run", command: `${t.name}: ${JSON.stringify(act).slice(0, 500)}` }, msg, { isError: false });
      }
    }
  }
  if (reason === "unknown") reason = info.error ? "error" : info.submission ? "finished" : "no-finish";
  return {
    events: b.finish(reason, info.error ? asText(info.error).slice(0, 300) : reason),
    turns: b.turn,
    exit: reason,
    fix: b.fixAt(),
    issue: moatlessIssue(traj),
  };
}

// Moatless June-9 2024 variant: {steps:[{name, actions:[{name,input,output}]}]} instead of {transitions}
function convertMoatlessSteps(traj: any, resolved: boolean) {
  const info = traj.info ?? {};
  const b = new RunBuilder(asText(traj.input?.problem_statement).length + 4000, info.submission, resolved);
  let plan: { file?: string; start?: number; end?: number } = {};
  let reason = "no-finish";
  for (const s of traj.steps ?? []) {
    for (const a of s.actions ?? []) {
      const inp = a.input ?? {},
        out = a.output ?? {};
      b.reply(
        asText(inp.thoughts ?? inp.reasoning ?? inp.description ?? inp.reason ?? "") ||
          JSON.stringify(inp).slice(0, REPLY_MAX),
      );
      const msg = asText(out.message ?? out.response ?? "");
      switch (a.name) {
        case "search": {
          const files = (out.file_context ?? []).map(
            (f: any) => `${f.file_path}: ${(f.spans ?? []).map((x: any) => x.span_id).join(", ")}`,
          );
          const pattern = String(
            inp.query ?? inp.code_snippet ?? inp.class_name ?? inp.function_name ?? JSON.stringify(inp),
          );
          b.act(
            inp.file_pattern ? { tool: "search", pattern, path: inp.file_pattern } : { tool: "search", pattern },
            files.length ? files.join("\n") : msg || "No search results found.",
            { isError: false },
          );
          break;
        }
        case "identify": {
          const f = inp.files_with_spans?.[0]?.file_path;
          if (f)
            b.act({ tool: "read_file", path: f }, msg || JSON.stringify(inp.files_with_spans).slice(0, OBS_MAX), {
              isError: false,
            });
          break;
        }
        case "request_for_change":
        case "specify_lines": {
          if (inp.file_path) plan = { file: inp.file_path };
          if (inp.start_line) plan = { ...plan, start: inp.start_line, end: inp.end_line };
          b.act(
            {
              tool: "read_file",
              path: plan.file ?? "(unknown)",
              ...(inp.start_line ? { start_line: inp.start_line, end_line: inp.end_line } : {}),
            },
            msg,
            { isError: false },
          );
          break;
        }
        case "search_replace": {
          const file = inp.file_path ?? plan.file ?? "(unknown)";
          const failed = /error|fail|could not|not found/i.test(msg.slice(0, 300)) || !!out.error;
          b.act(
            {
              tool: "edit",
              path: file,
              search: `lines ${inp.start_line}-${inp.end_line} of ${file}`,
              replace: asText(inp.replacement_code ?? ""),
            },
            [msg, asText(out.diff ?? "")].filter(Boolean).join("\n"),
            { isError: failed },
          );
          break;
        }
        case "reject":
          b.act(
            {
              tool: "edit",
              path: plan.file ?? "(unknown)",
              search: `lines ${plan.start}-${plan.end} of ${plan.file}`,
              replace: "",
            },
            `rejected: ${asText(inp.reason)}`,
            { isError: true },
          );
          break;
        case "finish":
          reason = "finished";
          b.act({ tool: "finish", summary: asText(inp.reason ?? "") }, msg, { isError: false });
          break;
        default:
          b.act({ tool: "run", command: `${a.name}: ${JSON.stringify(inp).slice(0, 500)}` }, msg, { isError: false });
      }
    }
  }
  return { events: b.finish(reason, reason), turns: b.turn, exit: reason, fix: b.fixAt(), issue: moatlessIssue(traj) };
}

// ---------------------------------------------------------------- source drivers
interface Out {
  meta: Meta;
  events: AgentEvent[];
}
/** What a converted run's meta says of how it ended: its length, exit, and (resolved runs) when its fix was in. */
const outcome = (
  r: { turns: number; exit: string; fix: { turn: number | null; basis: "evidence" | "end-of-run" }; issue: string },
  resolved: boolean,
) => ({
  issueText: r.issue,
  turns: r.turns,
  exitStatus: r.exit,
  fixAtTurn: resolved ? r.fix.turn : undefined,
  fixAtTurnBasis: resolved ? r.fix.basis : undefined,
});
const SRC = {
  acr: { repo: "nus-apr/auto-code-rover", commit: "3536ac292e3062ffb3f6e98457958e2b803228d6" },
  mini: { repo: "gruckion/mini-swe-agent", commit: "d12a71affd95403b036b2bdbd827349b77bfffb9" },
  moat: { repo: "aorwall/moatless-tools", commit: "91f874186e8298e5270c00a334c7a962bb4cdfad" },
};
export function* sweAgentRuns(raw: string): Generator<Out> {
  const base = path.join(raw, "sweagent_gpt4_acr");
  if (!fs.existsSync(base)) return;
  for (const run of fs.readdirSync(base).sort()) {
    const rep = readJson(path.join(base, run, "final_report.json"));
    const resolvedSet = new Set<string>(Object.values(rep.resolved_per_project ?? {}).flat() as string[]);
    for (const f of fs
      .readdirSync(path.join(base, run))
      .filter((f) => f.endsWith(".traj"))
      .sort()) {
      const inst = f.replace(/\.traj$/, "");
      const resolved = resolvedSet.has(inst);
      const r = convertSweAgent(readJson(path.join(base, run, f)), resolved);
      yield {
        meta: {
          id: `sweagent-gpt4-${run}__${inst}`,
          framework: "SWE-agent 0.x (default ACI, Lite)",
          model: "gpt-4-0125-preview",
          modelSizeB: null,
          instance: inst,
          resolved,
          source: { ...SRC.acr, path: `results/swe-agent-results/${run}/${f}` },
          ...outcome(r, resolved),
          tokenSource: r.tokenSource,
          run: `sweagent-${run}`,
        },
        events: r.events,
      };
    }
  }
}
/**
 * Any SWE-agent run laid out as raw/sweagent-runs/<run>/: its `.traj` files anywhere below (flat, under trajs/, or
 * one folder per task) and a results file saying which tasks were resolved, in one of the shapes SWE-bench's
 * harnesses and leaderboards write (see `outcomesOf`). The model is read from the trajectory's own config. For
 * converting runs nobody here tuned on (report them with NIGHTSHIFT_REAL_SPLIT=all).
 */
export function* sweAgentFolderRuns(raw: string): Generator<Out> {
  const base = path.join(raw, "sweagent-runs");
  if (!fs.existsSync(base)) return;
  for (const run of fs.readdirSync(base).sort()) {
    const dir = path.join(base, run);
    const outcomes = outcomesOf(dir);
    const about = runAbout(dir);
    for (const file of filesBelow(dir, ".traj")) {
      const inst = path.basename(file, ".traj");
      const resolved = outcomes.get(taskKey(inst)) ?? false;
      const traj = readJson(file);
      const r = convertSweAgent(traj, resolved);
      const model = about.model ?? sweAgentModel(traj) ?? "unknown";
      yield {
        meta: {
          id: `sweagent-${run}__${inst}`,
          framework: about.framework ?? `SWE-agent ${traj.info?.swe_agent_version ?? "0.x"} (${run})`,
          model,
          modelSizeB: about.modelSizeB ?? null,
          instance: inst,
          resolved,
          source: about.source
            ? { ...about.source, path: `${about.source.path}/${path.relative(dir, file)}` }
            : { repo: "(local run folder)", commit: "", path: path.relative(raw, file) },
          ...outcome(r, resolved),
          tokenSource: r.tokenSource,
          run: `sweagent-${run}`,
        },
        events: r.events,
      };
    }
  }
}

/**
 * What a run folder's optional `run.json` says of it, where its trajectories do not: the model (a served model's
 * config may name an alias), its size in billions of parameters, the framework's label, and where the folder came
 * from (`{"repo", "commit", "path"}`). A malformed file is refused, saying what to mend.
 */
function runAbout(dir: string): {
  model?: string;
  modelSizeB?: number | null;
  framework?: string;
  source?: { repo: string; commit: string; path: string };
} {
  const file = path.join(dir, "run.json");
  if (!fs.existsSync(file)) return {};
  const about = readJson(file);
  const ok =
    about &&
    typeof about === "object" &&
    (about.model === undefined || typeof about.model === "string") &&
    (about.modelSizeB == null || typeof about.modelSizeB === "number") &&
    (about.framework === undefined || typeof about.framework === "string") &&
    (about.source === undefined || ["repo", "commit", "path"].every((k) => typeof about.source?.[k] === "string"));
  if (!ok)
    throw new Error(
      `${file}: expected {"model"?: string, "modelSizeB"?: number | null, "framework"?: string, ` +
        `"source"?: {"repo", "commit", "path"}}`,
    );
  return about;
}

/** Every file below `dir` whose name ends with `ext`, in a stable order. */
function filesBelow(dir: string, ext: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The model a SWE-agent trajectory names in its replay config (0.x: model_name; 1.x: name). */
function sweAgentModel(traj: any): string | undefined {
  try {
    const config = typeof traj.replay_config === "string" ? JSON.parse(traj.replay_config) : traj.replay_config;
    const model = config?.agent?.model;
    return model?.model_name ?? model?.name;
  } catch {
    return undefined;
  }
}

/**
 * Which tasks a run resolved, from the JSON files in its folder and up to two levels down (results/results.json,
 * logs/<task>/report.json) and any `report.json` below: `{"resolved": [...]}` (SWE-bench leaderboard results.json),
 * `{"resolved_ids": [...], "unresolved_ids": [...]}` (harness reports), `{"resolved_per_project": {...}}`,
 * `{"<task>": {"resolved": true}}` (SWE-bench per-task reports) or `{"org", "repo", "number", "valid"}`
 * (Multi-SWE-bench per-task reports, logs/<org>/<repo>/evals/pr-<n>/report.json). Tasks are keyed as taskKey
 * names them. A task no file names is unresolved. No results file at all is an error.
 */
export function outcomesOf(dir: string): Map<string, boolean> {
  const outcomes = new Map<string, boolean>();
  const note = (inst: string, resolved: boolean) => {
    const key = taskKey(inst);
    outcomes.set(key, resolved || outcomes.get(key) === true);
  };
  let found = false;
  const files = filesBelow(dir, ".json").filter(
    (f) => path.relative(dir, f).split(path.sep).length <= 3 || path.basename(f) === "report.json",
  );
  for (const file of files) {
    let data: any;
    try {
      data = readJson(file);
    } catch {
      continue;
    }
    if (!data || typeof data !== "object" || Array.isArray(data)) continue;
    const lists: [unknown, boolean][] = [
      [data.resolved, true],
      [data.resolved_ids, true],
      [data.unresolved_ids, false],
      [data.resolved_per_project && Object.values(data.resolved_per_project).flat(), true],
    ];
    for (const [list, resolved] of lists)
      if (Array.isArray(list)) {
        found = true;
        for (const inst of list) if (typeof inst === "string") note(inst, resolved);
      }
    const multiSweBenchReport =
      typeof data.org === "string" && typeof data.repo === "string" && Number.isInteger(data.number);
    if (multiSweBenchReport && typeof data.valid === "boolean") {
      found = true;
      note(`${data.org}__${data.repo}-${data.number}`, data.valid);
    }
    for (const [inst, report] of Object.entries(data))
      if (report && typeof report === "object" && typeof (report as any).resolved === "boolean") {
        found = true;
        note(inst, (report as any).resolved);
      }
  }
  if (!found)
    throw new Error(
      `${dir}: no results file says which tasks were resolved. Put the run's results.json ({"resolved": [...]}), ` +
        'a harness report ({"resolved_ids": [...]}) or per-task report.json files in the folder.',
    );
  return outcomes;
}

/**
 * One name for a task however a harness writes it: Multi-SWE-bench's reports say `org/repo:pr-123` for the task its
 * trajectories and predictions call `org__repo-123`.
 */
export function taskKey(id: string): string {
  const m = /^([\w.-]+)\/([\w.-]+):pr-(\d+)$/.exec(id);
  return m ? `${m[1]}__${m[2]}-${m[3]}` : id;
}

export function* acrRuns(raw: string): Generator<Out> {
  const base = path.join(raw, "acr_gpt4");
  if (!fs.existsSync(base)) return;
  for (const run of fs.readdirSync(base).sort()) {
    const resolvedSet = new Set<string>(readJson(path.join(base, run, "report.json")).resolved ?? []);
    const seen = new Set<string>();
    for (const cat of fs
      .readdirSync(path.join(base, run))
      .filter((c) => fs.statSync(path.join(base, run, c)).isDirectory())
      .sort()) {
      for (const task of fs.readdirSync(path.join(base, run, cat)).sort()) {
        const dir = path.join(base, run, cat, task);
        const inst = task.replace(/_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/, "");
        if (seen.has(inst)) continue;
        seen.add(inst);
        const files = fs.readdirSync(dir);
        const pick = (re: RegExp) =>
          files
            .map((f) => [f, re.exec(f)] as const)
            .filter((x) => x[1])
            .sort((a, b2) => Number(b2[1]![1]) - Number(a[1]![1]))[0]?.[0];
        const convFile = pick(/^debug_agent_write_patch_(\d+)\.json$/) ?? pick(/^conversation_round_(\d+)\.json$/);
        if (!convFile) continue;
        const patchFile = pick(/^extracted_patch_(\d+)\.diff$/);
        const resolved = resolvedSet.has(inst);
        // The run's recorded total (its cost.json), proxy-agent calls included: what the run cost.
        const cost = files.includes("cost.json") ? readJson(path.join(dir, "cost.json")) : {};
        const r = convertAcr(
          readJson(path.join(dir, convFile)),
          patchFile ? fs.readFileSync(path.join(dir, patchFile), "utf8") : undefined,
          cat,
          resolved,
        );
        const scaled = scaleTokens(r.events, Number(cost.total_tokens));
        yield {
          meta: {
            id: `acr-gpt4-${run}__${inst}`,
            framework: "AutoCodeRover v0 (Apr 2024)",
            model: "gpt-4-0125-preview",
            modelSizeB: null,
            instance: inst,
            resolved,
            source: { ...SRC.acr, path: `results/${run}/${cat}/${task}/${convFile}` },
            ...outcome(r, resolved),
            tokenSource: scaled ? "scaled" : "estimated",
            run,
          },
          events: r.events,
        };
      }
    }
  }
}
export function* miniRuns(raw: string): Generator<Out> {
  const base = path.join(raw, "mini_gemini3pro");
  if (!fs.existsSync(base)) return;
  for (const f of fs.readdirSync(path.join(base, "trajs")).sort()) {
    const inst = f.replace(/\.traj\.json$/, "");
    const repPath = path.join(base, "reports", `${inst}.report.json`);
    if (!fs.existsSync(repPath)) continue; // outcome unknown -> not included
    const rep = readJson(repPath);
    const resolved = (rep[inst]?.resolved ?? rep.resolved) === true;
    const traj = readJson(path.join(base, "trajs", f));
    const r = convertMini(traj, resolved);
    yield {
      meta: {
        id: `mini-gemini3pro__${inst}`,
        framework: "mini-swe-agent 1.15.0 (bash-only)",
        model: "gemini-3-pro-preview",
        modelRaw: traj.info?.config?.model?.model_name,
        modelSizeB: null,
        instance: inst,
        resolved,
        source: { ...SRC.mini, path: `swebench_results/20251118_gemini-3-pro-74pct/trajs/${inst}/${f}` },
        ...outcome(r, resolved),
        tokenSource: r.recorded ? "recorded" : "estimated",
        run: "mini-20251118",
      },
      events: r.events,
    };
  }
}
const MOAT_MODEL: Record<string, string> = {
  "20240609_moatless_gpt4o": "gpt-4o-2024-05-13",
  "20240617_moatless_gpt-4o-2024-05-13": "gpt-4o-2024-05-13",
  "20240623_moatless_claude-3.5-sonnet": "claude-3-5-sonnet-20240620",
};
export function* moatlessRuns(raw: string): Generator<Out> {
  const base = path.join(raw, "moatless");
  if (!fs.existsSync(base)) return;
  for (const ev of fs.readdirSync(base).sort()) {
    const res = readJson(path.join(base, ev, "result.json"));
    const resolvedSet = new Set<string>(res.resolved ?? []);
    for (const f of fs.readdirSync(path.join(base, ev, "trajs")).sort()) {
      const inst = f.replace(/\.json$/, "");
      const traj = readJson(path.join(base, ev, "trajs", f));
      const resolved = resolvedSet.has(inst);
      const r = traj.steps ? convertMoatlessSteps(traj, resolved) : convertMoatless(traj, resolved);
      const modelRaw = traj.transitions?.[0]?.state?.model ?? MOAT_MODEL[ev];
      const model = MOAT_MODEL[ev];
      yield {
        meta: {
          id: `moatless-${ev.replace(/^(\d+)_moatless_/, "$1-")}__${inst}`,
          framework: "Moatless Tools v0.0.x (AgenticLoop)",
          model: model ?? modelRaw ?? "unknown",
          modelRaw,
          modelSizeB: null,
          instance: inst,
          resolved,
          source: { ...SRC.moat, path: `evaluations/${ev}/trajs/${f}` },
          ...outcome(r, resolved),
          tokenSource: "estimated",
          run: ev,
        },
        events: r.events,
      };
    }
  }
}

// ---------------------------------------------------------------- main: write corpus, stats, split
function main() {
  const [rawDir, outDir] = process.argv.slice(2);
  if (!rawDir || !outDir) {
    console.error("usage: npx tsx convert.ts <rawDir> <outDir>");
    process.exit(2);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const metas: Meta[] = [];
  for (const gen of [sweAgentRuns, sweAgentFolderRuns, acrRuns, miniRuns, moatlessRuns]) {
    for (const r of gen(rawDir)) {
      fs.writeFileSync(path.join(outDir, `${r.meta.id}.json`), JSON.stringify({ meta: r.meta, events: r.events }));
      metas.push(r.meta);
    }
  }
  const count = (key: (m: Meta) => string) => {
    const o: Record<string, { total: number; resolved: number; unresolved: number }> = {};
    for (const m of metas) {
      const k = key(m);
      o[k] ??= { total: 0, resolved: 0, unresolved: 0 };
      o[k].total++;
      if (m.resolved) o[k].resolved++;
      else o[k].unresolved++;
    }
    return o;
  };
  const fixKnown = metas.filter((m) => m.resolved && m.fixAtTurnBasis === "evidence").length;
  const stats = {
    total: metas.length,
    resolved: metas.filter((m) => m.resolved).length,
    unresolved: metas.filter((m) => !m.resolved).length,
    byFramework: count((m) => m.framework),
    byModel: count((m) => m.model),
    byRun: count((m) => m.run),
    byExitStatus: count((m) => `${m.framework} :: ${m.exitStatus}`),
    resolvedWithFixAtTurnFromEvidence: fixKnown,
    turns: {
      mean: +(metas.reduce((a, m) => a + m.turns, 0) / Math.max(metas.length, 1)).toFixed(1),
      max: Math.max(...metas.map((m) => m.turns)),
    },
  };
  const parent = path.dirname(path.resolve(outDir));
  fs.writeFileSync(path.join(parent, "stats.json"), JSON.stringify(stats, null, 2));
  // The fixed split by task (bench/traces/real-runs.ts): repeated runs of one task stay in one half.
  const tune = metas.filter((m) => splitOf(m.instance) === "tune").map((m) => m.id);
  const evalIds = metas.filter((m) => splitOf(m.instance) === "eval").map((m) => m.id);
  fs.writeFileSync(
    path.join(parent, "split.json"),
    JSON.stringify({ method: SPLIT_RULE, tune: tune.sort(), eval: evalIds.sort() }, null, 1),
  );
  console.log(
    JSON.stringify({
      total: stats.total,
      resolved: stats.resolved,
      unresolved: stats.unresolved,
      tune: tune.length,
      eval: evalIds.length,
    }),
  );
}
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
