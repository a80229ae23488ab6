import type { StopReason } from "../agent/events.js";
import { stepOutput } from "./classify-step.js";
import { blankIds, normalise } from "./normalise.js";
import { errorShape, inViewSinceEdit, isEdit, mayHaveWritten, sameFile, splitHeredocs, type Turn } from "./turns.js";
import { denseWaste } from "./wasted-turns.js";

/** Thresholds, in one block with their defaults (README: "Early stopping"). */
export interface DetectorThresholds {
  /** Identical action + identical result, no edit between: occurrences before a nudge. */
  repeatedAction: number;
  /** The same error shape returned again: occurrences before a nudge. */
  repeatedError: number;
  /** Failed steps (invalid replies or erroring actions, not test runs) straight after another, before a nudge. */
  errorStreak: number;
  /** Re-reading unchanged content: occurrences before a nudge. */
  rereading: number;
  /** Invalid replies straight after another invalid reply, before a nudge. */
  malformedStreak: number;
  /** Test runs after edits that are no better than the best so far, before a nudge. */
  testsNotImproving: number;
  /** Turns without any edit before a nudge; after the nudge, this many more stop the run. */
  noEditTurns: number;
  noEditGrace: number;
  /** Replies whose word 4-grams are mostly repeats, before a nudge. */
  degenerateReplies: number;
  /** Turns whose reasoning was cut at the thinking budget, before a nudge. */
  thinkingCuts: number;
  /** Successful edits that repeat an earlier edit word for word (numbers aside), before a nudge. */
  repeatedEdits: number;
  /** Turns showing the same missing command, module, network or disk before the model is told it is missing; one
   * more after that stops the run as `environment`. */
  environmentRepeats: number;
  /** Turns of progress (a new file touched, new content seen, tests changing) after which a nudge is forgotten. */
  nudgeDecay: number;
  /**
   * How far back a repeated action or reread looks, in turns: an answer older than that may have left the model's
   * view (agents shorten old observations to fit the context), so asking again is refreshing it, not looping.
   */
  recentTurns: number;
  /** After a nudge about a repeat, this many repeats of other things (not the one named) also stop the run. */
  otherRepeats: number;
  /** Flailing: this many of the last `flailingWindow` turns wasted (failed, refused, asked again) is an occurrence. */
  flailingWasted: number;
  flailingWindow: number;
  /** Scanning: the same step with only its numbers changed this many turns in a row is an occurrence; another every
   * `scanGrace` turns while the streak lasts. */
  scanTurns: number;
  scanGrace: number;
}

export const DEFAULT_THRESHOLDS: DetectorThresholds = {
  repeatedAction: 2,
  repeatedError: 1,
  rereading: 2,
  malformedStreak: 1,
  errorStreak: 1,
  testsNotImproving: 2,
  noEditTurns: 40,
  noEditGrace: 8,
  degenerateReplies: 1,
  thinkingCuts: 2,
  repeatedEdits: 1,
  environmentRepeats: 3,
  nudgeDecay: 3,
  recentTurns: 14,
  otherRepeats: 2,
  flailingWasted: 7,
  flailingWindow: 10,
  scanTurns: 12,
  scanGrace: 6,
};

/** Kinds of progress: a file edited for the first time, content not seen before, a changed test result. */
export type Progress = "file" | "content" | "tests";

/**
 * A detector names the turns where its pattern occurred. Before its nudge it fires once there are
 * `threshold` occurrences; after its nudge, one more occurrence stops the run.
 */
export interface Detector {
  reason: StopReason;
  threshold: (t: DetectorThresholds) => number;
  occurrences: (turns: Turn[], t: DetectorThresholds) => number[];
  /** The last turn that showed progress against this pattern; a nudge before it is forgotten. */
  progressAt?: (turns: Turn[]) => number;
  /** The kinds of progress that make this detector forget its nudge (after `nudgeDecay` turns of them). */
  decaysWith: Progress[];
  /**
   * What an occurrence is a repeat of (an error's shape). When given, only occurrences of what the nudge was about
   * count after it: a different error repeated once is not the model ignoring the nudge.
   */
  keyOf?: (turn: Turn) => string;
  nudge: string;
}

const ANY: Progress[] = ["file", "content", "tests"];

/**
 * For detectors whose nudge asks the model to act (make an edit, look elsewhere): a nudge sent before the run's
 * last edit was heeded and is forgotten (progressAt is compared with `<=`, so the edit's turn minus one).
 */
const editedAfter = (turns: Turn[]) => {
  for (let i = turns.length - 1; i >= 0; i--) if (isEdit(turns[i]!)) return turns[i]!.turn - 1;
  return 0;
};

/**
 * A command that runs code (a script, the interpreter, a test runner, a compiler or build, in the languages
 * Nightshift works on), after any `VAR=value`, `timeout N` or runner prefix: its failure is what the code did.
 */
const RUNS_CODE = new RegExp(
  String.raw`^(?:[A-Z_]+=\S+\s+|timeout\s+(?:-\S+\s+)*\d+\w?\s+|(?:uv|poetry|pipenv|bundle)\s+(?:run|exec)\s+)*` +
    String.raw`(?:python[\d.]*|node|pytest|py\.test|tox|\./[\w./-]+|bash\s+[\w./-]+\.sh|sh\s+[\w./-]+\.sh|` +
    String.raw`sphinx-build|make|cmake|ctest|ninja|npm\s+(?:test|run)|npx|yarn|pnpm|bun|deno|tsc|jest|vitest|mocha|` +
    String.raw`go\s+(?:test|run|build|vet)|cargo\s+(?:test|run|build|check)|rustc|gcc|g\+\+|clang(?:\+\+)?|` +
    String.raw`mvn|gradle|javac?|kotlinc?|scalac?|sbt|ant|dotnet|ruby|rspec|rake|php|phpunit|perl)(?![\w.+-])`,
);
/**
 * A step that ran code: one of the commands in its shell line does (`cd x && python t.py`, or a script written with
 * a heredoc and run after it). Its failure is what the code did, not a misuse of the tools.
 */
const ranCode = (turn: Turn) =>
  turn.action?.tool === "run" && commandsOf(turn.action.command).some((c) => RUNS_CODE.test(c));

/** The simple commands of a shell line: heredoc bodies dropped, split at newlines, `&&`, `||`, `;` and pipes. */
export function commandsOf(line: string): string[] {
  return splitHeredocs(line)
    .shell.split(/\n|&&|\|\||;|\|/)
    .map((c) => c.trim())
    .filter(Boolean);
}

export const DETECTORS: Detector[] = [
  {
    reason: "repeated-action",
    keyOf: (turn) => `${turn.shape}\0${turn.resultShape}`,
    progressAt: editedAfter,
    decaysWith: ["file", "content"],
    threshold: (t) => t.repeatedAction,
    nudge:
      "You repeated an action with the same arguments and got the same result. Repeating it will not tell you " +
      "anything new: change the code, or look somewhere else.",
    // A step that hit the environment again (a missing module, the toolchain) is the environment verdict's to count:
    // it names what the sandbox lacks and never blames the model.
    occurrences: (turns, t) =>
      turns.flatMap((turn, i) => {
        if (!turn.shape || turn.action?.tool === "finish" || turn.step?.kind === "environment") return [];
        const earlier = inViewSinceEdit(turns, i, t.recentTurns).some(
          (e) => e.shape === turn.shape && e.resultShape === turn.resultShape,
        );
        return earlier ? [turn.turn] : [];
      }),
  },
  {
    reason: "alternation",
    progressAt: editedAfter,
    decaysWith: ["file", "content"],
    threshold: () => 1,
    nudge:
      "You are alternating between the same two actions. Stop and make a change based on what you have already seen.",
    occurrences: (turns) =>
      turns.flatMap((turn, i) => {
        const [a, b, c, d] = [turns[i - 3], turns[i - 2], turns[i - 1], turn];
        if (!a?.shape || !b?.shape || a.shape === b.shape || [a, b, c, d].some((x) => x && isEdit(x))) return [];
        return a.shape === c?.shape && b.shape === d.shape ? [turn.turn] : [];
      }),
  },
  {
    reason: "repeated-error",
    decaysWith: ANY,
    threshold: (t) => t.repeatedError,
    nudge: "The same error came back again. Read the error message and do something different from what caused it.",
    keyOf: (turn) => errorKey(turn),
    occurrences: (turns) => {
      /** Error shape → the output it came with last (ids blanked, numbers kept) and that turn. */
      const seen = new Map<string, { output: string; at: number }>();
      let lastEdit = 0;
      return turns.flatMap((turn) => {
        if (isEdit(turn)) lastEdit = turn.turn;
        const obs = turn.observation;
        if (!obs || turn.step?.kind !== "model" || obs.tests) return [];
        // Code run to see what it does (a script, `python -c`) that fails like an earlier, different run is an
        // experiment; the same code failing the same way again is the loop. After an edit, only word for word the
        // same output counts: `expected 42, got 40` then `got 41` is the edit working.
        const code = ranCode(turn);
        const shape = errorKey(turn);
        const output = blankIds(outputOf(turn));
        const before = seen.get(shape);
        seen.set(shape, { output, at: turn.turn });
        if (!before) return [];
        return !code || lastEdit <= before.at || before.output === output ? [turn.turn] : [];
      });
    },
  },
  {
    reason: "rereading",
    keyOf: (turn) => `${turn.signature}\0${turn.resultShape}`,
    progressAt: editedAfter,
    decaysWith: ["file", "content"],
    threshold: (t) => t.rereading,
    nudge:
      "You already read this and nothing has changed since. Use what you read: make the edit, or look at a " +
      "different file.",
    occurrences: (turns, t) =>
      turns.flatMap((turn, i) => {
        const tool = turn.action?.tool;
        if (tool !== "read_file" && tool !== "search" && tool !== "find_files") return [];
        const path = turn.action && "path" in turn.action ? turn.action.path : undefined;
        const from = Math.max(0, i - t.recentTurns);
        const again = turns
          .slice(from, i)
          .some(
            (e, k) =>
              e.signature === turn.signature &&
              e.resultShape === turn.resultShape &&
              !turns.slice(from + k + 1, i).some((m) => mayHaveWritten(m, path)),
          );
        return again ? [turn.turn] : [];
      }),
  },
  {
    reason: "malformed-output",
    decaysWith: ANY,
    threshold: (t) => t.malformedStreak,
    nudge:
      'Reply with exactly one JSON action, e.g. {"tool":"read_file","path":"..."}; do not describe what you will do.',
    occurrences: (turns) => turns.flatMap((turn, i) => (turn.invalid && turns[i - 1]?.invalid ? [turn.turn] : [])),
  },
  {
    reason: "error-streak",
    decaysWith: ANY,
    threshold: (t) => t.errorStreak,
    nudge:
      "Your last actions all failed. Read the error messages: check the path exists (find_files) and the " +
      "arguments match the action list.",
    occurrences: (turns) =>
      turns.flatMap((turn, i) =>
        failedStep(turn) && i > 0 && failedStep(turns[i - 1]!) && !revisedRetry(turn, turns[i - 1]!) ? [turn.turn] : [],
      ),
  },
  {
    reason: "edit-oscillation",
    decaysWith: ["file", "tests"],
    threshold: () => 1,
    nudge:
      "That edit put the file back the way it was before. You are undoing your own changes: decide on one fix " +
      "and test it.",
    occurrences: (turns) => {
      const states = new Map<string, Set<string>>();
      return turns.flatMap((turn) => {
        const file = turn.observation?.file;
        // A refused or no-op edit leaves the file as it was: nothing went back.
        if (!file || file.before === file.after) return [];
        const seen = states.get(file.path) ?? new Set<string>();
        const back = seen.has(file.after);
        if (file.before) seen.add(file.before);
        seen.add(file.after);
        states.set(file.path, seen);
        return back ? [turn.turn] : [];
      });
    },
  },
  {
    reason: "tests-not-improving",
    decaysWith: [],
    threshold: (t) => t.testsNotImproving,
    progressAt: (turns) => {
      const best = new Map<string, number>();
      let at = 0;
      for (const turn of turns) {
        const failing = failingTests(turn);
        if (failing === undefined || failing >= (best.get(testKey(turn)) ?? Infinity)) continue;
        best.set(testKey(turn), failing);
        at = turn.turn;
      }
      return at;
    },
    nudge:
      "Your last edits did not make the tests pass or fail less. Re-read the failing test's assertion and the " +
      "code it calls before editing again.",
    // Failing counts are compared only between runs of the same tests (the same command, numbers aside): a run of
    // one test and a run of a whole module say nothing about each other.
    occurrences: (turns) => {
      const best = new Map<string, number>();
      const lastOutput = new Map<string, string>();
      let written: string[][] = [];
      let found: number[] = [];
      for (const turn of turns) {
        if (isEdit(turn)) written.push(turn.writes ?? []);
        const tests = turn.observation?.tests;
        if (!tests) continue;
        const failing = failingTests(turn);
        const key = testKey(turn);
        const output = turn.observation!.text;
        // Edits only to the test file being run are the model writing its test, not a fix the tests judge.
        const command = turn.action?.tool === "run" ? turn.action.command : "";
        const editedCode = written.some((paths) => !paths.length || paths.some((p) => !command.includes(p)));
        if (failing === undefined) {
          // The runner gave no count (it crashed, or the build failed before any test ran): no better or worse than
          // the best so far, unless it is word for word what the last run said.
          if (editedCode && output === lastOutput.get(key)) found.push(turn.turn, turn.turn);
        } else if (failing < (best.get(key) ?? Infinity)) {
          best.set(key, failing);
          found = []; // getting better: the run is alive
        } else if (editedCode && !tests.passed) {
          // Word for word the same failure after an edit: the edit changed nothing the tests see.
          found.push(...(output === lastOutput.get(key) ? [turn.turn, turn.turn] : [turn.turn]));
        }
        written = [];
        lastOutput.set(key, output);
      }
      return found;
    },
  },
  {
    reason: "repeated-edit",
    threshold: (t) => t.repeatedEdits,
    decaysWith: ["tests"],
    nudge:
      "You made exactly this edit before. Applying it again changes nothing useful (or duplicates code): " +
      "read the file as it is now, then decide.",
    occurrences: (turns) => {
      /** Each edit (path, old and new text) → the index of the turn that last made it. */
      const seen = new Map<string, number>();
      /** The same block written into a file, wherever: how many lines it replaced and the file's length after. */
      const grewWith = new Map<string, { replaced: number; lines: number }>();
      return turns.flatMap((turn, i) => {
        // A file deleted or restored from git since: writing it again is making it anew, not a loop.
        const removed = removedPaths(turn);
        for (const known of [seen, grewWith])
          for (const k of known.keys())
            if (removed === "all" || removed?.some((p) => sameFile(k.split("\0")[0]!, p))) known.delete(k);
        const key = editKey(turn);
        if (!key) return [];
        // The same edit again: when nothing else wrote the file since, it can only have succeeded by changing
        // nothing or by putting its text in once more, a loop. When something did (an undo, a git checkout, the
        // script rewritten) and code ran in between, the model is toggling states to see what each does, not
        // looping; two edits taking turns with nothing run between them are going round in a circle.
        const path = key.split("\0")[0]!;
        const last = seen.get(key);
        const since = last === undefined ? [] : turns.slice(last + 1, i);
        const again =
          last !== undefined && (!since.some((m) => mayHaveWritten(m, path)) || !since.some((m) => ranCode(m)));
        seen.set(key, i);
        // The same block put in again somewhere else (a line-range edit at the range the last one shifted to), over
        // no more lines than last time, while the file grows: the block is being duplicated. The same line fixed in
        // two places leaves the length as it was; the block written again over a wider range, to mend what the last
        // edit left, replaces more: neither counts.
        const a = turn.action;
        const block = a?.tool === "edit" ? `${a.path}\0${a.replace.trim()}` : undefined;
        const lines = turn.observation?.file?.lines;
        const before = block ? grewWith.get(block) : undefined;
        const replaced = a?.tool === "edit" ? replacedLines(a.search) : 0;
        if (block && lines !== undefined) grewWith.set(block, { replaced, lines });
        const duplicated = before && lines !== undefined && lines > before.lines && replaced <= before.replaced;
        return again || duplicated ? [turn.turn] : [];
      });
    },
  },
  {
    reason: "no-edit",
    // Reading code not seen before is exploring: its nudge is forgotten then, so a run is stopped for not editing
    // only while it also learns nothing new.
    decaysWith: ["content"],
    threshold: () => 1,
    nudge:
      "You have read a lot without changing anything. Make the smallest edit that could fix the issue, then run " +
      "the tests.",
    occurrences: (turns, t) => {
      const lastEdit = turns.reduce((n, turn, i) => (isEdit(turn) ? i + 1 : n), 0);
      const idle = turns.length - lastEdit;
      if (idle < t.noEditTurns) return [];
      // One occurrence when the limit is reached, another every `noEditGrace` idle turns after it.
      return turns
        .slice(lastEdit + t.noEditTurns - 1)
        .filter((_, k) => k % t.noEditGrace === 0)
        .map((turn) => turn.turn);
    },
  },
  {
    reason: "scanning",
    decaysWith: ["file", "tests"],
    threshold: () => 1,
    nudge:
      "You have taken the same step again and again with only its numbers changed (paging through a file a few " +
      "lines at a time). Search for the name you need instead, then make the edit.",
    occurrences: (turns, t) => {
      const found: number[] = [];
      let streak = 0;
      turns.forEach((turn, i) => {
        streak = turn.shape && !isEdit(turn) && turn.shape === turns[i - 1]?.shape ? streak + 1 : 1;
        if (streak >= t.scanTurns && (streak - t.scanTurns) % t.scanGrace === 0) found.push(turn.turn);
      });
      return found;
    },
  },
  {
    reason: "degenerate-text",
    decaysWith: ANY,
    threshold: (t) => t.degenerateReplies,
    nudge: "Your reply repeated itself. Reply with one short JSON action.",
    occurrences: (turns) => turns.filter((turn) => repetitive(turn.text)).map((turn) => turn.turn),
  },
  {
    reason: "thinking-runaway",
    decaysWith: ANY,
    threshold: (t) => t.thinkingCuts,
    nudge: "Your reasoning keeps running past its budget. Think briefly, then act: one small step at a time.",
    occurrences: (turns) => turns.filter((turn) => turn.thinkingCut).map((turn) => turn.turn),
  },
  {
    reason: "flailing",
    decaysWith: [],
    threshold: () => 1,
    nudge:
      "Most of your recent steps failed or repeated earlier ones. Stop and re-read the issue; then take one " +
      "different, small step you have not tried.",
    occurrences: (turns, t) =>
      denseWaste(turns, { window: t.flailingWindow, min: t.flailingWasted, recent: t.recentTurns }, ranCode),
  },
];

/** What an error is, for repeated-error: the tool and the error text's shape; for code run, the code too (different
 * probes failing alike are experiments; the same code failing again is the loop, whatever flags it was run with). */
function errorKey(turn: Turn): string {
  const obs = turn.observation;
  return `${obs?.tool}:${ranCode(turn) ? `${codeRun(turn)}:` : ""}${errorShape(outputOf(turn))}`;
}

/** What a step answered, without the run tool's `$ command` header (stepOutput); "" with no observation. */
const outputOf = (turn: Turn) => (turn.observation ? stepOutput(turn.observation.tool, turn.observation.text) : "");

const SOURCE_FILE =
  /(?:^|[\s'"=/])([\w.-]+\.(?:py|java|kt|scala|js|mjs|cjs|ts|go|rs|c|cc|cpp|rb|php|pl|sh))(?=$|[\s'";|&)])/g;
/**
 * `java [options] app.Main`: the class a JVM is told to run, after its options (`-cp` and its kin take a value, one
 * that is no option itself: each word has one reading, so a hostile line of options cannot make the match backtrack).
 */
const JAVA_MAIN =
  /(?:^|[\s;&|(])java\s+(?:(?:-cp|-classpath|--class-path)\s+[^\s-]\S*\s+|-\S+\s+)*([A-Za-z_$][\w$.]*)/g;
/**
 * The code a command runs: the source files it names (`Repro.java` however the classpath varies), else the Java
 * classes it runs (`java -cp A Repro`, then `-cp B`), else its shape.
 */
function codeRun(turn: Turn): string {
  const command = turn.action?.tool === "run" ? turn.action.command : "";
  const named = (pattern: RegExp) => [...new Set([...command.matchAll(pattern)].map((m) => m[1]!))].sort();
  const files = named(SOURCE_FILE);
  if (files.length) return files.join(" ");
  const classes = named(JAVA_MAIN);
  return classes.length ? classes.join(" ") : (turn.shape ?? "");
}

/** Which tests a test run ran: its action, numbers aside (every run of the agent's own run_tests is one key). */
const testKey = (turn: Turn) => turn.shape ?? "";

/** Tests failing after a test run; undefined for other turns, and for a failed run whose runner gave no count. */
function failingTests(turn: Turn): number | undefined {
  const tests = turn.observation?.tests;
  return tests && (tests.passed ? 0 : tests.failed);
}

/**
 * A refused edit retried on the same file and refused for a different reason: the model is working through a
 * checker's feedback (a syntax or lint check answering each attempt), not flailing. The same refusal again is
 * repeated-error's business.
 */
function revisedRetry(turn: Turn, previous: Turn): boolean {
  const path = (t: Turn) =>
    t.action && (t.action.tool === "edit" || t.action.tool === "create_file") ? t.action.path : undefined;
  return path(turn) !== undefined && path(turn) === path(previous) && turn.resultShape !== previous.resultShape;
}

/**
 * An invalid reply, or an action other than a test run or other code run that failed through the model's doing
 * (informative negatives, environment and infrastructure errors are not the model's failures; a reproduction
 * script that raises is what the model set out to see).
 */
function failedStep(turn: Turn): boolean {
  return !!turn.invalid || (turn.step?.kind === "model" && !turn.observation?.tests && !ranCode(turn));
}

/** Most of a reply's word 4-grams are repeats: the model is looping in text. */
export function repetitive(text: string): boolean {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length < 40) return false;
  const grams = words.slice(3).map((_, i) => words.slice(i, i + 4).join(" "));
  return new Set(grams).size / grams.length < 0.35;
}

/**
 * The files a successful shell step deleted or put back as git has them (`rm`, `git checkout -- f`, `git restore f`),
 * "all" for whole-tree resets (`git stash`, `git checkout .`, `git reset --hard`), undefined for anything else.
 */
export function removedPaths(turn: Turn): string[] | "all" | undefined {
  const command = turn.action?.tool === "run" && !turn.observation?.isError ? turn.action.command : undefined;
  if (!command) return undefined;
  if (
    /\bgit\s+(?:stash\b|reset\s+--hard\b|checkout\s+(?:--\s+)?\.(?:\s|$)|restore\s+(?:\S+\s+)*\.(?:\s|$))/.test(command)
  )
    return "all";
  const paths: string[] = [];
  // `git checkout f`, `git checkout HEAD -- f`: each word after the verb may be a path (a branch name matches no file).
  for (const m of command.matchAll(/\b(?:rm|git\s+rm|git\s+checkout|git\s+restore)\s+([^\n&|;]+)/g))
    paths.push(...m[1]!.split(/\s+/).filter((a) => a && !a.startsWith("-")));
  return paths.length ? paths.map((p) => p.replace(/^\.\//, "")) : undefined;
}

/** One text replaced by another in a file, as the repeated-edit detector compares them. */
const replacementKey = (path: string, search: string, replace: string) =>
  `${path}\0${normalise(search)}\0${replace.trim()}`;

/** Lines an edit replaces: its line range (`lines 12-14 of a.py`, from frameworks that edit by range) or its search. */
function replacedLines(search: string): number {
  const range = /^lines (\d+)-(\d+) of /.exec(search);
  return range ? Number(range[2]) - Number(range[1]) + 1 : search.split("\n").length;
}

/** A successful edit as what it wrote: path, old text and new text (or the created content), normalised. */
function editKey(turn: Turn): string | undefined {
  const a = turn.action;
  if (!isEdit(turn) || turn.observation?.isError || !a) return undefined;
  if (a.tool === "edit" && a.replace.trim()) return replacementKey(a.path, a.search, a.replace);
  if (a.tool === "create_file" && a.content.trim()) return `${a.path}\0${a.content.trim()}`;
  return undefined;
}
