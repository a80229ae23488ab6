// Run as a child process (a regular expression that backtracks blocks its thread, so only a process can be timed
// out): replays runs whose commands, outputs, replies and issue are built from the words the controller's patterns
// look for, repeated hundreds of times, through decide(), and prints how many verdicts it gave.
import type { AgentEvent } from "../../src/agent/events.js";
import { decide } from "../../src/controller/controller.js";

/** Words the controller's patterns key on: options, shells' and tools' messages, quoting, paths, heredocs. */
const WORDS = [
  "-cp ",
  "-x ",
  "a.",
  "/",
  "'",
  '"',
  "\\",
  " ",
  "`",
  "$(",
  "| grep ",
  "&& ",
  "; ",
  "\n",
  "::",
  "bash: ",
  "line 1: ",
  "sh: 1: ",
  ": ",
  "x.py ",
  "Repro.java ",
  "java ",
  "javac ",
  "python ",
  "-m ",
  "node ",
  "timeout 5 ",
  "A=b ",
  "uv run ",
  "cd ",
  "git checkout ",
  "rm -rf ",
  "> out.txt ",
  "tee ",
  "sed -i 's/a/b/' ",
  "cat <<EOF > a.py\n",
  "EOF\n",
  "lines 1-2 of ",
  "Traceback ",
  'File "',
  "No module named ",
  "import ",
  "from ",
  "require('",
  "Cannot find module '",
  "Could not GET '",
  "spawn ",
  'exec: "',
  'Cannot run program "',
  "in _execute_child\n",
  "FileNotFoundError: [Errno 2] No such file or directory: '",
  "command not found: ",
  "Tests run: 1, Failures: 1, Errors: 0",
  "FAILED ",
  "1 failed",
  "Error: ",
  "error: ",
  "0x1f ",
  "2026-01-01T00:00:00Z ",
  "/tmp/x ",
  "abcdef0123456789abcdef ",
  '#include "',
  "[stderr]\n",
  "$ x\nexit code 1\n",
];
const PREFIXES = ["", "java ", "python -c '", "bash: line 1: ", "sed -i '", "git checkout "];
const REPEATS = 400;

let verdicts = 0;
for (const prefix of PREFIXES)
  for (const word of WORDS)
    for (const field of ["command", "output"] as const) {
      const hostile = `${prefix}${word.repeat(REPEATS)}!`;
      const command = field === "command" ? hostile : "python t.py";
      const output = field === "output" ? hostile : "Error";
      const events: AgentEvent[] = [];
      for (let turn = 1; turn <= 3; turn++)
        events.push(
          { type: "turn_start", attempt: 1, turn },
          {
            type: "model_reply",
            turn,
            text: word.repeat(50),
            promptTokens: 1,
            completionTokens: 1,
            durationMs: 1,
            serverDurationMs: 1,
            thinkingCut: false,
          },
          { type: "action", turn, action: { tool: "run", command }, repaired: false },
          {
            type: "observation",
            turn,
            tool: "run",
            text: `$ ${command.slice(0, 80)}\nexit code 1\n${output}`,
            isError: true,
            durationMs: 1,
          },
        );
      const verdict = decide(
        events,
        { budget: { turns: 90, tokens: 1e9, minutes: 600 }, issueText: hostile.slice(0, 4000) },
        { elapsedMs: 0 },
      );
      if (verdict.kind) verdicts++;
    }
process.stdout.write(`${verdicts}/${PREFIXES.length * WORDS.length * 2}`);
