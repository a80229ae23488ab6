import type { ActionKind } from "../agent/actions.js";

/**
 * What a step's result says, read from its observation text and tool (pure):
 * - `ok`: it worked;
 * - `negative`: an informative negative — a search that found nothing, a path that is not there while
 *   looking for files, a file to delete that is already gone. The model learned something; not a mistake;
 * - `model`: an error the model caused (bad path, bad arguments, its code failing);
 * - `environment`: something the sandbox lacks that no model can fix — a command or toolchain, a module
 *   or dependency, network access, disk space. `missing` names it, `fix` tells the maintainer what to change;
 * - `infrastructure`: the machinery failed (a command killed by a time or memory limit).
 */
export type StepClass =
  | { kind: "ok" | "negative" | "model" | "infrastructure" }
  | {
      kind: "environment";
      missing: string;
      fix: string;
      /** For a missing toolchain: the command the output named (`javac`), one of the several that name it. */
      shown?: string;
      /** For a missing module or package: which, as data (what `missing` says in words). */
      dependency?: Dependency;
    };

/** A missing dependency by name: a Python module (top-level name) or a Node package. */
export interface Dependency {
  ecosystem: "python" | "node";
  name: string;
}

export interface Step {
  tool: ActionKind;
  text: string;
  isError: boolean;
  /** The shell command, for `run` steps. */
  command?: string;
}

const SEARCHING = /^\s*(?:grep|rg|git\s+grep|find|ls|locate|which|ag|fd|test\s+-[efd])\b/;
/** A pipeline whose last stage filters with grep (`pip list | grep mysql`): printing nothing, it found no match. */
const FILTERED = /\|\s*(?:grep|rg|ag)\b[^|&;\n]*$/;
const NO_MATCH_TEXT = new RegExp(
  String.raw`\bno (?:matches|match|results?|search results|files?) (?:found|for)\b|\bnot found in\b|` +
    String.raw`\bfound 0\b|^Did not find any`,
  "im",
);
/** Nothing at all, or the search's own "no match" (a blank line between matches is no negative). */
const noMatch = (text: string) => !text.trim() || NO_MATCH_TEXT.test(text);

/**
 * What a shell step printed, without the header Nightshift's run tool puts first (`$ command`, which may span lines,
 * then `exit code N` or `timed out after …`; src/agent/tools.ts) and its `[stderr]` marker: a grep that found
 * nothing printed nothing.
 */
export function commandOutput(text: string): string {
  const m = RUN_HEADER.exec(text);
  return m ? text.slice(m[0].length).replace(/^\[stderr\]$/m, "") : text;
}
const RUN_HEADER = /^\$ [\s\S]*?\n(exit code -?\d+|timed out after [^\n]*)(?:\n|$)/;

/** What a step answered: for a shell step, what the command printed (commandOutput); for other tools, their text. */
export const stepOutput = (tool: string, text: string) => (tool === "run" ? commandOutput(text) : text);

/** A step's result without the command line the run tool echoes: its status line and what the command printed. */
const resultOf = (text: string) => {
  const m = RUN_HEADER.exec(text);
  return m ? `${m[1]}\n${text.slice(m[0].length)}` : text;
};

interface EnvRule {
  pattern: RegExp;
  missing: (m: RegExpMatchArray) => string;
  fix: string;
  /** The command the output named, when it belongs to a toolchain (the toolchain's own fix then applies). */
  shown?: (m: RegExpMatchArray) => string;
  /** The missing module or package, for rules about one. */
  dependency?: (m: RegExpMatchArray) => Dependency;
  /**
   * When the match is the model's doing after all (give the pattern the `g` flag so later matches are tried); gets
   * the model's command line when there is one.
   */
  unless?: (m: RegExpMatchArray, command: string | undefined) => boolean;
}

/**
 * Commands no image provides because they are an agent's tools, not programs: Nightshift's own actions and
 * those of the agent frameworks models are trained on (SWE-agent, OpenHands, mini-swe-agent). A model that
 * types one into the shell made a mistake; installing something would not help.
 */
const AGENT_COMMANDS = new Set([
  ...["read_file", "find_files", "search", "edit", "create_file", "run", "finish"],
  ...["open", "goto", "scroll_up", "scroll_down", "create", "end_of_edit", "search_dir", "search_file"],
  ...["find_file", "submit", "close", "str_replace_editor", "str_replace", "view", "insert", "undo_edit"],
  ...["execute_bash", "think", "filemap", "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "MINI_SWE_AGENT_FINAL_OUTPUT"],
]);

const SETUP = "install it in the repository's `setup` command or the sandbox `image`";

/**
 * Commands that belong to one toolchain: a model missing `javac` tries `mvn`, `java` and `./gradlew` next, and all
 * of them say the same thing, that the image has no JDK. They count as one missing thing.
 */
const TOOLCHAINS: { commands: string[]; missing: string; install: string }[] = [
  {
    commands: ["java", "javac", "jar", "jshell", "mvn", "gradle", "ant", "kotlinc", "sbt"],
    missing: "a JDK with Maven or Gradle",
    install: "a JDK and the build tool, and set JAVA_HOME,",
  },
  { commands: ["go", "gofmt"], missing: "a Go toolchain", install: "Go" },
  { commands: ["cargo", "rustc", "rustup"], missing: "a Rust toolchain", install: "Rust (cargo)" },
  {
    commands: ["node", "npm", "npx", "yarn", "pnpm", "corepack"],
    missing: "a Node.js toolchain",
    install: "Node.js and its package manager",
  },
  { commands: ["dotnet"], missing: "a .NET SDK", install: "the .NET SDK" },
  { commands: ["ruby", "gem", "bundle", "bundler", "rake"], missing: "a Ruby toolchain", install: "Ruby and Bundler" },
  { commands: ["php", "composer"], missing: "a PHP toolchain", install: "PHP and Composer" },
  {
    commands: ["gcc", "g++", "cc", "c++", "clang", "clang++", "make", "cmake", "ninja"],
    missing: "a C/C++ build toolchain",
    install: "the compiler and build tools",
  },
];
const toolchainOf = (command: string) => TOOLCHAINS.find((t) => t.commands.includes(command));
const installIn = (what: string) => `install ${what} in the sandbox \`image\` or the repository's \`setup\` command`;
const JAVA = toolchainOf("java")!;

/** The top-level name of the module a Python import error names (`yaml` for `yaml.constructor`). */
const pythonModule = (m: RegExpMatchArray) => (m[1] ?? m[2])!.split(".")[0]!;

const ENV_RULES: EnvRule[] = [
  {
    pattern: new RegExp(
      [
        // Gradle's wrapper, mvnw, and Maven's own script (`The JAVA_HOME environment variable is not defined
        // correctly`, `Error: JAVA_HOME not found in your environment.`).
        "JAVA_HOME (?:environment variable )?" +
          "(?:is not set|is set to an invalid directory|(?:is )?not (?:defined|found in))",
        "no java runtime present",
        // Maven with a JRE only.
        "No compiler is provided in this environment|running on a JRE rather than a JDK",
      ].join("|"),
      "i",
    ),
    missing: () => JAVA.missing,
    fix: installIn(JAVA.install),
  },
  // A toolchain older than the project builds for: the image's version, not the code, is wrong.
  {
    pattern: new RegExp(
      [
        String.raw`invalid (?:target|source) release:|release version \d+ not supported`,
        "Unsupported class file major version|compiled by a more recent version of the Java Runtime",
      ].join("|"),
      "i",
    ),
    missing: () => "a JDK of the version the project builds for",
    fix: installIn("the JDK version the build targets"),
  },
  {
    pattern: /requires go >= ?[\d.]+ \(running go/,
    missing: () => "a Go toolchain of the version go.mod requires",
    fix: installIn("that Go version"),
  },
  {
    pattern: /requires rustc [\d.]+ or newer/,
    missing: () => "a Rust toolchain of the version the crates require",
    fix: installIn("that Rust version"),
  },
  // A program the shell, make, or a program starting another could not find: the first group names it.
  ...missingCommand(
    // zsh, fish and programs that say it as zsh does (first: `RuntimeError: command not found: initdb` would read
    // as bash's words for a command `RuntimeError`).
    /\bcommand not found: ['"]?([\w.+-]+)|\bfish: Unknown command: ['"]?([\w.+-]+)/g,
    // bash, make (`make[1]: javac: Command not found`).
    /(?:^|\n|: )(?:bash: )?(?:line \d+: )?([\w.+-]+): [Cc]ommand not found\b/g,
    // dash and busybox say only `not found`, always after the shell's name (`/bin/sh: 1: javac: not found`): without
    // it, `ERROR: not found: tests/x.py` is pytest's answer about a path.
    /(?:^|\n)[ \t]*\S*\bsh: (?:\d+: )?(?:line \d+: )?([\w.+-]+): not found\b/g,
    // Python's subprocess (only in a traceback through it: the same words from open() are a missing file).
    /in _execute_child\n(?:[^\n]*\n){0,6}?FileNotFoundError: \[Errno 2\] No such file or directory: '([\w+-]+)'/g,
    // The JVM's ProcessBuilder (Maven and Gradle plugins), Node's child_process, Go's os/exec, Rust's linker.
    /Cannot run program "([\w.+-]+)"[^:\n]*: error=2\b/g,
    /\bspawn ([\w.+-]+) ENOENT\b/g,
    /exec: "([\w.+-]+)": executable file not found in \$PATH/g,
    /linker [`']([\w.+-]+)[`'] not found/g,
  ),
  {
    pattern: /\/usr\/bin\/env: ['‘"]?([\w.+-]+)['’"]?: No such file or directory/,
    missing: (m) => `the interpreter \`${m[1]}\``,
    fix: SETUP,
  },
  {
    pattern: /ModuleNotFoundError: No module named ['"]([\w.]+)['"]|ImportError: No module named ['"]?([\w.]+)/,
    missing: (m) => `the Python module \`${pythonModule(m)}\``,
    dependency: (m) => ({ ecosystem: "python", name: pythonModule(m) }),
    fix: "install the project's dependencies in the repository's `setup` command",
  },
  {
    // A package by name: a path (`../src/total`) is the repository's or the model's, never one to install.
    pattern: new RegExp(
      String.raw`Cannot find module ['"](?![./])((?:@[\w.-]+\/)?[\w.-]+)[^'"]*['"]|` +
        String.raw`ERR_MODULE_NOT_FOUND.*?package ['"]([^'"]+)['"]`,
    ),
    missing: (m) => `the Node package \`${m[1] ?? m[2]}\``,
    dependency: (m) => ({ ecosystem: "node", name: (m[1] ?? m[2])! }),
    fix: "install the project's dependencies in the repository's `setup` command (e.g. `npm ci`)",
  },
  {
    // curl/git/cargo, pip, npm, Java (Maven, the Gradle wrapper), Go: each tool's words for "no network".
    pattern: new RegExp(
      String.raw`Could not resolve host|name resolution|Name or service not known|Network is unreachable|` +
        String.raw`getaddrinfo E(?:NOTFOUND|AI_AGAIN)|UnknownHostException|Could not transfer artifact|` +
        String.raw`dial tcp: lookup \S+(?: on \S+)?: (?:no such host|server misbehaving|i/o timeout)|` +
        // Gradle fetching with no network says only the URL (a server's refusal adds `Received status code`).
        String.raw`Could not (?:GET|HEAD) '[^'\n]+'\.?(?![^\n]*Received status code)|` +
        // Maven and Gradle told to stay offline (the sandbox's only choice) without the artifact in their cache.
        String.raw`Cannot access \S+ \(\S+\) in offline mode|No cached version of \S+ available for offline mode`,
      "i",
    ),
    missing: () => "network access",
    fix: "fetch what the tests need during `setup` (the agent runs without network)",
  },
  {
    pattern: /No space left on device|ENOSPC|Disk quota exceeded/i,
    missing: () => "disk space",
    fix: "give the sandbox more disk, or clean caches in `setup`",
  },
];

/** Rules for a missing program, one per wording; the program is the pattern's first group that matched. */
function missingCommand(...patterns: RegExp[]): EnvRule[] {
  const name = (m: RegExpMatchArray) => m.slice(1).find((g) => g !== undefined)!;
  return patterns.map((pattern) => ({
    pattern,
    missing: (m) => `the command \`${name(m)}\``,
    fix: SETUP,
    shown: name,
    unless: (m, command) => !programName(name(m)) || (command !== undefined && substituted(name(m), command)),
  }));
}

/**
 * Whether a name a shell could not run may be a program an image lacks. Not an agent's own tool (the model typed
 * it into the shell by mistake), not a capitalised word or constant (`ERROR`, `DATABASE_ROUTERS`: code or prose
 * typed as a command; programs are lower case, R aside), not an English word a reply starts a sentence with.
 */
function programName(name: string): boolean {
  return (
    !AGENT_COMMANDS.has(name) &&
    (/^[a-z0-9][a-z0-9._+-]*$/.test(name) || /^R(?:script)?$/.test(name)) &&
    !PROSE.has(name)
  );
}
const PROSE = new Set(
  (
    "not the a an to and or we i let lets now next first this that it is please sorry here there no yes ok okay " +
    "so since in on for with of from by be can cannot will should would could must note thanks done great looks " +
    "seems unfortunately however also finally based after before"
  ).split(" "),
);

/**
 * A lone word in backquotes in the model's own command line, as markup writes it: `` :doc:`index` `` in an unquoted
 * heredoc made the shell run `index`. The model's quoting, not the image (`` `javac -version` `` is a command meant).
 */
const substituted = (name: string, command: string) => command.includes(`\`${name}\``);

const ALREADY_GONE = /^rm: cannot remove .*: No such file or directory$/;

const INFRASTRUCTURE = /\b(?:timed out after|execution timed out|exec timeout|Killed\b|out of memory|OOMKilled)/i;

/** Classifies one step's result (see StepClass). */
export function classifyStep(step: Step): StepClass {
  const searching = step.tool === "search" || step.tool === "find_files" || SEARCHING.test(step.command ?? "");
  const output = stepOutput(step.tool, step.text);
  if (!step.isError) return searching && noMatch(output) ? { kind: "negative" } : { kind: "ok" };
  if (searching && (noMatch(output) || /No such file or directory|not found/i.test(output)))
    return { kind: "negative" };
  if (FILTERED.test(step.command ?? "") && !output.trim()) return { kind: "negative" };
  // Removing what is already gone (a clean-up run twice): the workspace is as the model wants it.
  if (output.trim() && output.split("\n").every((line) => !line.trim() || ALREADY_GONE.test(line)))
    return { kind: "negative" };
  const env = environmentProblem(output, step.command);
  if (env) return env;
  if (INFRASTRUCTURE.test(resultOf(step.text))) return { kind: "infrastructure" };
  return { kind: "model" };
}

/** The first environment problem a text shows, if any. */
export function environmentProblem(
  text: string,
  /** The command line that printed it, when the model typed one. */
  command?: string,
): Extract<StepClass, { kind: "environment" }> | undefined {
  for (const rule of ENV_RULES) {
    // A global pattern (a rule with `unless`) is tried at every match: the first that is not excused counts.
    const m = rule.pattern.global
      ? [...text.matchAll(rule.pattern)].find((match) => !rule.unless?.(match, command))
      : text.match(rule.pattern);
    if (!m) continue;
    const shown = rule.shown?.(m);
    const toolchain = shown === undefined ? undefined : toolchainOf(shown);
    return toolchain
      ? { kind: "environment", missing: toolchain.missing, fix: installIn(toolchain.install), shown }
      : { kind: "environment", missing: rule.missing(m), fix: rule.fix, dependency: rule.dependency?.(m) };
  }
  return undefined;
}
