import type { Sandbox } from "../sandbox/sandbox.js";
import { escapeRegExp } from "../text/escape-regexp.js";

export interface Clues {
  paths: string[];
  frames: { path: string; line: number }[];
  identifiers: string[];
  errors: string[];
}

export interface RankedFile {
  path: string;
  score: number;
  reasons: string[];
}

export interface Localisation {
  clues: Clues;
  ranked: RankedFile[];
  /** The model's starting context: repository map, best snippets, test command; within the budget. */
  text: string;
}

const EXTENSIONS =
  "py|ts|tsx|js|jsx|mjs|cjs|go|rs|java|kt|rb|php|c|h|cc|cpp|hpp|cs|swift|scala|sh|md|json|ya?ml|toml|cfg|ini";
const PATH = new RegExp(`(?:^|[\\s"'\`(\\[])((?:[\\w.-]+/)*[\\w.-]+\\.(?:${EXTENSIONS}))(?::(\\d+))?`, "g");
const PY_FRAME = /File "([^"]+)", line (\d+)/g;
const JS_FRAME = /at (?:[^\s(]+ )?\(?([^\s():]+\.[a-z]+):(\d+):\d+\)?/g;
const STOP = new Set([
  "the",
  "and",
  "this",
  "that",
  "with",
  "from",
  "when",
  "should",
  "would",
  "could",
  "there",
  "which",
  "error",
  "line",
  "file",
  "true",
  "false",
  "none",
  "null",
  "return",
  "function",
  "class",
  "import",
]);

/** Paths, stack frames, code-like identifiers and error lines from untrusted issue text (bounded). */
export function extractClues(issueText: string): Clues {
  const text = issueText.slice(0, 64 * 1024);
  const frames = [...text.matchAll(PY_FRAME), ...text.matchAll(JS_FRAME)].map((m) => ({
    path: normalise(m[1]!),
    line: Number(m[2]),
  }));
  const paths = unique([...text.matchAll(PATH)].map((m) => normalise(m[1]!)).concat(frames.map((f) => f.path))).slice(
    0,
    20,
  );
  const identifiers = unique(
    [
      ...text.matchAll(
        /`([A-Za-z_][\w.]{2,60})`|\b([A-Za-z_]\w*_\w+|[a-z]+[A-Z]\w*|[A-Z][a-z]+[A-Z]\w*|[A-Za-z_]\w{2,})(?=\()/g,
      ),
    ]
      .map((m) => (m[1] ?? m[2])!.split(".").pop()!)
      .filter((w) => w.length >= 3 && !STOP.has(w.toLowerCase())),
  ).slice(0, 20);
  const errors = unique(
    text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /\b(\w*Error|\w*Exception|panic|AssertionError|assert)\b/.test(l) && l.length < 300),
  ).slice(0, 5);
  return { paths, frames: frames.slice(0, 20), identifiers, errors };
}

/**
 * Localisation in code, before the model's first turn: take the clues from the issue, search the
 * repository for them, rank files, and write the model's starting context within `tokenBudget`.
 */
export async function localise(
  sandbox: Sandbox,
  issue: { title: string; body: string },
  testCommand: string,
  tokenBudget = 3000,
  signal?: AbortSignal,
): Promise<Localisation> {
  const clues = extractClues(`${issue.title}\n${issue.body}`);
  const listing = await sandbox.exec("rg --files --hidden -g '!.git' | sort | head -n 5000", {
    timeoutMs: 30_000,
    maxOutputBytes: 512 * 1024,
    signal,
  });
  const files = listing.stdout.split("\n").filter(Boolean);
  const scores = new Map<string, RankedFile>();
  const add = (path: string, score: number, reason: string) => {
    const entry = scores.get(path) ?? { path, score: 0, reasons: [] };
    entry.score += score;
    entry.reasons.push(reason);
    scores.set(path, entry);
  };
  for (const mentioned of clues.paths)
    for (const file of files)
      if (file === mentioned || file.endsWith(`/${mentioned}`)) add(file, 10, `named in the issue`);
  for (const frame of clues.frames)
    for (const file of files)
      if (frame.path.endsWith(file) || file.endsWith(frame.path)) add(file, 8, `stack frame line ${frame.line}`);
  if (clues.identifiers.length > 0) {
    const patterns = clues.identifiers.map((id) => `-e '${id.replace(/'/g, "")}'`).join(" ");
    const hits = await sandbox.exec(`rg --count-matches -F -w ${patterns} | head -n 200`, {
      timeoutMs: 30_000,
      maxOutputBytes: 64 * 1024,
      signal,
    });
    for (const line of hits.stdout.split("\n").filter(Boolean)) {
      const [path, count] = [line.slice(0, line.lastIndexOf(":")), Number(line.slice(line.lastIndexOf(":") + 1))];
      if (files.includes(path)) add(path, Math.min(count, 5) + (isTest(path) ? 0 : 1), `${count} identifier hits`);
    }
  }
  const ranked = [...scores.values()].sort((a, b) => b.score - a.score || a.path.localeCompare(b.path)).slice(0, 10);

  const budget = tokenBudget * 4;
  const sections = [
    `## Test command\n${testCommand}`,
    `## Repository map (${files.length} files)\n${repoMap(files, 60)}`,
  ];
  if (ranked.length > 0)
    sections.push(
      `## Files that look relevant\n${ranked.map((r) => `- ${r.path} (${r.reasons.join(", ")})`).join("\n")}`,
    );
  let used = sections.join("\n\n").length;
  for (const file of ranked.slice(0, 3)) {
    const snippet = await snippetFor(sandbox, file.path, clues);
    if (!snippet || used + snippet.length > budget) continue;
    sections.push(snippet);
    used += snippet.length;
  }
  return { clues, ranked, text: sections.join("\n\n").slice(0, budget) };
}

/** Files grouped by directory, deepest detail dropped first when over `maxLines`. */
function repoMap(files: string[], maxLines: number): string {
  const byDir = new Map<string, string[]>();
  for (const file of files) {
    const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : ".";
    byDir.set(dir, [...(byDir.get(dir) ?? []), file.slice(file.lastIndexOf("/") + 1)]);
  }
  const lines = [...byDir].map(
    ([dir, names]) =>
      `${dir}/: ${names.slice(0, 12).join(", ")}${names.length > 12 ? `, … (${names.length} files)` : ""}`,
  );
  return lines.length <= maxLines
    ? lines.join("\n")
    : `${lines.slice(0, maxLines).join("\n")}\n… (${lines.length - maxLines} more directories)`;
}

async function snippetFor(sandbox: Sandbox, path: string, clues: Clues): Promise<string | undefined> {
  let content: string;
  try {
    content = await sandbox.readFile(path, { maxBytes: 512 * 1024 });
  } catch {
    return undefined;
  }
  const lines = content.split("\n");
  const frame = clues.frames.find((f) => f.path.endsWith(path) || path.endsWith(f.path));
  const hit = frame
    ? frame.line - 1
    : lines.findIndex((l) => clues.identifiers.some((id) => new RegExp(`\\b${escapeRegExp(id)}\\b`).test(l)));
  const center = hit >= 0 ? hit : 0;
  const from = Math.max(0, center - 8);
  const body = lines
    .slice(from, from + 24)
    .map((l, i) => `${String(from + i + 1).padStart(5)}  ${l}`)
    .join("\n");
  return `## ${path} (lines ${from + 1}-${Math.min(lines.length, from + 24)} of ${lines.length})\n${body}`;
}

const normalise = (p: string) => p.replace(/^\.\//, "").replace(/^\/workspace\//, "");
const unique = <T>(xs: T[]) => [...new Set(xs)];
const isTest = (p: string) => /(^|\/)(tests?|__tests__|spec)(\/|$)|[._-](test|spec)\.|^test_/.test(p);
