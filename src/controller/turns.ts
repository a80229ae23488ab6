import type { Action } from "../agent/actions.js";
import type { AgentEvent, StopReason } from "../agent/events.js";
import { classifyStep, stepOutput, type Dependency, type StepClass } from "./classify-step.js";
import { normalise } from "./normalise.js";

/** One turn of a run, gathered from its events: what the controller's detectors read. */
export interface Turn {
  turn: number;
  tokens: number;
  thinkingCut: boolean;
  text: string;
  invalid?: "prose" | "malformed";
  action?: Action;
  /** The action with its arguments, as one comparable string. */
  signature?: string;
  /** The signature with numbers, /tmp paths, hashes and timestamps blanked. */
  shape?: string;
  /** What the observation answered (a shell step's without the run tool's `$ command` header), normalised alike. */
  resultShape?: string;
  /** What the step's result says (worked, informative negative, whose error). */
  step?: StepClass;
  observation?: Extract<AgentEvent, { type: "observation" }>;
  /**
   * The step changed files in the workspace: through edit/create_file (the file's path) or a shell command that
   * writes (the paths it names, [] when they cannot be told). Undefined when it changed nothing.
   */
  writes?: string[];
  refusedFinish: boolean;
  nudged?: StopReason;
}

/** Folds a run's events into turns (events before the first turn are ignored). */
export function toTurns(events: readonly AgentEvent[]): Turn[] {
  const turns: Turn[] = [];
  let current: Turn | undefined;
  /** Names of modules and packages the run itself made or pointed at (see OwnNames). */
  const own: OwnNames = { made: new Set(), quoted: new Set(), imported: new Set() };
  for (const event of events) {
    if (event.type === "turn_start") {
      current = { turn: event.turn, tokens: 0, thinkingCut: false, text: "", refusedFinish: false };
      turns.push(current);
      continue;
    }
    if (!current) continue;
    switch (event.type) {
      case "model_reply":
        current.tokens += event.promptTokens + event.completionTokens;
        current.thinkingCut ||= event.thinkingCut;
        current.text = event.text;
        break;
      case "invalid_reply":
        current.invalid = event.kind;
        break;
      case "action":
        current.action = event.action;
        current.signature = JSON.stringify(event.action);
        current.shape = normalise(current.signature);
        break;
      case "observation":
        if (!current.observation || event.tests) {
          current.observation = event;
          const command = current.action?.tool === "run" ? current.action.command : undefined;
          // What the step answered, without the run tool's `$ command` header: the same output under another
          // spelling of the command is no new content.
          current.resultShape = normalise(stepOutput(event.tool, event.text));
          current.step = classifyStep({ tool: event.tool, text: event.text, isError: event.isError, command });
          current.writes = stepWrites(event, command);
          if (current.step.kind === "environment" && runsOwn(current.step.dependency, own, command))
            current.step = { kind: "model" };
          for (const name of madeNames(current.writes ?? [], command)) own.made.add(name);
          if (current.action) pointedAt(current.action, own);
        }
        break;
      case "verdict":
        if (event.verdict === "refuse-finish") current.refusedFinish = true;
        if (event.verdict === "nudge") current.nudged = event.detector;
        break;
    }
  }
  return turns;
}

/**
 * The files a step wrote (see Turn.writes): an edit's or created file's path, unless the tool refused it (text not
 * found, a linter's rejection: it changed nothing); a shell command's targets, from the command.
 */
function stepWrites(event: Extract<AgentEvent, { type: "observation" }>, command: string | undefined) {
  if (event.file) return event.isError ? undefined : [event.file.path];
  if (command === undefined) return undefined;
  return event.isError ? heredocWrites(command) : shellWrites(command);
}

/** Names no dependency has but a model's scaffolding does (reproduce_app, test_app, your_project, django__django). */
const SCAFFOLD_MODULE = /^(?:your|my|reproduce|repro|test|example|dummy|fake|sample)_|_app$|__/;

/** Module names a run made or pointed at, gathered turn by turn. */
interface OwnNames {
  /** Files and folders it created or wrote, and folders its paths begin with at the repository's root. */
  made: Set<string>;
  /** Quoted in code it wrote (`'myapp'` in the INSTALLED_APPS of a settings block it made up). */
  quoted: Set<string>;
  /**
   * Imported in code it wrote (`import numpy`, or mocked in `sys.modules`): a dependency it expects, even when it
   * also names it in quotes.
   */
  imported: Set<string>;
}

/**
 * A missing Python module that is the model's own: one the run made (a folder or file it created), a folder at the
 * repository's root its paths use (`tests/runtests.py`: the script run from the wrong folder), a name it quoted but
 * never imported in code it wrote (an app its made-up settings list), or a name only scaffolding has
 * (`reproduce_app`, `your_project`, a repository folder's name such as `django__django`).
 */
function runsOwn(dependency: Dependency | undefined, own: OwnNames, command: string | undefined): boolean {
  const name = dependency?.ecosystem === "python" ? dependency.name : undefined;
  if (!name) return false;
  const mkdir = command ? madeNames([], command) : [];
  return (
    own.made.has(name) ||
    (own.quoted.has(name) && !own.imported.has(name)) ||
    mkdir.includes(name) ||
    SCAFFOLD_MODULE.test(name)
  );
}

/** `import x`, `from x import`, and naming x to import it or stand in for it (`sys.modules["x"] = Mock()`). */
const IMPORTS = new RegExp(
  String.raw`^\s*(?:import|from)\s+([A-Za-z_]\w*)|` +
    String.raw`(?:sys\.modules\[|import_module\(|importorskip\(|__import__\(|find_spec\()\s*['"]([A-Za-z_]\w*)`,
  "gm",
);

/** Adds the module names an action points at (see OwnNames) to `own`. */
function pointedAt(action: Action, own: OwnNames): void {
  // Python it wrote: a `.py` file it created or edited, or a heredoc in a shell line that names one. Names quoted
  // in a manifest (`dependencies = ["numpy"]`) are dependencies, not inventions.
  const code =
    action.tool === "create_file" && action.path.endsWith(".py")
      ? action.content
      : action.tool === "edit" && action.path.endsWith(".py")
        ? action.replace
        : action.tool === "run" && /\.py\b/.test(action.command)
          ? heredocBodies(action.command)
          : "";
  for (const m of code.matchAll(/['"]([A-Za-z_]\w*)(?:\.[\w.]*)?['"]/g)) own.quoted.add(m[1]!);
  for (const m of code.matchAll(IMPORTS)) own.imported.add((m[1] ?? m[2])!);
  const paths = action.tool === "run" ? action.command : "path" in action ? (action.path ?? "") : "";
  for (const m of paths.matchAll(/(?:^|[\s'"=(])(?:\/[\w.-]+\/)?([A-Za-z_]\w*)\//g)) own.made.add(m[1]!);
}

/** A shell line's heredoc bodies (the code a `cat <<EOF > x.py` writes) and the rest, the lines the shell runs. */
export function splitHeredocs(command: string): { bodies: string; shell: string } {
  const bodies: string[] = [];
  const shell: string[] = [];
  let end: string | undefined;
  for (const line of command.split("\n")) {
    if (end !== undefined) {
      if (line.trim() === end) end = undefined;
      else bodies.push(line);
    } else {
      shell.push(line);
      end = /<<-?\s*(['"]?)(\w+)\1/.exec(line)?.[2];
    }
  }
  return { bodies: bodies.join("\n"), shell: shell.join("\n") };
}
const heredocBodies = (command: string) => splitHeredocs(command).bodies;

/** Module-like names of files and folders written or created (`a/b.py` gives a and b; `mkdir -p x/y` gives x, y). */
function madeNames(writes: readonly string[], command: string | undefined): string[] {
  const paths = [...writes];
  for (const m of command?.matchAll(/\b(?:mkdir|touch)\s+(?:-\w+\s+)*([^\n&|;]+)/g) ?? [])
    paths.push(...m[1]!.split(/\s+/));
  return paths.flatMap((p) =>
    p
      .replace(/^\.\//, "")
      .split("/")
      .map((seg) => seg.replace(/\.py$/, ""))
      .filter((seg) => /^[A-Za-z_]\w*$/.test(seg)),
  );
}

/** An error text with numbers and hex ids blanked, so "line 12" and "line 13" count as the same error. */
export function errorShape(text: string): string {
  return text
    .replace(/0x[0-9a-f]+|\b[0-9a-f]{7,}\b|\d+(\.\d+)?/gi, "#")
    .replace(/\s+/g, " ")
    .slice(0, 500);
}

/** A step that changed files: an edit, a created file, or a shell command that writes (sed -i, a redirect, tee). */
export const isEdit = (t: Turn) => t.writes !== undefined;

/**
 * The turns before turn index `i` whose answers the model may still have in view and that nothing has changed
 * since: at most `recent` turns back, and none before the last edit.
 */
export function inViewSinceEdit(turns: readonly Turn[], i: number, recent: number): readonly Turn[] {
  let from = Math.max(0, i - recent);
  for (let k = i - 1; k >= from; k--) if (isEdit(turns[k]!)) from = k + 1;
  return turns.slice(from, i);
}

/** Whether a step that wrote may have changed `path` (a write whose targets are unknown may have). */
export const mayHaveWritten = (t: Turn, path: string | undefined) =>
  t.writes !== undefined && (!path || !t.writes.length || t.writes.some((w) => sameFile(w, path)));

/** Two workspace paths that may name one file: equal, or one the other's tail (`src/a.py` and `a.py`). */
export const sameFile = (a: string, b: string) => a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);

const SCRATCH = /^(?:\/tmp\/|\/dev\/)/;

/**
 * The workspace files a shell line writes with `cat` and a heredoc (`cat <<'EOF' > t.py`, `cat >> t.py <<EOF`):
 * such a write does not fail, so when the line fails (the script it then runs did), the file was still written.
 */
export function heredocWrites(command: string): string[] | undefined {
  const paths = [
    ...command.matchAll(
      /\bcat\s+(?:>>?\s*([^\s<>&|;]+)\s+<<-?\s*['"]?\w+['"]?|<<-?\s*['"]?\w+['"]?\s*>>?\s*([^\s<>&|;]+))/g,
    ),
  ]
    .map((m) => (m[1] ?? m[2])!.replace(/^['"]|['"]$/g, "").replace(/^\.\//, ""))
    .filter((p) => !SCRATCH.test(p));
  return paths.length ? paths : undefined;
}

/**
 * The workspace files a shell command writes, or undefined when it writes none: `sed -i` / `perl -i` on files,
 * redirects and `tee` into files (not /dev/null, descriptors or /tmp), patch / git apply, and scripts that open
 * files for writing ([]: their targets cannot be told from the command).
 */
export function shellWrites(command: string): string[] | undefined {
  const paths = new Set<string>();
  let writes = false;
  // Redirects, tee and sed in what the shell runs, not in a heredoc's text (`if a > b:` in a script written out).
  const shell = splitHeredocs(command).shell;
  for (const m of shell.matchAll(
    /(?<![0-9&<>])>{1,2}\s*(?!&)(['"]?)([^\s'"<>&|;()]+)\1|\btee\s+(?:-a\s+)?([^\s<>&|;()]+)/g,
  )) {
    const target = m[2] ?? m[3]!;
    if (SCRATCH.test(target)) continue;
    writes = true;
    paths.add(target.replace(/^\.\//, ""));
  }
  for (const m of shell.matchAll(/\b(?:sed|perl)\s+(?:-[a-zA-Z]*\s+)*-[a-zA-Z]*i[a-zA-Z.]*\b(.*?)(?:$|&&|;|\|)/gm)) {
    writes = true;
    // The files are the arguments outside quotes: a quoted script (`s/a.py/b.py/`) names no file.
    const args = m[1]!.replace(/'[^']*'|"[^"]*"/g, " ");
    for (const t of args.match(/[\w./-]+\.\w+/g) ?? []) if (!SCRATCH.test(t) && /\//.test(t)) paths.add(t);
  }
  if (/\b(?:patch\b|git\s+apply\b)|\.write\(|write_text\(|open\([^)]*,\s*['"][wa]/.test(command)) writes = true;
  return writes ? [...paths] : undefined;
}
