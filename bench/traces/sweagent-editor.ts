import type { Action } from "../../src/agent/actions.js";

/**
 * The words of a shell command line as a shell would split them: whitespace outside quotes separates, '…' is
 * literal, "…" and bare words take backslash escapes. SWE-agent 1.x records each tool call as such a line, every
 * argument quoted (`str_replace_editor str_replace /a.py --old_str 'x = 1' --new_str 'x = 2'`).
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += ch;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      [word, inWord] = ["", false];
    } else {
      inWord = true;
      if (ch === "'" || ch === '"') quote = ch;
      else if (ch === "\\" && i + 1 < line.length) word += line[++i];
      else word += ch;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** `--flag value` pairs after the positional words. */
function flags(words: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string | undefined;
  for (const w of words) {
    if (/^--\w+$/.test(w)) out.set((current = w.slice(2)), []);
    else if (current) out.get(current)!.push(w);
  }
  return out;
}

/**
 * SWE-agent 1.x's file editor (`str_replace_editor view|create|str_replace|insert <path> …`) as the Nightshift
 * action that does the same; undefined for a line that is not an editor call (or an `undo_edit`, which is read as a
 * shell command). A view of a folder lists files. An insertion is an edit of no lines, named by its line.
 */
export function editorAction(line: string, observation: string): Action | undefined {
  if (!/^str_replace_editor\s/.test(line.trim())) return undefined;
  const words = shellWords(line.trim());
  const [, command, path] = words;
  if (!path) return undefined;
  const f = flags(words.slice(3));
  const one = (name: string) => f.get(name)?.join(" ");
  switch (command) {
    case "view": {
      if (/^Here's the files and directories/.test(observation)) return { tool: "find_files", glob: `${path}/*` };
      const [start, end] = (f.get("view_range") ?? []).map(Number);
      return start !== undefined && Number.isInteger(start) && end !== undefined && Number.isInteger(end)
        ? { tool: "read_file", path, start_line: start, end_line: end < 0 ? start + 100 : end }
        : { tool: "read_file", path };
    }
    case "create":
      return { tool: "create_file", path, content: one("file_text") ?? "" };
    case "str_replace":
      return { tool: "edit", path, search: one("old_str") ?? "", replace: one("new_str") ?? "" };
    case "insert":
      return {
        tool: "edit",
        path,
        search: `after line ${one("insert_line") ?? "?"} of ${path}`,
        replace: one("new_str") ?? "",
      };
    default:
      return undefined;
  }
}

/** The editor's own refusals (SWE-agent 1.x): no replacement made, a path that is not there, bad arguments. */
export const EDITOR_ERROR = new RegExp(
  String.raw`^(?:No replacement was performed|The path \S+ does not exist|Invalid \`(?:view_range|insert_line)\`|` +
    String.raw`File already exists at|The path \S+ is (?:a directory|not an absolute path)|` +
    String.raw`Parameter \`\w+\` is required|No edit history found|ERROR:|Error:)`,
  "m",
);
