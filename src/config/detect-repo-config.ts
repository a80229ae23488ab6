import { detectGo, detectJava, detectMake, detectRust } from "./detect-compiled.js";
import { detectNode } from "./detect-node.js";
import { detectPython } from "./detect-python.js";
import type { Detected, Ecosystem, RepoSnapshot } from "./detect-types.js";
import { REPO_CONFIG_PATH } from "./repo-config.js";

/** Root files whose contents detection reads (the rest it only needs to see listed). */
export const DETECT_READS = [
  "package.json",
  "pyproject.toml",
  "setup.cfg",
  "tox.ini",
  "GNUmakefile",
  "Makefile",
  "makefile",
];

/** What detection looks for, in order, for the comment when nothing is found. */
export const LOOKED_FOR = [
  "`package.json` with a `scripts.test` (npm, pnpm or yarn by lockfile)",
  "`go.mod`",
  "`Cargo.toml`",
  "`pom.xml`, or `build.gradle` with `gradlew`",
  "`pyproject.toml`, `setup.py`, `setup.cfg`, `tox.ini`, `pytest.ini`, `requirements.txt` or `conftest.py`",
  "a `Makefile` with a `test` or `check` target",
];

/** The sandbox image for an ecosystem (built by `npm run sandbox:build`); `make` uses the worker's base image. */
export function ecosystemImage(ecosystem: Ecosystem): string | undefined {
  return ecosystem === "make" ? undefined : `nightshift-sandbox:${ecosystem}`;
}

export const ECOSYSTEM_IMAGES = (["node", "python", "go", "rust", "java"] as const).map((e) => ecosystemImage(e)!);

export type Detection =
  | { found: true; detected: Detected; image: string | undefined }
  | { found: false; lookedFor: string[]; skipped: string[] };

/**
 * Zero-config: the setup and test commands and the image for a repository without
 * `.github/nightshift.yml`, from its root files. Throws DetectionError when a file it needs is
 * hostile (too large, not JSON); the error says to add the config file instead.
 */
export function detectRepoConfig(snapshot: RepoSnapshot): Detection {
  const skipped: string[] = [];
  for (const detect of [detectNode, detectGo, detectRust, detectJava, detectPython, detectMake]) {
    const result = detect(snapshot);
    if (result === undefined) continue;
    if ("skipped" in result) {
      skipped.push(result.skipped);
      continue;
    }
    return { found: true, detected: result, image: ecosystemImage(result.ecosystem) };
  }
  return { found: false, lookedFor: LOOKED_FOR, skipped };
}

/** The `.github/nightshift.yml` that spells out what detection found (for the onboarding PR). */
export function detectedConfigYaml(detection: Extract<Detection, { found: true }>): string {
  const { detected, image } = detection;
  return [
    `# ${REPO_CONFIG_PATH} — written by Nightshift from what it detected (${detected.evidence.join("; ")}).`,
    "# Edit freely: `setup` runs with network before the model acts; `test` decides whether a patch works.",
    ...(detected.setup ? [`setup: ${yamlString(detected.setup)}`] : []),
    `test: ${yamlString(detected.test)}`,
    ...(image ? [`image: ${image}`] : []),
    "",
  ].join("\n");
}

/** A YAML scalar: plain when safe, double-quoted (JSON escapes are valid YAML) otherwise. */
function yamlString(value: string): string {
  return /^[\w./ -]+$/.test(value) && !/^[-\s]|\s$|: | #/.test(value) ? value : JSON.stringify(value);
}

/** Status-comment lines saying what will run and how to change it. */
export function detectionMarkdown(detection: Detection): string {
  if (!detection.found)
    return [
      `Nightshift cannot take this issue: there is no \`${REPO_CONFIG_PATH}\` and nothing at the repository root ` +
        "told it how to install and test this code. It looked for:",
      "",
      ...detection.lookedFor.map((l) => `- ${l}`),
      ...(detection.skipped.length > 0 ? ["", "Found but not usable:", ...detection.skipped.map((s) => `- ${s}`)] : []),
      "",
      `Add \`${REPO_CONFIG_PATH}\` with at least a \`test:\` command, then comment \`/agent retry\`.`,
    ].join("\n");
  const { detected, image } = detection;
  return [
    `No \`${REPO_CONFIG_PATH}\`, so Nightshift detected a ${detected.ecosystem} repository ` +
      `(${detected.evidence.join("; ")}) and will run:`,
    "",
    `- setup: ${detected.setup ? `\`${detected.setup}\`` : "nothing"}`,
    `- test: \`${detected.test}\``,
    `- image: ${image ? `\`${image}\`` : "the worker's default sandbox image"}`,
    "",
    `To change this, add \`${REPO_CONFIG_PATH}\` (comment \`/agent config\` and Nightshift opens a PR with these ` +
      "settings for you to edit).",
  ].join("\n");
}
