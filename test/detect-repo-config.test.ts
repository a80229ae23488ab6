import { describe, expect, it } from "vitest";
import {
  DETECT_READS,
  detectRepoConfig,
  detectedConfigYaml,
  detectionMarkdown,
  type Detection,
} from "../src/config/detect-repo-config.js";
import { DetectionError, type RepoSnapshot } from "../src/config/detect-types.js";
import { parseRepoConfig } from "../src/config/repo-config.js";
import { parse } from "yaml";

/** A repository root as the GitHub tree API lists it; contents only for the files detection reads. */
function repo(files: Record<string, string>, dirs: string[] = []): RepoSnapshot {
  return {
    entries: [
      ...Object.entries(files).map(([name, content]) => ({
        name,
        size: Buffer.byteLength(content),
        type: "file" as const,
      })),
      ...dirs.map((name) => ({ name, type: "dir" as const })),
    ],
    contents: Object.fromEntries(Object.entries(files).filter(([name]) => DETECT_READS.includes(name))),
  };
}
const found = (d: Detection) => {
  if (!d.found) throw new Error(`nothing detected: ${d.skipped.join("; ")}`);
  return { ...d.detected, image: d.image };
};
const pkg = (scripts: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: "x", version: "1.0.0", scripts, ...extra }, null, 2);

describe("zero-config detection: Node", () => {
  it("express-like: mocha test script, no lockfile → npm install / npm test", () => {
    const d = found(
      detectRepoConfig(
        repo(
          { "package.json": pkg({ test: "mocha --require test/support/env --check-leaks test/" }), "index.js": "" },
          ["lib", "test"],
        ),
      ),
    );
    expect(d).toMatchObject({
      ecosystem: "node",
      setup: "npm install --no-package-lock",
      test: "npm test",
      image: "nightshift-sandbox:node",
    });
  });
  it("package-lock.json → npm ci; npm-shrinkwrap.json too", () => {
    expect(
      found(detectRepoConfig(repo({ "package.json": pkg({ test: "jest" }), "package-lock.json": "{}" }))).setup,
    ).toBe("npm ci");
    expect(
      found(detectRepoConfig(repo({ "package.json": pkg({ test: "tap" }), "npm-shrinkwrap.json": "{}" }))).setup,
    ).toBe("npm ci");
  });
  it("vite-like monorepo with pnpm-lock.yaml → pnpm installed into HOME, frozen lockfile", () => {
    const d = found(
      detectRepoConfig(
        repo(
          {
            "package.json": pkg({ test: "vitest run" }, { packageManager: "pnpm@9.1.0" }),
            "pnpm-lock.yaml": "lockfileVersion: '9.0'",
            "pnpm-workspace.yaml": "",
          },
          ["packages"],
        ),
      ),
    );
    expect(d.setup).toBe('npm install --global --prefix "$HOME/.local" pnpm && pnpm install --frozen-lockfile');
    expect(d.test).toBe("pnpm test");
    expect(d.evidence).toContain("`pnpm-lock.yaml` → pnpm");
  });
  it("packageManager pnpm without a lockfile → pnpm install without --frozen-lockfile", () => {
    const d = found(
      detectRepoConfig(
        repo({ "package.json": pkg({ test: "node --test" }, { packageManager: "pnpm@8.15.0+sha256.abc" }) }),
      ),
    );
    expect(d.setup).toMatch(/pnpm install --no-lockfile$/);
  });
  it("react-like yarn classic and babel-like yarn Berry", () => {
    const classic = found(
      detectRepoConfig(repo({ "package.json": pkg({ test: "yarn test-stable" }), "yarn.lock": "# yarn lockfile v1" })),
    );
    expect(classic).toMatchObject({ test: "yarn test" });
    expect(classic.setup).toContain("yarn install --frozen-lockfile");
    const berry = found(
      detectRepoConfig(
        repo({
          "package.json": pkg({ test: "jest" }),
          "yarn.lock": "__metadata:",
          ".yarnrc.yml": "yarnPath: .yarn/releases/yarn-4.cjs",
        }),
      ),
    );
    expect(berry.setup).toContain("yarn install --immutable");
  });
  it("npm init's placeholder test script is no test command (and falls through to a Makefile)", () => {
    const placeholder = pkg({ test: 'echo "Error: no test specified" && exit 1' });
    const none = detectRepoConfig(repo({ "package.json": placeholder }));
    expect(none).toMatchObject({ found: false });
    expect(detectionMarkdown(none)).toContain("npm's placeholder");
    expect(
      found(detectRepoConfig(repo({ "package.json": placeholder, Makefile: "test:\n\t./run-tests.sh\n" }))),
    ).toMatchObject({ ecosystem: "make", test: "make test" });
    expect(
      detectRepoConfig(repo({ "package.json": pkg({ test: "echo Error: no test specified && exit 1" }) })),
    ).toMatchObject({ found: false });
  });
  it("package.json without scripts, or with only build scripts, is skipped with a reason", () => {
    const d = detectRepoConfig(repo({ "package.json": JSON.stringify({ name: "lib", main: "index.js" }) }));
    expect(d).toMatchObject({ found: false, skipped: ["`package.json` has no `scripts.test`"] });
    expect(detectRepoConfig(repo({ "package.json": pkg({ test: "   " }) }))).toMatchObject({ found: false });
  });
  it("a UTF-8 byte-order mark is fine", () => {
    expect(found(detectRepoConfig(repo({ "package.json": `\uFEFF${pkg({ test: "ava" })}` }))).test).toBe("npm test");
  });
  it("a Node repo with a docs requirements.txt is still Node (Node is looked at first)", () => {
    expect(
      found(detectRepoConfig(repo({ "package.json": pkg({ test: "jest" }), "requirements.txt": "mkdocs" }))).ecosystem,
    ).toBe("node");
  });
});

describe("zero-config detection: Python", () => {
  it("requests-like: setup.py, tox.ini, requirements-dev.txt", () => {
    const d = found(
      detectRepoConfig(
        repo(
          {
            "setup.py": "from setuptools import setup",
            "tox.ini": "[tox]\nenvlist = py38\n",
            "requirements-dev.txt": "pytest\n",
          },
          ["tests", "src"],
        ),
      ),
    );
    expect(d).toMatchObject({ ecosystem: "python", test: "python -m pytest", image: "nightshift-sandbox:python" });
    expect(d.setup).toBe(
      'python3 -m venv --system-site-packages "$HOME/venv" && pip install -r requirements-dev.txt && ' +
        "pip install --no-build-isolation -e .",
    );
  });
  it("flask-like pyproject with flit_core → editable install with build isolation", () => {
    const d = found(
      detectRepoConfig(
        repo({
          "pyproject.toml":
            '[project]\nname = "flask"\ndependencies = ["Werkzeug>=3"]\n\n' +
            '[build-system]\nrequires = ["flit_core<4"]\nbuild-backend = "flit_core.buildapi"\n\n' +
            '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
        }),
      ),
    );
    expect(d.setup).toMatch(/&& pip install -e \.$/);
    expect(d.evidence).toContain("`pyproject.toml` configures pytest");
  });
  it("setuptools pyproject → the image's setuptools builds it (no PyPI needed)", () => {
    const d = found(
      detectRepoConfig(
        repo({
          "pyproject.toml":
            '[build-system]\nrequires = ["setuptools>=61", "wheel"]\nbuild-backend = "setuptools.build_meta"\n\n' +
            '[project]\nname = "x"\n',
        }),
      ),
    );
    expect(d.setup).toContain("pip install --no-build-isolation -e .");
  });
  it("poetry project → installed editable", () => {
    const d = found(
      detectRepoConfig(
        repo({
          "pyproject.toml":
            '[tool.poetry]\nname = "x"\n' +
            '[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n',
        }),
      ),
    );
    expect(d.setup).toMatch(/pip install -e \.$/);
  });
  it("pyproject.toml with only tool settings (black, ruff) is not installed, but is Python", () => {
    const d = found(
      detectRepoConfig(repo({ "pyproject.toml": "[tool.black]\nline-length = 100\n", "test_thing.py": "" })),
    );
    expect(d.setup).toBe('python3 -m venv --system-site-packages "$HOME/venv"');
  });
  it("setup.cfg [tool:pytest], pytest.ini, conftest.py alone are each enough", () => {
    expect(
      found(detectRepoConfig(repo({ "setup.cfg": "[metadata]\nname = x\n[tool:pytest]\naddopts = -q\n" }))).evidence,
    ).toContain("`setup.cfg` configures pytest");
    expect(found(detectRepoConfig(repo({ "pytest.ini": "[pytest]\n" }))).ecosystem).toBe("python");
    expect(found(detectRepoConfig(repo({ "conftest.py": "" }))).ecosystem).toBe("python");
    expect(found(detectRepoConfig(repo({ "tox.ini": "[pytest]\nminversion = 6\n" }))).evidence).toContain(
      "`tox.ini` configures pytest",
    );
  });
});

describe("zero-config detection: Go, Rust, Java, Make", () => {
  it("cobra-like go.mod", () => {
    expect(
      found(detectRepoConfig(repo({ "go.mod": "module github.com/spf13/cobra\n\ngo 1.15\n", "go.sum": "" }))),
    ).toMatchObject({
      ecosystem: "go",
      setup: "go mod download",
      test: "go test ./...",
      image: "nightshift-sandbox:go",
    });
  });
  it("ripgrep-like Cargo workspace", () => {
    const d = found(detectRepoConfig(repo({ "Cargo.toml": "[workspace]\n", "Cargo.lock": "" }, ["crates"])));
    expect(d).toMatchObject({ ecosystem: "rust", setup: "cargo fetch", test: "cargo test --offline" });
    expect(d.evidence).toContain("`Cargo.lock`");
  });
  it("Maven with and without the wrapper", () => {
    expect(found(detectRepoConfig(repo({ "pom.xml": "<project/>" })))).toMatchObject({
      ecosystem: "java",
      test: "mvn -B -o test",
    });
    expect(found(detectRepoConfig(repo({ "pom.xml": "<project/>", mvnw: "#!/bin/sh" }))).test).toBe(
      "./mvnw -B -o test",
    );
  });
  it("Gradle needs its wrapper; without one it says why", () => {
    expect(found(detectRepoConfig(repo({ "build.gradle.kts": "", gradlew: "" }))).test).toBe(
      "./gradlew --no-daemon --offline test",
    );
    const d = detectRepoConfig(repo({ "build.gradle": "" }));
    expect(d).toMatchObject({ found: false });
    expect(detectionMarkdown(d)).toContain("without `gradlew`");
  });
  it("redis-like Makefile test target; `check` too; a `test :=` variable is no target", () => {
    expect(
      found(detectRepoConfig(repo({ Makefile: "default: all\n\n.PHONY: test\ntest:\n\tcd src && $(MAKE) $@\n" }))),
    ).toMatchObject({ ecosystem: "make", test: "make test", image: undefined });
    expect(found(detectRepoConfig(repo({ GNUmakefile: "all:\n\tcc x.c\ncheck: all\n\t./t.sh\n" }))).test).toBe(
      "make check",
    );
    expect(detectRepoConfig(repo({ Makefile: "test := foo\nall:\n\techo\n" }))).toMatchObject({
      found: false,
      skipped: ["`Makefile` has no `test` or `check` target"],
    });
  });

  it("a Makefile repository's comment says it runs no setup, in the worker's default image (prose, not code)", () => {
    const text = detectionMarkdown(detectRepoConfig(repo({ Makefile: "test:\n\t./t.sh\n" })));
    expect(text).toContain("- setup: nothing\n- test: `make test`\n- image: the worker's default sandbox image\n");
  });
  it("go.mod wins over a Makefile that wraps it", () => {
    expect(
      found(detectRepoConfig(repo({ "go.mod": "module x\n", Makefile: "test:\n\tgo test ./...\n" }))).ecosystem,
    ).toBe("go");
  });
});

describe("zero-config detection: nothing found, hostile content", () => {
  it("an empty or docs-only repository: the comment lists what was looked for", () => {
    const d = detectRepoConfig(repo({ "README.md": "# hi", LICENSE: "MIT" }, ["docs"]));
    expect(d).toMatchObject({ found: false, skipped: [] });
    const text = detectionMarkdown(d);
    for (const part of [
      "`package.json` with a `scripts.test`",
      "`go.mod`",
      "`Cargo.toml`",
      "`pom.xml`",
      "`pyproject.toml`",
      "`Makefile`",
      "/agent retry",
    ])
      expect(text).toContain(part);
  });
  it("a huge package.json is refused by its listed size before anything reads it", () => {
    const snapshot: RepoSnapshot = {
      entries: [{ name: "package.json", size: 50 * 1024 ** 2, type: "file" }],
      contents: {},
    };
    expect(() => detectRepoConfig(snapshot)).toThrow(DetectionError);
    expect(() => detectRepoConfig(snapshot)).toThrow(
      /`package.json` is 52428800 bytes, over the 262144-byte limit.*add `.github\/nightshift.yml`/,
    );
  });
  it("content longer than its listed size is refused too", () => {
    const snapshot: RepoSnapshot = {
      entries: [{ name: "Makefile", size: 10, type: "file" }],
      contents: { Makefile: "x".repeat(300_000) },
    };
    expect(() => detectRepoConfig(snapshot)).toThrow(/`Makefile` is over the 262144-byte limit/);
  });
  it.each([
    ["not JSON", "{ name: 'x', }", /is not valid JSON/],
    ["an array", "[1,2,3]", /is not a JSON object/],
    ["null", "null", /is not a JSON object/],
    ["a string", '"hello"', /is not a JSON object/],
    ["scripts as an array", '{"scripts": ["test"]}', /`scripts` that is not an object/],
    ["scripts.test as a number", '{"scripts": {"test": 42}}', /`scripts.test` that is not a string/],
    ["deeply nested", `{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`, /./],
  ])("package.json that is %s gives a DetectionError naming the file", (_what, content, message) => {
    let thrown: unknown;
    try {
      detectRepoConfig(repo({ "package.json": content }));
    } catch (error) {
      thrown = error;
    }
    // Deep nesting is valid JSON for V8 (then: no scripts.test) or a caught RangeError; never a crash.
    if (thrown === undefined)
      expect(detectRepoConfig(repo({ "package.json": content }))).toMatchObject({ found: false });
    else {
      expect(thrown).toBeInstanceOf(DetectionError);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).toContain("`package.json`");
    }
  });
  it("__proto__ keys and odd values do not confuse it", () => {
    const d = found(
      detectRepoConfig(
        repo({
          "package.json": '{"__proto__": {"test": "evil"}, "scripts": {"__proto__": null, "test": "node --test"}}',
        }),
      ),
    );
    expect(d.test).toBe("npm test");
  });
  it("a listed file whose content was not read is a clear error, not a crash", () => {
    expect(() =>
      detectRepoConfig({ entries: [{ name: "pyproject.toml", size: 10, type: "file" }], contents: {} }),
    ).toThrow(/`pyproject.toml` could not be read/);
  });
  it("a directory named like a manifest is not a manifest", () => {
    expect(detectRepoConfig(repo({}, ["package.json", "go.mod"]))).toMatchObject({ found: false });
  });
});

describe("the detected config and the status comment", () => {
  it.each([
    { "package.json": pkg({ test: "jest" }), "pnpm-lock.yaml": "" },
    { "setup.py": "", "requirements.txt": "" },
    { "go.mod": "module x" },
    { Makefile: "test:\n\ttrue\n" },
  ] as Record<string, string>[])(
    "the onboarding YAML parses as a valid nightshift.yml with the detected commands (%#)",
    (files) => {
      const detection = detectRepoConfig(repo(files));
      if (!detection.found) throw new Error("expected a detection");
      const config = parseRepoConfig(parse(detectedConfigYaml(detection)));
      expect(config.test).toBe(detection.detected.test);
      expect(config.setup).toBe(detection.detected.setup);
      expect(config.image).toBe(detection.image);
    },
  );
  it("says what will run and how to override it", () => {
    const text = detectionMarkdown(
      detectRepoConfig(repo({ "package.json": pkg({ test: "jest" }), "package-lock.json": "" })),
    );
    for (const part of [
      "detected a node repository",
      "setup: `npm ci`",
      "test: `npm test`",
      "`nightshift-sandbox:node`",
      "add `.github/nightshift.yml`",
      "/agent config",
    ])
      expect(text).toContain(part);
  });
});
