import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { Action } from "../src/agent/actions.js";
import type { AgentEvent } from "../src/agent/events.js";
import { runObservationText } from "../src/agent/tools.js";
import { progressByTurn } from "../src/controller/progress.js";
import { classifyStep, commandOutput } from "../src/controller/classify-step.js";
import { decide, type Budget } from "../src/controller/controller.js";
import { normalise } from "../src/controller/normalise.js";
import { replay } from "../src/controller/replay.js";
import { commandsOf } from "../src/controller/detectors.js";
import { reportedByIssue } from "../src/controller/reported-by-issue.js";
import { heredocWrites, isEdit, shellWrites, toTurns } from "../src/controller/turns.js";
import { modelTurn } from "./support/model-turn.js";

const BUDGET: Budget = { turns: 60, tokens: 1_000_000, minutes: 60 };
const policy = (history: readonly AgentEvent[]) => decide(history, { budget: BUDGET }, { elapsedMs: 0 });
const probe = (events: AgentEvent[]): AgentEvent[] => [...events, { type: "turn_start", attempt: 1, turn: 9999 }];

function run() {
  const events: AgentEvent[] = [];
  let turn = 0;
  /** A new turn's start and the model's reply. */
  const reply = (text: string) => events.push(...modelTurn(++turn, text));
  const b = {
    events,
    /** A reply in prose: no action. */
    prose(text: string) {
      reply(text);
      events.push({ type: "invalid_reply", turn, kind: "prose", problem: "no action" });
      return b;
    },
    act(action: Action, text: string, extra: Partial<Extract<AgentEvent, { type: "observation" }>> = {}) {
      reply(JSON.stringify(action));
      events.push(
        { type: "action", turn, action, repaired: false },
        { type: "observation", turn, tool: action.tool, text, isError: false, durationMs: 0, ...extra },
      );
      return b;
    },
    sh: (command: string, text: string, isError = true) => b.act({ tool: "run", command }, text, { isError }),
    read: (path: string, text = `${path}\n1 code`) => b.act({ tool: "read_file", path }, text),
    edit: (path: string, search: string, replace: string, before: string, after: string) =>
      b.act({ tool: "edit", path, search, replace }, "Edited", { file: { path, before, after } }),
  };
  return b;
}

/** A failing shell step whose output says the sandbox lacks something: classified as that environment problem. */
const expectEnvironment = (command: string, output: string, missing: string) =>
  expect(classifyStep({ tool: "run", command, text: output, isError: true })).toMatchObject({
    kind: "environment",
    missing: expect.stringContaining(missing),
  });

describe("step classification", () => {
  it.each([
    [{ tool: "search", text: "No matches found for 'frobnicate'", isError: false }, "negative"],
    [{ tool: "search", text: "", isError: true }, "negative"],
    [{ tool: "run", command: "grep -rn frob src/", text: "", isError: true }, "negative"],
    [
      { tool: "run", command: "find lib -name x.py", text: "find: 'lib': No such file or directory", isError: true },
      "negative",
    ],
    [{ tool: "read_file", text: "cannot read a.py: No such file or directory", isError: true }, "model"],
    [{ tool: "run", command: "python t.py", text: "NameError: name 'x' is not defined", isError: true }, "model"],
    [{ tool: "run", command: "mvn test", text: "bash: mvn: command not found", isError: true }, "environment"],
    [{ tool: "run", command: "./gradlew test", text: "ERROR: JAVA_HOME is not set", isError: true }, "environment"],
    [
      { tool: "run", command: "pytest", text: "ModuleNotFoundError: No module named 'numpy'", isError: true },
      "environment",
    ],
    [{ tool: "run", command: "node t.js", text: "Error: Cannot find module 'lodash'", isError: true }, "environment"],
    [{ tool: "run", command: "pip install x", text: "Could not resolve host: pypi.org", isError: true }, "environment"],
    [{ tool: "run", command: "make", text: "write error: No space left on device", isError: true }, "environment"],
    [{ tool: "run", command: "./slow", text: "timed out after 600 s", isError: true }, "infrastructure"],
    [
      {
        tool: "run",
        command: "./slow",
        text: runObservationText("./slow", "timed out after 600 s", "step 1 of 9"),
        isError: true,
      },
      "infrastructure",
    ],
    [{ tool: "read_file", text: "a.py\n1 code", isError: false }, "ok"],
    [{ tool: "search", text: "a.py:3: x = 1\n\nb.py:9: x = 2\n", isError: false }, "ok"],
  ] as const)("%j is %s", (step, kind) => {
    expect(classifyStep(step).kind).toBe(kind);
  });

  it("an environment error names what is missing and what the maintainer should change", () => {
    expect(classifyStep({ tool: "run", text: "sh: 1: shellcheck: not found", isError: true })).toMatchObject({
      kind: "environment",
      missing: "the command `shellcheck`",
      fix: expect.stringContaining("setup"),
    });
    expect(classifyStep({ tool: "run", text: "sh: 1: javac: not found", isError: true })).toMatchObject({
      kind: "environment",
      missing: expect.stringContaining("a JDK"),
      fix: expect.stringContaining("setup"),
      shown: "javac",
    });
  });

  it.each([
    [
      "./mvnw -q test",
      "Error: JAVA_HOME is not defined correctly.\n  We cannot execute /usr/lib/jvm/bin/java",
      "a JDK",
    ],
    [
      "mvn -q compile",
      "The JAVA_HOME environment variable is not defined correctly\nThis environment variable is needed to run this " +
        "program\nNB: JAVA_HOME should point to a JDK not a JRE",
      "a JDK",
    ],
    ["mvn test", "Error: JAVA_HOME not found in your environment.\nPlease set the JAVA_HOME variable", "a JDK"],
    [
      "mvn -o test",
      "[ERROR] Failed to execute goal on project app: Could not transfer artifact junit:junit:pom:4.13 from/to " +
        "central (https://repo.maven.apache.org/maven2): repo.maven.apache.org: Name or service not known",
      "network access",
    ],
    [
      "./gradlew test",
      "Downloading https://services.gradle.org/distributions/gradle-8.5-bin.zip\n" +
        'Exception in thread "main" java.net.UnknownHostException: services.gradle.org',
      "network access",
    ],
    [
      "mvn -o test",
      "[ERROR] Failed to execute goal on project app: Could not resolve dependencies for project " +
        "com.example:app:jar:1.0: Cannot access central (https://repo.maven.apache.org/maven2) in offline mode and the artifact " +
        "junit:junit:jar:4.13.2 has not been downloaded from it before.",
      "network access",
    ],
    [
      "./gradlew --offline test",
      "FAILURE: Build failed with an exception.\n\n* What went wrong:\n" +
        "Execution failed for task ':compileTestJava'.\n" +
        "> Could not resolve all files for configuration ':testCompileClasspath'.\n" +
        "   > Could not resolve org.junit.jupiter:junit-jupiter:5.10.0.\n" +
        "      > No cached version of org.junit.jupiter:junit-jupiter:5.10.0 available for offline mode.",
      "network access",
    ],
    [
      "go test ./...",
      'go: github.com/stretchr/testify@v1.8.4: Get "https://proxy.golang.org/github.com/stretchr/testify/@v/v1.8.4.mod"' +
        ": dial tcp: lookup proxy.golang.org on 127.0.0.11:53: no such host",
      "network access",
    ],
    [
      "gradle test",
      "FAILURE: Build failed with an exception.\n\n* What went wrong:\n" +
        "Could not resolve all files for configuration ':compileClasspath'.\n" +
        "> Could not resolve org.slf4j:slf4j-api:1.7.30.\n" +
        "  > Could not get resource 'https://repo.maven.apache.org/maven2/org/slf4j/slf4j-api/1.7.30/x.pom'.\n" +
        "    > Could not GET 'https://repo.maven.apache.org/maven2/org/slf4j/slf4j-api/1.7.30/x.pom'.\n" +
        "      > repo.maven.apache.org",
      "network access",
    ],
    [
      "go mod download",
      'go: example.com/m@v1.0.0: Get "https://proxy.golang.org/example.com/m/@v/v1.0.0.mod": dial tcp: lookup ' +
        "proxy.golang.org on 127.0.0.11:53: server misbehaving",
      "network access",
    ],
    [
      "mvn -q compile",
      "[ERROR] COMPILATION ERROR :\n[ERROR] No compiler is provided in this environment. Perhaps you are running " +
        "on a JRE rather than a JDK?",
      "a JDK with Maven or Gradle",
    ],
    ["mvn -q compile", "[ERROR] Fatal error compiling: error: release version 21 not supported", "the version"],
    [
      "javac -d out Main.java",
      "error: invalid target release: 17\nUsage: javac <options> <source files>",
      "the version",
    ],
    [
      "java -cp out app.Main",
      "Error: LinkageError occurred while loading main class app.Main\n\tjava.lang.UnsupportedClassVersionError: " +
        "app/Main has been compiled by a more recent version of the Java Runtime (class file version 61.0)",
      "the version",
    ],
    ["go build ./...", "go: go.mod requires go >= 1.22 (running go 1.19.8; GOTOOLCHAIN=local)", "the version go.mod"],
    ["cargo build", "error: package `clap_lex v0.7.0` cannot be built because it requires rustc 1.74 or newer", "Rust"],
  ])("`%s` failing for want of a JDK, a toolchain version or the network is the environment", expectEnvironment);

  it("a server that answered (Gradle's `Received status code 404`) is reachable: not missing network", () => {
    const text =
      "> Could not GET 'https://repo.example.com/a/b/1.0/b-1.0.pom'. Received status code 404 from server: Not Found";
    expect(classifyStep({ tool: "run", command: "./gradlew test", text, isError: true }).kind).toBe("model");
  });

  // A missing program in the words of whatever tried to start it: the shell, make, a program's own process API.
  it.each([
    [
      "make",
      "javac -d out Main.java\nmake: javac: Command not found\nmake: *** [Makefile:4: build] Error 127",
      "a JDK",
    ],
    ["make -C tools", "make[1]: Entering directory '/w/tools'\nmake[1]: gofmt: Command not found", "a Go toolchain"],
    ["zsh -c 'mvn test'", "zsh: command not found: mvn", "a JDK"],
    ["fish -c 'cargo test'", "fish: Unknown command: cargo", "a Rust toolchain"],
    [
      "python reproduce.py",
      'Traceback (most recent call last):\n  File "reproduce.py", line 3, in <module>\n' +
        '    subprocess.run(["dvipng", "x.dvi"])\n' +
        '  File "/usr/lib/python3.11/subprocess.py", line 1901, in _execute_child\n' +
        "    raise child_exception_type(errno_num, err_msg, err_filename)\n" +
        "FileNotFoundError: [Errno 2] No such file or directory: 'dvipng'",
      "the command `dvipng`",
    ],
    [
      "mvn -q generate-sources",
      "[ERROR] Failed to execute goal org.codehaus.mojo:exec-maven-plugin:3.1.0:exec (protoc) on project app: " +
        "Command execution failed.: " +
        'Cannot run program "protoc" (in directory "/w"): error=2, No such file or directory',
      "the command `protoc`",
    ],
    [
      "npm test",
      "Error: spawn java ENOENT\n    at ChildProcess._handle.onexit (node:internal/child_process:285:19)",
      "a JDK",
    ],
    [
      "go test ./...",
      '# runtime/cgo\ncgo: C compiler "gcc" not found: exec: "gcc": executable file not found in $PATH',
      "a C/C++",
    ],
    ["cargo build", "error: linker `cc` not found\n  |\n  = note: No such file or directory (os error 2)", "a C/C++"],
  ])("`%s`: a missing program in the words of what tried to start it is the environment", expectEnvironment);

  it.each([
    [
      "python reproduce.py",
      'raise RuntimeError("command not found: %s" % name)\nRuntimeError: command not found: initdb',
      "`initdb`",
    ],
    [
      "pip install mysqlclient",
      "  Getting requirements to build wheel ... error\n" +
        "      /bin/sh: 1: pkg-config: not found\n      Exception: Can not find",
      "`pkg-config`",
    ],
    ["Rscript check.R", "bash: Rscript: command not found", "`Rscript`"],
    // A substitution the model meant: the program is missing.
    ["VERSION=`javac -version` && echo $VERSION", "bash: javac: command not found", "a JDK"],
  ])("`%s`: the program named is what is missing, wherever the message sits", expectEnvironment);

  it.each([
    // Prose or code typed into the shell: the shell's words name a word of it, not a program.
    ["command not available as the fix cannot be tested here.", "/bin/bash: line 1193: not: command not found"],
    ["DATABASE_ROUTERS = ['app.routers.Router']", "/bin/bash: line 2213: DATABASE_ROUTERS: command not found"],
    ["Let me look at the file first", "bash: Let: command not found"],
    // Backquotes in an unquoted heredoc: the shell ran `index`.
    [
      "cat <<EOF >> docs/index.rst\n:doc:`index`\nEOF\nsphinx-build -b html docs out",
      "bash: line 1: index: command not found",
    ],
    // pytest's answer about a path, in the words dash uses for a program.
    ["pytest test/fixtures/L060.yml", "no tests ran in 0.01s\nERROR: not found: /w/test/fixtures/L060.yml"],
  ])("`%s` is the model's mistake, not a missing program", (command, output) => {
    expect(classifyStep({ tool: "run", command, text: output, isError: true }).kind).toBe("model");
  });

  it.each([
    // open() of a file the model named: the same errno words, no subprocess in the traceback.
    [
      "python reproduce.py",
      'Traceback (most recent call last):\n  File "reproduce.py", line 2, in <module>\n    open("settings")\n' +
        "FileNotFoundError: [Errno 2] No such file or directory: 'settings'",
    ],
    ["make", "cc -c a.c\na.c:3:10: error: 'x' undeclared\nmake: *** [Makefile:2: a.o] Error 1"],
    ["python manage.py frobnicate", "Unknown command: 'frobnicate'\nType 'manage.py help' for usage."],
    ["node run.js", "Error: spawn ./scripts/gen.sh ENOENT"],
    // The run tool echoes the command line first: what it names is not what the command said.
    [
      "python3 oom_repro.py --case 'out of memory'",
      runObservationText(
        "python3 oom_repro.py --case 'out of memory'",
        "exit code 1",
        "NameError: name 'cache' is not defined",
      ),
    ],
    [
      `sed -i "s/ModuleNotFoundError: No module named 'yaml'/x src/app.py"`,
      runObservationText(
        `sed -i "s/ModuleNotFoundError: No module named 'yaml'/x src/app.py"`,
        "exit code 1",
        "sed: -e expression #1, char 31: unterminated `s' command",
      ),
    ],
    // A relative require is the repository's or the model's path, never a package to install.
    ["node repro.js", "Error: Cannot find module '../src/total'\nRequire stack:\n- /work/repro.js"],
  ])("`%s` failing on the model's own mistake is the model's", (command, output) => {
    expect(classifyStep({ tool: "run", command, text: output, isError: true }).kind).toBe("model");
  });

  it("a compile error in the model's Java code is the model's, not the JDK's", () => {
    const output = "src/main/java/app/Main.java:12: error: cannot find symbol\n  symbol:   variable total\n1 error";
    expect(
      classifyStep({ tool: "run", command: "javac -d out src/main/java/app/Main.java", text: output, isError: true })
        .kind,
    ).toBe("model");
  });

  it("a Java test that fails on an assertion about hosts is the model's, not the network's", () => {
    const output =
      "[ERROR] HostTest.rejects:12 expected:<localhost> but was:<127.0.0.1>\n[ERROR] Tests run: 3, Failures: 1";
    expect(classifyStep({ tool: "run", command: "mvn -q test", text: output, isError: true }).kind).toBe("model");
  });

  it("reads a shell step's output in the form the run tool gives it: a grep that printed nothing is a negative", () => {
    const text = (command: string, status: string, output: string) => runObservationText(command, status, output);
    const grep = { tool: "run", command: 'grep -rn "compute_total" src', isError: true } as const;
    expect(classifyStep({ ...grep, text: text(grep.command, "exit code 1", "") }).kind).toBe("negative");
    expect(classifyStep({ ...grep, isError: false, text: text(grep.command, "exit code 0", "") }).kind).toBe(
      "negative",
    );
    expect(
      classifyStep({ ...grep, isError: false, text: text(grep.command, "exit code 0", "src/a.py:3: x") }).kind,
    ).toBe("ok");
    // A command over several lines, and output on stderr only.
    const multi = "cat > t.py <<'EOF'\nprint(1)\nEOF\npython t.py";
    expect(commandOutput(text(multi, "exit code 1", "[stderr]\nboom"))).toBe("\nboom");
    // Not a search: a command that printed nothing and failed is still the model's error.
    expect(
      classifyStep({ tool: "run", command: "python t.py", isError: true, text: text("python t.py", "exit code 1", "") })
        .kind,
    ).toBe("model");
  });

  it("a pipeline that ends in grep and prints nothing found no match: a negative, not the model's error", () => {
    const text = (command: string, output: string) => runObservationText(command, "exit code 1", output);
    for (const command of [
      "pip list | grep -i mysql",
      "sed -n '7,100p' sympy/physics/vector/dyadic.py | grep \"__slots__\"",
      "git log --oneline | rg 'fix:'",
    ])
      expect(classifyStep({ tool: "run", command, isError: true, text: text(command, "") }).kind).toBe("negative");
    // The first stage failing says so on stderr, which the pipe does not swallow: the model's error still.
    const broken = "python t.py | grep total";
    expect(
      classifyStep({ tool: "run", command: broken, isError: true, text: text(broken, "[stderr]\nNameError: x") }).kind,
    ).toBe("model");
    // grep earlier in the line, something else last: not a filter's silence.
    const notLast = "echo start | grep s; python t.py";
    expect(classifyStep({ tool: "run", command: notLast, isError: true, text: text(notLast, "") }).kind).toBe("model");
  });
  it("removing files that are already gone (a clean-up run twice) is a negative, not the model's error", () => {
    const gone =
      "rm: cannot remove 'reproduce.py': No such file or directory\nrm: cannot remove 'fix.py': No such file";
    expect(
      classifyStep({ tool: "run", command: "rm reproduce.py fix.py", text: `${gone} or directory`, isError: true }),
    ).toEqual({ kind: "negative" });
    // Anything else in the output is still the model's error.
    const mixed = "rm: cannot remove 'a.py': No such file or directory\nrm: cannot remove 'src': Is a directory";
    expect(classifyStep({ tool: "run", command: "rm a.py src", text: mixed, isError: true }).kind).toBe("model");
  });

  it("searches that find nothing are not failed steps: no error-streak however many there are", () => {
    const b = run();
    for (let i = 0; i < 12; i++) b.act({ tool: "search", pattern: `name${i}` }, "No matches found", { isError: true });
    const result = replay(probe(b.events), policy);
    expect(result.stopped).toBeUndefined();
    expect(result.nudges).toEqual([]);
  });

  it("model errors in a row still nudge, then stop (error-streak)", () => {
    const b = run().read("x.py", "cannot read x.py: No such file or directory");
    for (const e of b.events) if (e.type === "observation") e.isError = true;
    b.act({ tool: "read_file", path: "y1.py" }, "cannot read y1.py: Is a directory", { isError: true });
    b.act({ tool: "edit", path: "z.py", search: "q", replace: "r" }, "search text not found in z.py", {
      isError: true,
    });
    b.act({ tool: "read_file", path: "w22.py" }, "permission denied", { isError: true });
    const result = replay(probe(b.events), policy);
    expect(result.nudges).toContain("error-streak");
    expect(result.stopped?.reason).toBe("error-streak");
  });
});

describe("commands that run code", () => {
  it("splits a shell line into its commands, heredoc bodies left out", () => {
    const line = "cd repro && cat <<'EOF' > t.py\nimport x; x.run() && y\nEOF\npython3 t.py | tail -5; echo done";
    expect(commandsOf(line)).toEqual(["cd repro", "cat <<'EOF' > t.py", "python3 t.py", "tail -5", "echo done"]);
  });

  it("a script written with a heredoc and run in the same step failing is an experiment, not an error-streak", () => {
    const b = run();
    for (const [call, error] of [
      ["compute_total(items)", "TypeError: unsupported operand"],
      ["compute_tax(order)", "KeyError: 'rate'"],
      ["round_half_up(2.5)", "AssertionError: expected 3"],
      ["Order.from_dict(raw)", "ValueError: bad currency"],
    ])
      b.sh(
        `cat <<'EOF' > probe.py\nprint(${call})\nEOF\npython3 probe.py`,
        `Traceback (most recent call last):\n${error}`,
      );
    const result = replay(probe(b.events), policy);
    expect(result.stopped).toBeUndefined();
    expect(result.nudges).toEqual([]);
    // The same failing commands that run no code are the model's errors in a row.
    const c = run();
    const errors = ["cannot stat", "Permission denied", "target is not a directory", "omitting directory"];
    for (let i = 0; i < 4; i++)
      c.sh(`cat <<'EOF' > notes${i}.txt\nx\nEOF\ncp notes${i}.txt /nowhere/`, `cp: ${errors[i]}`);
    expect(replay(probe(c.events), policy).nudges).toContain("error-streak");
  });
});

describe("normalised repetition", () => {
  it("blanks numbers, /tmp paths, hashes and timestamps but keeps the digits of names", () => {
    expect(normalise("line 12 of /tmp/tmpab12/x.py at 2026-11-21T16:00:01Z id 3fa9c01d size 4.5 kB")).toBe(
      normalise("line 99 of /tmp/zz/y.py at 2025-01-02T01:02:03Z id 77be0d1a size 12 kB"),
    );
    expect(normalise("read f12.py")).not.toBe(normalise("read f13.py"));
  });

  it("a loop whose output carries a changing counter is a repeated action", () => {
    const b = run();
    for (let i = 0; i < 5; i++)
      b.sh("python repro.py", `ran in ${i}.${i}3 s at 2026-11-21T16:0${i}:00Z, /tmp/run${i}`, false);
    const result = replay(probe(b.events), policy);
    expect(result.nudges).toContain("repeated-action");
    expect(result.stopped?.reason).toBe("repeated-action");
  });

  it("without normalisation those outputs differ, so the same loop with new content each time is not stopped", () => {
    const b = run();
    for (let i = 0; i < 5; i++) b.sh("python repro.py", `found ${"abcdefghij"[i]} in module ${"vwxyz"[i]}`, false);
    expect(replay(probe(b.events), policy).stopped).toBeUndefined();
  });
});

describe("repeated identical edit", () => {
  it("re-applying the same edit while the file keeps growing is a loop, then a stop", () => {
    const b = run().read("a.py");
    let h = 0;
    for (let i = 0; i < 3; i++) b.edit("a.py", "def f():", "def f():\n    return 1", `h${h}`, `h${++h}`);
    const result = replay(probe(b.events), policy);
    expect(result.nudges).toContain("repeated-edit");
    expect(result.stopped).toMatchObject({ reason: "repeated-edit", evidence: [3, 4] });
  });

  describe("by line range (SWE-agent, Moatless): the same block again at another range", () => {
    const BLOCK = "    if not items:\n        return 0\n    return sum(items)";
    const rangeEdit = (b: ReturnType<typeof run>, from: number, to: number, replace: string, lines: number) =>
      b.act({ tool: "edit", path: "a.py", search: `lines ${from}-${to} of a.py`, replace }, "[File: /r/a.py]", {
        file: { path: "a.py", before: `h${from}`, after: `h${from + 1}`, lines },
      });

    it("while the file grows by the block each time is a duplication loop: nudged, then stopped", () => {
      const b = run().read("a.py");
      for (const [k, at] of [12, 15, 18].entries()) rangeEdit(b, at, at, BLOCK, 102 + 2 * k);
      const result = replay(probe(b.events), policy);
      expect(result.nudges).toContain("repeated-edit");
      expect(result.stopped).toMatchObject({ reason: "repeated-edit", evidence: [3, 4] });
    });

    it("the same line fixed in two places, the length unchanged, is no repeat", () => {
      const b = run().read("a.py");
      rangeEdit(b, 10, 10, "    regex = r'^[\\w.@+-]+\\Z'", 25);
      rangeEdit(b, 20, 20, "    regex = r'^[\\w.@+-]+\\Z'", 25);
      expect(replay(probe(b.events), policy).nudges).not.toContain("repeated-edit");
    });

    it("the block written again over a wider range, to mend what the first edit left, is no repeat", () => {
      const grows = run().read("a.py");
      rangeEdit(grows, 745, 746, BLOCK, 1174);
      rangeEdit(grows, 744, 746, BLOCK, 1176);
      expect(replay(probe(grows.events), policy).nudges).not.toContain("repeated-edit");
      const shrinks = run().read("a.py");
      rangeEdit(shrinks, 12, 12, BLOCK, 124).read("a.py");
      rangeEdit(shrinks, 11, 17, BLOCK, 122);
      expect(replay(probe(shrinks.events), policy).nudges).not.toContain("repeated-edit");
    });
  });

  it("toggling a change to see what the tests say (apply, undo, apply again) is no repeat", () => {
    const b = run()
      .read("settings.py")
      .edit("settings.py", "PERMS = 0o644", "PERMS = None", "h0", "h1")
      .sh("./runtests.py uploads", "FAIL: test_readonly_root", true)
      .edit("settings.py", "PERMS = None", "PERMS = 0o644", "h1", "h2")
      .edit("settings.py", "PERMS = 0o644", "PERMS = None", "h2", "h3")
      .sh("./runtests.py uploads.test_unicode", "ERROR: test_unicode_file_name", true)
      .edit("settings.py", "PERMS = None", "PERMS = 0o644", "h3", "h4")
      .edit("settings.py", "PERMS = 0o644", "PERMS = None", "h4", "h5");
    const result = replay(probe(b.events), policy);
    expect(result.nudges).not.toContain("repeated-edit");
    expect(result.stopped?.reason).not.toBe("repeated-edit");
  });

  it("the same no-op edit again and again is still a repeat", () => {
    const b = run().read("a.py");
    for (let i = 0; i < 3; i++) b.edit("a.py", "x = 1", "x = 1", "h0", "h0");
    expect(replay(probe(b.events), policy).stopped?.reason).toBe("repeated-edit");
  });

  it("two different edits to one file are not a repeat", () => {
    const b = run().read("a.py").edit("a.py", "x = 1", "x = 2", "h0", "h1").edit("a.py", "y = 1", "y = 2", "h1", "h2");
    const result = replay(probe(b.events), policy);
    expect(result.stopped).toBeUndefined();
    expect(result.nudges).toEqual([]);
  });

  it("the edit made again after `git checkout <file>` (no `--`) put the file back is made anew", () => {
    const b = run().read("lib.py");
    for (let i = 0; i < 3; i++)
      b.edit("lib.py", "if a and b:", "if a or b:", `h${2 * i}`, `h${2 * i + 1}`)
        .sh("python3 -m pytest tests/test_lib.py", "1 failed", true)
        .sh("git checkout lib.py", "Updated 1 path from the index", false);
    const result = replay(probe(b.events), policy);
    expect(result.nudges).not.toContain("repeated-edit");
    expect(result.stopped?.reason).not.toBe("repeated-edit");
  });

  it("a scratch file switched between two versions, each run before the next, is an experiment, not a loop", () => {
    const v1 = { tool: "create_file", path: "app/models.py", content: "class A(Model):\n    title = Field()" } as const;
    const v2 = { tool: "create_file", path: "app/models.py", content: "class A(Model):\n    pass" } as const;
    const b = run();
    for (let i = 0; i < 3; i++)
      b.act(v1, "Created", { file: { path: v1.path, before: `h${2 * i}`, after: `h${2 * i + 1}` } })
        .sh("python3 manage.py makemigrations app", `Migrations for 'app': 000${2 * i + 1}_initial.py`, false)
        .act(v2, "Created", { file: { path: v2.path, before: `h${2 * i + 1}`, after: `h${2 * i + 2}` } })
        .sh("python3 manage.py makemigrations app", `Migrations for 'app': 000${2 * i + 2}_auto.py`, false);
    const result = replay(probe(b.events), policy);
    expect(result.nudges).not.toContain("repeated-edit");
    expect(result.stopped).toBeUndefined();
  });

  it("two edits taking turns on one file with nothing run between them go round in a circle: nudged, stopped", () => {
    const b = run().read("input.sql");
    for (let i = 0; i < 3; i++)
      b.edit("input.sql", "lines 4-4 of input.sql", ")\nINSERT INTO t", `h${2 * i}`, `h${2 * i + 1}`).edit(
        "input.sql",
        "lines 5-5 of input.sql",
        "",
        `h${2 * i + 1}`,
        `h${2 * i + 2}`,
      );
    const result = replay(probe(b.events), policy);
    expect(result.nudges).toContain("repeated-edit");
    expect(result.stopped?.reason).toBe("repeated-edit");
  });
});

describe("nudges decay with progress", () => {
  const reread = () => run().read("a.py").read("a.py").read("a.py");
  it("after a nudge, new files and new content make the detector forget it: a later repeat nudges again", () => {
    const b = reread(); // nudge (repeated-action) before turn 4
    b.read("b.py").read("c.py").read("d.py"); // three turns of new content
    b.read("e.py").read("e.py").read("e.py"); // a new, unrelated repeat
    const result = replay(probe(b.events), policy);
    expect(result.stopped).toBeUndefined();
    expect(result.nudges.filter((n) => n === "repeated-action")).toHaveLength(2);
  });

  it("without that progress the same later repeat stops the run", () => {
    const b = reread();
    b.read("b.py").read("a.py");
    expect(replay(probe(b.events), policy).stopped?.reason).toBe("repeated-action");
  });

  it("two repeats of other things after the nudge are the model ignoring nudges at large: stopped", () => {
    const b = reread(); // nudged about a.py
    b.read("b.py").read("b.py").read("c.py").read("c.py");
    const result = replay(probe(b.events), policy);
    expect(result.stopped?.reason).toBe("repeated-action");
    expect(result.turns).toBe(7);
  });

  it("a different repeat after the nudge is not the model ignoring it: nudged about, not stopped for", () => {
    const b = reread(); // nudged about a.py
    b.read("b.py").read("b.py"); // b.py answered the same again: a repeat, but not of what the nudge named
    const result = replay(probe(b.events), policy);
    expect(result.nudges).toContain("repeated-action");
    expect(result.stopped).toBeUndefined();
  });
});

describe("environment: nudge, then stop", () => {
  const javacThrice = () =>
    run()
      .sh("javac Main.java", "bash: javac: command not found")
      .read("Main.java")
      .sh("javac -d out Main.java", "bash: javac: command not found")
      .sh("javac Main.java Util.java", "bash: javac: command not found");

  it("a missing toolchain three times: the model is told what is missing; the maintainer's finding rides along", () => {
    const verdict = policy(javacThrice().events);
    expect(verdict).toMatchObject({ kind: "nudge", reason: "environment", evidence: [1, 3, 4] });
    if (verdict.kind !== "nudge") throw new Error("expected a nudge");
    expect(verdict.message).toContain("lacks a JDK with Maven or Gradle (`javac` not found)");
    expect(verdict.message).toContain("Do not try it again");
    expect(verdict.finding).toContain("install a JDK and the build tool, and set JAVA_HOME, in the sandbox `image`");
    expect(verdict.finding).toContain("not the model");
  });

  it("trying it again after being told stops the run as `environment`, naming it, not blaming the model", () => {
    const b = javacThrice().read("Util.java").sh("mvn -q compile", "bash: mvn: command not found");
    const result = replay(probe(b.events), policy);
    expect(result.nudges).toEqual(["environment"]);
    expect(result.stopped).toMatchObject({ reason: "environment", evidence: [1, 3, 4, 6] });
    expect(result.stopped!.message).toContain("a JDK with Maven or Gradle");
    expect(result.stopped!.message).toContain("`javac`, `mvn` not found");
    expect(result.stopped!.message).toContain("not the model");
    expect(result.nudges).not.toContain("error-streak");
  });

  it("a model that tried javac three times, was told, and then reads and edits is not stopped", () => {
    const b = javacThrice()
      .read("Util.java")
      .edit("Main.java", "a - b", "a + b", "h1", "h2")
      .sh("grep -n 'a + b' Main.java", "3: return a + b;", false);
    const result = replay(probe(b.events), policy);
    expect(result.nudges).toEqual(["environment"]);
    expect(result.stopped).toBeUndefined();
  });

  it("told, the model read on (new files, new content), then tried once more before its fix: it heeded it", () => {
    // The same failing command again, word for word: neither a stop for the environment nor a repeated action.
    const b = javacThrice()
      .read("Util.java")
      .read("Parser.java")
      .read("ParserTest.java")
      .sh("javac Main.java", "bash: javac: command not found")
      .edit("Main.java", "a - b", "a + b", "h1", "h2");
    const result = replay(probe(b.events), policy);
    expect(result.nudges).toEqual(["environment"]);
    expect(result.stopped).toBeUndefined();
  });

  it("one that read on, then went back to the toolchain for good, is told again, then stopped as `environment`", () => {
    const b = javacThrice().read("Util.java").read("Parser.java").read("ParserTest.java");
    for (let i = 0; i < 5; i++) b.sh("javac Main.java", "bash: javac: command not found");
    const result = replay(probe(b.events), policy);
    expect(result.nudges).toEqual(["environment", "environment"]);
    expect(result.stopped).toMatchObject({ reason: "environment", evidence: [8, 9, 10, 11] });
    expect(result.stopped!.message).toContain("not the model");
  });

  it("the commands of one toolchain tried in turn are one missing thing: mvn, javac, JAVA_HOME", () => {
    const b = run()
      .sh("mvn -q test", "bash: mvn: command not found")
      .sh("javac -d out src/App.java", "bash: javac: command not found")
      .read("src/App.java")
      .sh("./gradlew test", "ERROR: JAVA_HOME is not set and no 'java' command could be found in your PATH.");
    const verdict = policy(b.events);
    expect(verdict).toMatchObject({ kind: "nudge", reason: "environment", evidence: [1, 2, 4] });
    if (verdict.kind !== "nudge") throw new Error("expected a nudge");
    expect(verdict.finding).toContain("`mvn`, `javac` not found");
  });

  it("different tools missing once each, of different toolchains, are neither nudged nor stopped", () => {
    const b = run()
      .sh("mvn -q test", "bash: mvn: command not found")
      .sh("go test ./...", "bash: go: command not found")
      .sh("cargo test", "bash: cargo: command not found")
      .sh("shellcheck run.sh", "bash: shellcheck: command not found");
    const result = replay(probe(b.events), policy);
    expect(result.nudges).not.toContain("environment");
    expect(result.stopped?.reason).not.toBe("environment");
  });

  describe("a missing module the issue itself reports is the bug, not the environment", () => {
    const ISSUE = "Importing calc fails with `ModuleNotFoundError: No module named 'yaml'` when PyYAML is absent";
    const importFails = () => {
      const b = run();
      for (let i = 0; i < 5; i++)
        b.sh("python3 -c 'import calc'", "ModuleNotFoundError: No module named 'yaml'").read(`calc${i}.py`);
      return b;
    };
    const withIssue = (issueText: string) => (history: readonly AgentEvent[]) =>
      decide(history, { budget: BUDGET, issueText }, { elapsedMs: 0 });

    it("named in the issue: neither told nor stopped as `environment`", () => {
      const result = replay(probe(importFails().events), withIssue(ISSUE));
      expect(result.nudges).not.toContain("environment");
      expect(result.stopped?.reason).not.toBe("environment");
    });

    it("not named in the issue: nudged, then stopped as `environment`", () => {
      const result = replay(probe(importFails().events), withIssue("add() subtracts"));
      expect(result.nudges).toContain("environment");
      expect(result.stopped?.reason).toBe("environment");
    });

    const yaml = { ecosystem: "python", name: "yaml" } as const;
    it.each([
      ["the Python module `yaml`", yaml, "No module named 'yaml' when it is absent", true],
      ["the Python module `yaml`", yaml, "Install PyYAML first", false],
      ["the Python module `yaml`", yaml, "see my_yaml.py", false],
      [
        "the Node package `@scope/pkg`",
        { ecosystem: "node", name: "@scope/pkg" },
        "Cannot find module '@scope/pkg'",
        true,
      ],
      ["the Node package `lodash`", { ecosystem: "node", name: "lodash" }, "", false],
      ["the command `mvn`", undefined, "run mvn test", false],
      ["network access", undefined, "the network is down", false],
    ] as const)("%s, issue %j: reported by the issue is %s", (_missing, dependency, issue, reported) => {
      expect(reportedByIssue(dependency, issue)).toBe(reported);
    });

    it("classification gives a missing module or package as data, and nothing else as one", () => {
      const dependencyOf = (text: string) => {
        const c = classifyStep({ tool: "run", command: "python3 t.py", text, isError: true });
        return c.kind === "environment" ? c.dependency : "not the environment";
      };
      expect(dependencyOf("ModuleNotFoundError: No module named 'yaml.constructor'")).toEqual(yaml);
      expect(dependencyOf("Error: Cannot find module '@scope/pkg/lib'")).toEqual({
        ecosystem: "node",
        name: "@scope/pkg",
      });
      for (const text of ["bash: mvn: command not found", "bash: shellcheck: command not found", "write: ENOSPC"])
        expect(dependencyOf(text)).toBeUndefined();
    });

    it("an issue that names a toolchain (how to reproduce) still gets a missing JDK reported", () => {
      const b = run();
      for (let i = 0; i < 5; i++) b.sh("mvn -q test", "bash: mvn: command not found").read(`App${i}.java`);
      const result = replay(probe(b.events), withIssue("Run `mvn test` and Total.sum fails"));
      expect(result.stopped?.reason).toBe("environment");
    });
  });

  it("one missing command the model works around does not stop the run", () => {
    const b = run().sh("pytest -q", "bash: pytest: command not found").sh("python -m unittest", "OK", false);
    expect(replay(probe(b.events), policy).stopped).toBeUndefined();
  });
});

describe("edits made through the shell", () => {
  it.each([
    ["sed -i 's/a - b/a + b/' calc/ops.py", ["calc/ops.py"]],
    ["cat <<'EOF' > calc/ops.py\ndef add(a, b):\n    return a + b\nEOF", ["calc/ops.py"]],
    ["echo x | tee -a notes/log.txt", ["notes/log.txt"]],
    ["python3 - <<'EOF'\nopen('calc/ops.py', 'w').write(src)\nEOF", []],
    ["git apply fix.patch", []],
    // What a heredoc holds is text written out, not shell: its `>` and `sed -i` name no file written now.
    ["cat <<'EOF' > edit.py\nif p1 > p2:\n    n = n >> 1\nEOF", ["edit.py"]],
    ["cat > fix.sh <<'EOF'\nsed -i 's/a/b/' calc/ops.py\necho done > log.txt\nEOF\nbash fix.sh", ["fix.sh"]],
  ])("%j writes %j", (command, paths) => {
    expect(shellWrites(command)).toEqual(paths);
  });

  it("a heredoc appended to a script still wrote it when the script it then runs fails", () => {
    const command = "cat <<'EOF' >> repro.py\nprint(obj.__module__)\nEOF\npython3 repro.py";
    expect(heredocWrites(command)).toEqual(["repro.py"]);
    const b = run().sh(command, runObservationText(command, "exit code 1", "NameError: name 'obj' is not defined"));
    expect(toTurns(b.events)[0]!.writes).toEqual(["repro.py"]);
  });

  it.each([
    "python repro.py > /dev/null 2>&1",
    "grep -n add calc/ops.py | head",
    "sed -n 1,20p calc/ops.py",
    "ls > /tmp/x",
  ])("%j writes nothing in the workspace", (command) => {
    expect(shellWrites(command)).toBeUndefined();
  });

  it("a sed edit between two reads of a file makes the second no rereading, and counts as an edit", () => {
    const b = run().read("calc/ops.py").read("calc/ops.py");
    b.sh("sed -i 's/a - b/a + b/' calc/ops.py", "", false).read("calc/ops.py");
    const turns = toTurns(b.events);
    expect(isEdit(turns[2]!)).toBe(true);
    expect(turns[2]!.writes).toEqual(["calc/ops.py"]);
    const result = replay(probe(b.events), policy);
    expect(result.stopped).toBeUndefined();
    expect(result.nudges).not.toContain("rereading");
  });

  it("a failing line that wrote a file with a heredoc and then ran it still wrote the file", () => {
    const script = "cat <<'EOF' > repro.py\nfrom calc.ops import add\nprint(add(2, 3))\nEOF\npython3 repro.py";
    const b = run()
      .sh(script, "Traceback (most recent call last):\nImportError: cannot import name 'add'")
      .sh("cat > calc/check.py <<EOF\nx = 1\nEOF\npython3 calc/check.py && false", "", true)
      .sh("python3 repro.py", "Traceback (most recent call last):\nImportError: cannot import name 'add'")
      .sh("cat <<'EOF' > /tmp/t.py\nprint(1)\nEOF\npython3 /tmp/t.py", "SyntaxError", true);
    const turns = toTurns(b.events);
    expect(turns.map((t) => t.writes)).toEqual([["repro.py"], ["calc/check.py"], undefined, undefined]);
  });

  it("a nudge to act is forgotten once the run edits: a later reread nudges again instead of stopping", () => {
    const b = run().read("a.py").read("a.py").read("a.py"); // repeated-action nudge before turn 4
    b.sh("sed -i 's/x = 1/x = 2/' a.py", "", false);
    b.read("a.py").read("a.py").read("a.py"); // rereading after the edit: a new occurrence, not the old one again
    const result = replay(probe(b.events), policy);
    expect(result.stopped).toBeUndefined();
    expect(result.nudges.filter((n) => n === "repeated-action")).toHaveLength(2);
  });

  it("reproduction scripts that raise are what the model set out to see: no error-streak from them", () => {
    const b = run();
    for (let i = 0; i < 6; i++)
      b.sh(`python3 reproduce_${i}.py`, `Traceback (most recent call last):\nValueError: case ${"abcdef"[i]}`);
    const result = replay(probe(b.events), policy);
    expect(result.nudges).not.toContain("error-streak");
    expect(result.stopped?.reason).not.toBe("error-streak");
  });
});

describe("building and running code in any language is running code", () => {
  // Each command fails a different way (the model working through its code's compile errors): what the code did,
  // not the model misusing its tools, so no error-streak however many in a row. Repeated-error still catches the
  // same failure again.
  it.each([
    ["go", () => "go build ./... 2>&1"],
    ["cargo", () => "cargo check --tests"],
    ["gcc", (i: number) => `gcc -Wall -c repro_${i}.c`],
    ["g++", (i: number) => `g++ -std=c++17 repro_${i}.cpp -o repro`],
    ["javac via timeout", (i: number) => `timeout 120 javac -d out Repro${i}.java`],
    ["tsc", (i: number) => `tsc --noEmit src/case${i}.ts`],
    ["dotnet", (i: number) => `dotnet test --filter Case${i}`],
    ["poetry run", (i: number) => `poetry run python repro_${i}.py`],
  ])("%s: six different compile failures in a row are no error-streak", (_name, command) => {
    const b = run();
    for (let i = 0; i < 6; i++) b.sh(command(i), `repro.src:${i + 3}:5: error: unexpected token \`${"abcdef"[i]}\``);
    const result = replay(probe(b.events), policy);
    expect(result.nudges).not.toContain("error-streak");
    expect(result.stopped?.reason).not.toBe("error-streak");
  });

  it("the same file failing the same way, whatever the flags, is the loop: nudged, then stopped", () => {
    const b = run();
    const classpaths = ["src/main/java", "target/classes", "lib/*:.", "build/classes/java/main"];
    const error = "Repro.java:1: error: package com.acme.json does not exist\n1 error";
    // As Nightshift's run tool answers: the command line and exit code first, which differ with the flags.
    for (const cp of classpaths)
      b.sh(`javac -cp ${cp} Repro.java`, runObservationText(`javac -cp ${cp} Repro.java`, "exit code 1", error));
    const result = replay(probe(b.events), policy);
    expect(result.nudges).toContain("repeated-error");
    expect(result.stopped?.reason).toBe("repeated-error");
  });

  it("the same Java class run again with other classpaths, failing alike, is the loop too", () => {
    const b = run();
    const error = "Error: Could not find or load main class Repro\nCaused by: java.lang.ClassNotFoundException: Repro";
    for (const cp of [".", "target/classes", "target/classes:.", "build/classes/java/main:."])
      b.sh(`java -cp ${cp} Repro`, runObservationText(`java -cp ${cp} Repro`, "exit code 1", error));
    const result = replay(probe(b.events), policy);
    expect(result.nudges).toContain("repeated-error");
    expect(result.stopped?.reason).toBe("repeated-error");
    // Different classes failing alike are probes, not a loop.
    const probes = run();
    for (const main of ["ReproA", "ReproB", "app.Check", "app.Main"])
      probes.sh(`java -cp target/classes ${main}`, `Exception in thread "main" java.lang.NullPointerException`);
    expect(replay(probe(probes.events), policy).nudges).not.toContain("repeated-error");
  });

  it("a hostile line of JVM options cannot make reading it backtrack: the verdict comes at once", () => {
    // Each `-cp` could be an option or the value of the one before; read both ways, 60 of them take hours. A regular
    // expression blocks its thread, so the verdict is asked of a child process that is killed after 30 seconds.
    const command = `java ${"-cp ".repeat(60)}!`;
    const b = run();
    for (let i = 0; i < 3; i++) b.sh(command, runObservationText(command, "exit code 1", "Error: no class"));
    const controller = join(import.meta.dirname, "../src/controller/controller.ts");
    const script =
      `import { decide } from ${JSON.stringify(pathToFileURL(controller).href)};` +
      "let input = ''; process.stdin.on('data', (c) => (input += c)).on('end', () => {" +
      "const v = decide(JSON.parse(input), { budget: { turns: 90, tokens: 1e9, minutes: 600 } }, { elapsedMs: 0 });" +
      "process.stdout.write(v.kind); });";
    const verdict = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      input: JSON.stringify(probe(b.events)),
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(["continue", "nudge", "stop"]).toContain(verdict);
  });

  it("different files failing alike are experiments, and so is the same file failing anew after its edit", () => {
    const probes = run();
    for (let i = 0; i < 4; i++)
      probes.sh(`javac -cp target/classes Probe${i}.java`, `Probe${i}.java:1: error: cannot find symbol`);
    expect(replay(probe(probes.events), policy).nudges).not.toContain("repeated-error");
    const mended = run();
    for (let i = 0; i < 4; i++)
      mended
        .edit("Repro.java", `int x = ${i};`, `int x = ${i + 1};`, `h${i}`, `h${i + 1}`)
        .sh("javac Repro.java && java Repro", `Exception in thread "main" java.lang.AssertionError: got ${i + 1}`);
    expect(replay(probe(mended.events), policy).nudges).not.toContain("repeated-error");
  });

  it("the same output under another spelling of the command is no new content: it does not wear a nudge off", () => {
    const b = run();
    for (const command of ["python repro.py", "python3 repro.py", "cd . && python3 ./repro.py"])
      b.sh(command, runObservationText(command, "exit code 0", "total=41"), false);
    const kinds = progressByTurn(toTurns(b.events)).map((p) => [...p.kinds]);
    expect(kinds).toEqual([["content"], [], []]);
  });

  it("the same failures from commands that run no code are an error-streak", () => {
    const b = run();
    for (let i = 0; i < 6; i++)
      b.sh(`cat repro_${i}.c`, `repro.src:${i + 3}:5: error: unexpected token \`${"abcdef"[i]}\``);
    expect(replay(probe(b.events), policy).nudges).toContain("error-streak");
  });
});

describe("missing modules the model made up are not the environment", () => {
  it("a module the run created, a placeholder or a repository folder's name is the model's error; numpy is not", () => {
    const b = run()
      .sh("mkdir -p reproduce_app && touch reproduce_app/__init__.py", "", false)
      .sh("python3 repro.py", "ModuleNotFoundError: No module named 'reproduce_app'")
      .sh("python3 -c 'import your_project'", "ModuleNotFoundError: No module named 'your_project'")
      .sh("python3 -m django__django.x", "ModuleNotFoundError: No module named 'django__django'")
      .sh("python3 repro.py", "ModuleNotFoundError: No module named 'numpy'");
    const steps = toTurns(b.events).map((t) => t.step);
    expect(steps.slice(1, 4).map((s) => s?.kind)).toEqual(["model", "model", "model"]);
    expect(steps[4]).toMatchObject({ kind: "environment", missing: "the Python module `numpy`" });
  });
});

describe("a missing module the model pointed at itself is not the environment", () => {
  const settings = (apps: string) =>
    `import django\nfrom django.conf import settings\nsettings.configure(INSTALLED_APPS=[${apps}])\ndjango.setup()`;
  const create = (path: string, content: string) => ({ tool: "create_file" as const, path, content });
  const missingAfter = (b: ReturnType<typeof run>, module: string) => {
    b.sh("python3 repro.py", `Traceback (most recent call last):\nModuleNotFoundError: No module named '${module}'`);
    return toTurns(b.events).at(-1)!.step;
  };

  it("an app the model's made-up settings list (quoted, never imported) is its invention", () => {
    const b = run().act(create("repro.py", settings("'django.contrib.auth', 'shopapp'")), "File created");
    expect(missingAfter(b, "shopapp")?.kind).toBe("model");
  });

  it("a module the model's code imports, or stands in for, is a dependency even where it is also quoted", () => {
    const imported = run().act(create("repro.py", 'import numpy as np\nf = lambdify(x, expr, "numpy")'), "ok");
    expect(missingAfter(imported, "numpy")).toMatchObject({
      kind: "environment",
      missing: "the Python module `numpy`",
    });
    const mocked = run().act(create("repro.py", 'import sys\nsys.modules["psycopg2"] = MagicMock()'), "ok");
    expect(missingAfter(mocked, "psycopg2")).toMatchObject({ kind: "environment" });
  });

  it("a dependency the model lists in a manifest is still a dependency", () => {
    const b = run().act(create("pyproject.toml", '[project]\ndependencies = ["numpy", "attrs"]'), "File created");
    expect(missingAfter(b, "numpy")?.kind).toBe("environment");
  });

  it("a module named only in the model's grep is no code of its own: still the environment", () => {
    const b = run().sh("grep -rn 'yaml' setup.cfg", "setup.cfg:12:    'yaml'", false);
    expect(missingAfter(b, "yaml")?.kind).toBe("environment");
  });

  it("a folder at the repository's root the model's paths use is the repository's layout, run from elsewhere", () => {
    const tests = run().read("tests/runtests.py");
    expect(missingAfter(tests, "tests")?.kind).toBe("model");
    const rooted = run().sh("ls /testbed/test/fixtures/rules", "L060.yml", false);
    expect(missingAfter(rooted, "test")?.kind).toBe("model");
    const nested = run().read("astropy/utils/compat/numpy/__init__.py");
    expect(missingAfter(nested, "numpy")?.kind).toBe("environment");
  });
});

describe("an agent framework's command typed into the shell is the model's error", () => {
  it("`end_of_edit` or `submit` not found is a model error; javac beside it is still the environment", () => {
    const b = run()
      .sh("end_of_edit", "/bin/bash: line 5: end_of_edit: command not found")
      .sh("submit", "bash: submit: command not found")
      .sh("close && javac A.java", "bash: close: command not found\nbash: javac: command not found");
    const steps = toTurns(b.events).map((t) => t.step);
    expect(steps.slice(0, 2).map((s) => s?.kind)).toEqual(["model", "model"]);
    expect(steps[2]).toMatchObject({ kind: "environment", shown: "javac" });
  });

  it("however often the model types them, the run is not stopped as `environment`", () => {
    const b = run();
    for (let i = 0; i < 4; i++) b.read(`f${i}.py`).sh("end_of_edit", "bash: end_of_edit: command not found");
    expect(replay(probe(b.events), policy).stopped?.reason).not.toBe("environment");
  });
});

describe("refused edits", () => {
  /** A refused edit: the file stays in `state`. */
  const refused = (b: ReturnType<typeof run>, path: string, why: string, state = "h0") =>
    b.act({ tool: "edit", path, search: `lines 10-12 of ${path}`, replace: why }, `Your edit was refused: ${why}`, {
      isError: true,
      file: { path, before: state, after: state },
    });

  it("retried on one file with a different refusal each time is working through the checker: no error-streak", () => {
    const b = run().read("a.py");
    refused(b, "a.py", "IndentationError: unexpected indent");
    refused(b, "a.py", "F821 undefined name 'data'");
    refused(b, "a.py", "F821 undefined name 'transaction'");
    refused(b, "a.py", "SyntaxError: unmatched ')'");
    const result = replay(probe(b.events), policy);
    expect(result.stopped).toBeUndefined();
    expect(result.nudges).not.toContain("error-streak");
  });

  it("the same refusal again and again still nudges, then stops", () => {
    const b = run().read("a.py");
    for (let i = 0; i < 5; i++) refused(b, "a.py", "SyntaxError: unmatched ')'");
    expect(replay(probe(b.events), policy).stopped).toBeDefined();
  });

  it("a refused edit leaves the file as it was: it is no edit oscillation", () => {
    const b = run()
      .read("a.py")
      .edit("a.py", "x = 1", "x = 2", "h0", "h1")
      .read("b.py")
      .edit("a.py", "y = 1", "y = 2", "h1", "h2");
    refused(b, "a.py", "IndentationError: unexpected indent", "h2");
    refused(b, "a.py", "F821 undefined name 'data'", "h2");
    const result = replay(probe(b.events), policy);
    expect(result.nudges).not.toContain("edit-oscillation");
    expect(result.stopped).toBeUndefined();
  });

  it("a refused edit changed nothing: reading the file again after it is rereading, as often as it happens", () => {
    const b = run().read("a.py");
    for (const why of ["F821 undefined name 'w'", "E999 SyntaxError", "F821 undefined name 'h'", "E999 SyntaxError"]) {
      refused(b, "a.py", why);
      b.read("a.py");
    }
    const result = replay(probe(b.events), policy);
    expect(result.nudges).toContain("rereading");
    expect(result.stopped?.reason).toMatch(/^(rereading|repeated-action)$/);
    expect(toTurns(b.events).filter(isEdit)).toEqual([]);
  });

  it("reading the file again after each edit that went through is reading what changed: no rereading", () => {
    const b = run().read("a.py");
    ["h0", "h1", "h2", "h3"].forEach((state, i) => {
      b.edit("a.py", `w = ${i}`, `w = ${i + 1}`, state, `h${i + 1}`);
      b.read("a.py");
    });
    const result = replay(probe(b.events), policy);
    expect(result.nudges).not.toContain("rereading");
    expect(result.stopped).toBeUndefined();
  });

  it("an edit that really puts the file back is still an oscillation", () => {
    const b = run()
      .read("a.py")
      .edit("a.py", "x = 1", "x = 2", "h0", "h1")
      .edit("a.py", "x = 2", "x = 1", "h1", "h0")
      .edit("a.py", "x = 1", "x = 2", "h0", "h1")
      .edit("a.py", "x = 2", "x = 1", "h1", "h0");
    expect(replay(probe(b.events), policy).stopped?.reason).toBe("edit-oscillation");
  });
});

describe("what the nudge named, and what the model can still see", () => {
  const missing = (path: string) => `cannot read ${path}: No such file or directory`;
  it("after a repeated-error nudge, a different error repeated is not the model ignoring it; the named one is", () => {
    // Error streaks and repeated actions are other detectors' business: switched off to watch this one alone.
    const alone = (history: readonly AgentEvent[]) =>
      decide(history, { budget: BUDGET, thresholds: { errorStreak: 1e9, repeatedAction: 1e9 } }, { elapsedMs: 0 });
    // Nudged about reading a file that is not there; then it re-creates an existing file twice (another mistake).
    const base = () =>
      run()
        .act({ tool: "read_file", path: "lib/calc.py" }, missing("lib/calc.py"), { isError: true })
        .read("calc.py")
        .act({ tool: "read_file", path: "lib/calc.py" }, missing("lib/calc.py"), { isError: true })
        .act({ tool: "create_file", path: "t.py", content: "x" }, "File already exists at: t.py", { isError: true })
        .read("util.py")
        .act({ tool: "create_file", path: "t.py", content: "y" }, "File already exists at: t.py", { isError: true });
    const other = replay(probe(base().events), alone);
    expect(other.nudges).toEqual(["repeated-error"]);
    expect(other.stopped).toBeUndefined();
    // Control: the error the nudge named, once more.
    const b = base().act({ tool: "read_file", path: "lib/calc.py" }, missing("lib/calc.py"), { isError: true });
    expect(replay(probe(b.events), alone).stopped?.reason).toBe("repeated-error");
  });

  it("asking again what was answered more than `recentTurns` ago is refreshing what left the model's view", () => {
    const between = (b: ReturnType<typeof run>, n: number) => {
      for (let i = 0; i < n; i++) b.read(`other${i}.py`);
      return b;
    };
    // Read, fourteen other reads, read again, and again fourteen reads later: never a repeat within view.
    const far = between(between(run().read("a.py"), 14).read("a.py"), 14).read("a.py");
    const result = replay(probe(far.events), policy);
    expect(result.nudges).not.toContain("repeated-action");
    expect(result.nudges).not.toContain("rereading");
    // Control: the same reads thirteen turns apart are in view, so the second and third are repeats.
    const near = between(between(run().read("a.py"), 12).read("a.py"), 12).read("a.py");
    expect(replay(probe(near.events), policy).stopped?.reason).toBe("repeated-action");
  });
});

describe("scanning: the same step with only its numbers changed, turn after turn", () => {
  const NAMES = ["parse", "emit", "visit", "close", "reset", "flush", "merge", "split", "check", "store"];
  const page = (b: ReturnType<typeof run>, from: number, pages: number) => {
    for (let k = 0; k < pages; k++) {
      const start = from + k * 10;
      b.act(
        { tool: "read_file", path: "pylint/checkers/similar.py", start_line: start, end_line: start + 10 },
        // Each page shows other code (a different name defined on it), as real pages do.
        `${start}: def ${NAMES[k % NAMES.length]}_${String.fromCharCode(97 + Math.floor(k / NAMES.length))}(self):`,
      );
    }
    return b;
  };
  it("paging through a file ten lines at a time is nudged at the 12th page and stopped six pages later", () => {
    const result = replay(probe(page(run(), 700, 40).events), policy);
    expect(result.nudges).toEqual(["scanning"]);
    expect(result.stopped).toMatchObject({ reason: "scanning", evidence: [12, 18] });
    expect(result.turns).toBe(18);
  });
  it("ten pages, then an edit, then ten more pages: two short scans, neither nudged", () => {
    const b = page(run(), 1, 10).edit("a.py", "x = 1", "x = 2", "h0", "h1");
    const result = replay(probe(page(b, 200, 10).events), policy);
    expect(result.nudges).not.toContain("scanning");
    expect(result.stopped).toBeUndefined();
  });
  it("a scan the model leaves after the nudge is not stopped", () => {
    const b = page(run(), 1, 13).edit("a.py", "x = 1", "x = 2", "h0", "h1");
    b.act({ tool: "run", command: "python -m pytest -q" }, "1 passed", { tests: { passed: true } });
    const result = replay(probe(b.events), policy);
    expect(result.nudges).toEqual(["scanning"]);
    expect(result.stopped).toBeUndefined();
  });
});

describe("flailing: most of the recent turns wasted, whatever each was", () => {
  // Every other detector switched off, so what is measured is the waste count alone.
  const OFF = 1e9;
  const only = (history: readonly AgentEvent[]) =>
    decide(
      history,
      {
        budget: BUDGET,
        thresholds: {
          repeatedAction: OFF,
          repeatedError: OFF,
          rereading: OFF,
          malformedStreak: OFF,
          errorStreak: OFF,
          noEditTurns: OFF,
          scanTurns: OFF,
          repeatedEdits: OFF,
        },
      },
      { elapsedMs: 0 },
    );
  /** Ten turns: a prose reply, a bad path, the same read answered alike, … with `useful` new reads among them. */
  const tens = (windows: number, useful: number) => {
    const b = run();
    for (let w = 0; w < windows; w++)
      for (let k = 0; k < 10; k++) {
        if (k < useful) b.read(`new${w}_${k}.py`);
        else if (k % 3 === 0) b.prose("I will now look at the file.");
        else if (k % 3 === 1)
          b.act({ tool: "read_file", path: `nope${w}${k}.py` }, `cannot read nope${w}${k}.py: No such file`, {
            isError: true,
          });
        else b.read("a.py");
      }
    return b;
  };
  it("seven wasted turns of ten is nudged; seven of the next ten stops the run", () => {
    const result = replay(probe(tens(3, 3).events), only);
    expect(result.nudges).toEqual(["flailing"]);
    expect(result.stopped?.reason).toBe("flailing");
  });
  it("five of ten wasted, window after window, is a run that learns between its mistakes: left alone", () => {
    const result = replay(probe(tens(3, 5).events), only);
    expect(result.nudges).not.toContain("flailing");
    expect(result.stopped).toBeUndefined();
  });
});
