/** The ecosystems zero-config detection knows, each with its own sandbox image (sandbox/toolchains/). */
export const ECOSYSTEMS = ["node", "python", "go", "rust", "java", "make"] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

/** What detection reads of a repository: its root entries (name, size in bytes) and some files' text. */
export interface RepoSnapshot {
  /** Entries at the repository root; directories have no size. */
  entries: { name: string; size?: number; type: "file" | "dir" }[];
  /** Contents of the root files detection asked for (by name); missing when absent or not read. */
  contents: Record<string, string>;
}

/** What detection found: the commands the repository's config would hold, and why. */
export interface Detected {
  ecosystem: Ecosystem;
  setup?: string;
  test: string;
  /** Plain-words reasons ("`pnpm-lock.yaml` → pnpm"), shown in the status comment. */
  evidence: string[];
}

/** A file detection needed could not be understood; the message names the file and the fix. */
export class DetectionError extends Error {
  constructor(
    readonly file: string,
    why: string,
    options?: { cause?: unknown },
  ) {
    super(`\`${file}\` ${why}; add \`.github/nightshift.yml\` with \`setup:\` and \`test:\` commands instead`, options);
    this.name = "DetectionError";
  }
}

/** Files larger than this are not read for detection (a hostile or generated file). */
export const MAX_DETECT_BYTES = 256 * 1024;

export function has(snapshot: RepoSnapshot, name: string): boolean {
  return snapshot.entries.some((e) => e.name === name && e.type === "file");
}

export function hasDir(snapshot: RepoSnapshot, name: string): boolean {
  return snapshot.entries.some((e) => e.name === name && e.type === "dir");
}

/** The text of a root file, or undefined when absent; too large or unread files are a DetectionError. */
export function text(snapshot: RepoSnapshot, name: string): string | undefined {
  const entry = snapshot.entries.find((e) => e.name === name && e.type === "file");
  if (!entry) return undefined;
  if ((entry.size ?? 0) > MAX_DETECT_BYTES)
    throw new DetectionError(name, `is ${entry.size} bytes, over the ${MAX_DETECT_BYTES}-byte limit for detection`);
  const content = snapshot.contents[name];
  if (content === undefined) throw new DetectionError(name, "could not be read");
  if (content.length > MAX_DETECT_BYTES)
    throw new DetectionError(name, `is over the ${MAX_DETECT_BYTES}-byte limit for detection`);
  return content;
}
