import { has, text, type Detected, type RepoSnapshot } from "./detect-types.js";

/** Go: `go.mod` → download modules at setup, `go test ./...` later (modules stay in HOME). */
export function detectGo(snapshot: RepoSnapshot): Detected | undefined {
  if (!has(snapshot, "go.mod")) return undefined;
  return { ecosystem: "go", setup: "go mod download", test: "go test ./...", evidence: ["`go.mod`"] };
}

/** Rust: `Cargo.toml` → fetch crates at setup, test offline later (crates stay in HOME). */
export function detectRust(snapshot: RepoSnapshot): Detected | undefined {
  if (!has(snapshot, "Cargo.toml")) return undefined;
  const evidence = ["`Cargo.toml`", ...(has(snapshot, "Cargo.lock") ? ["`Cargo.lock`"] : [])];
  return { ecosystem: "rust", setup: "cargo fetch", test: "cargo test --offline", evidence };
}

/** Java: Maven's `pom.xml`, or Gradle through its wrapper (the image has Maven, not Gradle). */
export function detectJava(snapshot: RepoSnapshot): Detected | { skipped: string } | undefined {
  if (has(snapshot, "pom.xml")) {
    const wrapper = has(snapshot, "mvnw");
    const mvn = wrapper ? "./mvnw" : "mvn";
    return {
      ecosystem: "java",
      setup: `${mvn} -B -q dependency:go-offline`,
      test: `${mvn} -B -o test`,
      evidence: ["`pom.xml`", ...(wrapper ? ["`mvnw`"] : [])],
    };
  }
  const gradle = ["build.gradle", "build.gradle.kts"].find((name) => has(snapshot, name));
  if (!gradle) return undefined;
  if (!has(snapshot, "gradlew"))
    return { skipped: `\`${gradle}\` without \`gradlew\` (the Java image has Maven, not Gradle)` };
  return {
    ecosystem: "java",
    setup: "./gradlew --no-daemon testClasses",
    test: "./gradlew --no-daemon --offline test",
    evidence: [`\`${gradle}\``, "`gradlew`"],
  };
}

/** A Makefile with a `test` (or `check`) target; nothing to install. */
export function detectMake(snapshot: RepoSnapshot): Detected | { skipped: string } | undefined {
  const name = ["GNUmakefile", "Makefile", "makefile"].find((n) => has(snapshot, n));
  if (!name) return undefined;
  const makefile = text(snapshot, name)!;
  const target = ["test", "check"].find((t) => new RegExp(`^${t}\\s*:(?!=)`, "m").test(makefile));
  if (!target) return { skipped: `\`${name}\` has no \`test\` or \`check\` target` };
  return { ecosystem: "make", test: `make ${target}`, evidence: [`\`${name}\` has a \`${target}\` target`] };
}
