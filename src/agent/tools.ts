import { createHash } from "node:crypto";
import type { Sandbox } from "../sandbox/sandbox.js";
import type { Action } from "./actions.js";
import { failedCount } from "./failed-count.js";
import { runsTests, testRunResult } from "./test-run.js";

/** What a tool returns to the model. Errors are observations too, and say how to fix the call. */
export interface Observation {
  text: string;
  isError: boolean;
  /** The action changed a file. */
  edited?: boolean;
  /** For edits: the file and hashes of its content before and after (oscillation shows as a repeated hash). */
  file?: { path: string; before?: string; after: string; lines?: number };
  /** The action ran the test command: whether it passed, and how many tests failed when the output says. */
  tests?: { passed: boolean; failed?: number; output: string };
  /**
   * The action ran tests by another command than the project's (a selection, a runner by hand): what they said. The
   * early-stop controller judges these runs too; the finish gate and the second attempt go by `tests` only.
   */
  testRun?: { passed: boolean; failed?: number };
}

const hash = (text: string) => createHash("sha1").update(text).digest("hex").slice(0, 16);

/**
 * What the model sees of a shell step: the command, its status (`exit code N` or `timed out after …`), then its
 * output. The controller reads the output back out of this (src/controller/classify-step.ts commandOutput).
 */
export const runObservationText = (command: string, status: string, output: string) =>
  `$ ${command}\n${status}\n${output}`;

export interface ToolLimits {
  /** Lines returned by one read_file. */
  readLines: number;
  /** Bytes of command output kept (head and tail). */
  outputBytes: number;
  /** Default timeout of `run`, seconds. */
  runTimeoutS: number;
}

export const DEFAULT_TOOL_LIMITS: ToolLimits = { readLines: 200, outputBytes: 8 * 1024, runTimeoutS: 300 };

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Carries out one action inside the sandbox. */
export async function executeAction(
  sandbox: Sandbox,
  action: Action,
  context: { testCommand: string; limits?: ToolLimits; signal?: AbortSignal; overwrite?: boolean },
): Promise<Observation> {
  const limits = context.limits ?? DEFAULT_TOOL_LIMITS;
  const sh = (command: string, timeoutS = 60) =>
    sandbox.exec(command, { timeoutMs: timeoutS * 1000, maxOutputBytes: limits.outputBytes, signal: context.signal });
  switch (action.tool) {
    case "find_files": {
      const result = await sh(`rg --files --hidden -g '!.git' -g ${quote(action.glob)} | sort | head -n 200`);
      const files = result.stdout.trim();
      return files
        ? { text: files, isError: false }
        : {
            text: `No files match ${action.glob}. Try a wider glob such as **/*${action.glob.split("/").pop()}.`,
            isError: true,
          };
    }
    case "search": {
      const result = await sh(
        `rg -n --no-heading --max-columns 200 --max-count 20 -e ${quote(action.pattern)} ` +
          `${quote(action.path ?? ".")} | head -n 100`,
      );
      if (result.exitCode === 2)
        return {
          text:
            `The search failed: ${result.stderr.trim()}. Check the pattern (it is a regex; escape ( [ . with ` +
            `a backslash) and the path.`,
          isError: true,
        };
      return result.stdout.trim()
        ? { text: result.stdout.trim(), isError: false }
        : { text: `No matches for ${action.pattern}${action.path ? ` in ${action.path}` : ""}.`, isError: false };
    }
    case "read_file":
      return readLines(sandbox, action.path, action.start_line, action.end_line, limits.readLines);
    case "edit":
      return editFile(sandbox, action.path, action.search, action.replace);
    case "create_file": {
      if (!context.overwrite && (await sh(`test -e ${quote(action.path)}`)).exitCode === 0) {
        return {
          text: `${action.path} already exists. Use edit to change part of it; create_file never overwrites a file.`,
          isError: true,
        };
      }
      await sandbox.writeFile(action.path, action.content);
      return {
        text: `Created ${action.path} (${action.content.split("\n").length} lines).`,
        isError: false,
        edited: true,
        file: { path: action.path, after: hash(action.content), lines: lineCount(action.content) },
      };
    }
    case "run": {
      const result = await sh(action.command, action.timeout_s ?? limits.runTimeoutS);
      const output = `${result.stdout}${result.stderr ? `\n[stderr]\n${result.stderr}` : ""}`.trim();
      const status = result.timedOut
        ? `timed out after ${action.timeout_s ?? limits.runTimeoutS} s`
        : `exit code ${result.exitCode}`;
      const isTest = action.command.trim() === context.testCommand.trim();
      return {
        text: runObservationText(action.command, status, output),
        isError: result.exitCode !== 0,
        tests: isTest
          ? { passed: result.exitCode === 0, failed: result.exitCode === 0 ? 0 : failedCount(output), output }
          : undefined,
        testRun:
          !isTest && !result.timedOut && runsTests(action.command) ? testRunResult(result.exitCode, output) : undefined,
      };
    }
    case "finish":
      return { text: "finish is handled by the loop", isError: false };
  }
}

async function readLines(
  sandbox: Sandbox,
  path: string,
  start = 1,
  end: number | undefined,
  maxLines: number,
): Promise<Observation> {
  let content: string;
  try {
    content = await sandbox.readFile(path, { maxBytes: 2 * 1024 * 1024 });
  } catch (error) {
    return { text: `${(error as Error).message}. Use find_files to see which files exist.`, isError: true };
  }
  const lines = content.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const last = Math.min(end ?? start + maxLines - 1, start + maxLines - 1, lines.length);
  if (start > lines.length) return { text: `${path} has only ${lines.length} lines.`, isError: true };
  const body = lines
    .slice(start - 1, last)
    .map((line, i) => `${String(start + i).padStart(5)}  ${line}`)
    .join("\n");
  const more =
    last < lines.length ? `\n[lines ${last + 1}-${lines.length} not shown; read_file with start_line=${last + 1}]` : "";
  return { text: `${path} (${lines.length} lines)\n${body}${more}`, isError: false };
}

/**
 * Exact search/replace that must match once. A whitespace-only difference (indentation, trailing
 * spaces) still matches when it identifies one place; zero or several matches are refused with the
 * nearest candidates or the lines of every match.
 */
export async function editFile(sandbox: Sandbox, path: string, search: string, replace: string): Promise<Observation> {
  let content: string;
  try {
    content = await sandbox.readFile(path, { maxBytes: 2 * 1024 * 1024 });
  } catch (error) {
    return { text: `${(error as Error).message}. To make a new file use create_file.`, isError: true };
  }
  const exact = occurrences(content, search);
  let span: [number, number] | undefined;
  if (exact.length === 1) span = [exact[0]!, exact[0]! + search.length];
  else if (exact.length > 1)
    return {
      text:
        `The search text occurs ${exact.length} times in ${path} (lines ` +
        `${exact.map((i) => lineOf(content, i)).join(", ")}). Include more surrounding lines so it matches ` +
        `exactly once.`,
      isError: true,
    };
  else {
    const loose = looseMatches(content, search);
    if (loose.length === 1) span = loose[0];
    else if (loose.length > 1)
      return {
        text:
          `The search text matches ${loose.length} places in ${path} when whitespace is ignored (lines ` +
          `${loose.map(([s]) => lineOf(content, s)).join(", ")}). Include more surrounding lines.`,
        isError: true,
      };
  }
  if (!span)
    return {
      text:
        `The search text was not found in ${path}. Nearest lines:\n${nearest(content, search)}\nCopy the text ` +
        `exactly from read_file output (without the line numbers).`,
      isError: true,
    };
  const updated = content.slice(0, span[0]) + replace + content.slice(span[1]);
  if (updated === content) return { text: "search and replace are the same; nothing changed.", isError: true };
  await sandbox.writeFile(path, updated);
  return {
    text: `Edited ${path} at line ${lineOf(content, span[0])}.`,
    isError: false,
    edited: true,
    file: { path, before: hash(content), after: hash(updated), lines: lineCount(updated) },
  };
}

/** Lines in a file's content (a final newline ends the last line; it does not start another). */
const lineCount = (content: string) => content.split("\n").length - (content.endsWith("\n") ? 1 : 0);

function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = [];
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) found.push(i);
  return found;
}

/** Matches of `search` line by line with leading/trailing whitespace ignored; spans in `content`. */
function looseMatches(content: string, search: string): [number, number][] {
  const want = search.split("\n").map((l) => l.trim());
  while (want.length > 0 && want.at(-1) === "") want.pop();
  if (want.length === 0) return [];
  const lines = content.split("\n");
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + 1;
  }
  const spans: [number, number][] = [];
  for (let i = 0; i + want.length <= lines.length; i++) {
    if (want.every((w, k) => lines[i + k]!.trim() === w)) {
      const endLine = i + want.length - 1;
      spans.push([starts[i]!, starts[endLine]! + lines[endLine]!.length]);
    }
  }
  return spans;
}

function nearest(content: string, search: string): string {
  const first =
    search
      .split("\n")
      .find((l) => l.trim())
      ?.trim() ?? "";
  const words = new Set(first.split(/\W+/).filter(Boolean));
  return (
    content
      .split("\n")
      .map((line, i) => ({ line, i, score: line.split(/\W+/).filter((w) => words.has(w)).length }))
      .filter((c) => c.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, 3)
      .map((c) => `${String(c.i + 1).padStart(5)}  ${c.line}`)
      .join("\n") || "  (no similar lines)"
  );
}

function lineOf(content: string, index: number): number {
  return content.slice(0, index).split("\n").length;
}
