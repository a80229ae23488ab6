/** A `/agent …` command found in an issue comment. */
export type AgentCommand =
  | { kind: "retry"; now: boolean }
  | { kind: "cancel" }
  | { kind: "status" }
  | { kind: "report" }
  | { kind: "help" }
  | { kind: "config" }
  | { kind: "unknown"; text: string };

const MAX_SCANNED = 64 * 1024;

/** Finds the first line that starts with `/agent` (quoted lines and code blocks are ignored). */
export function parseCommand(body: string): AgentCommand | undefined {
  let inFence = false;
  for (const raw of body.slice(0, MAX_SCANNED).split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("```") || line.startsWith("~~~")) inFence = !inFence;
    if (inFence || !/^\/agent(\s|$)/.test(line)) continue;
    const words = line.split(/\s+/).slice(1);
    const [verb = "", ...rest] = words;
    const text = line.slice(0, 200);
    if (verb === "retry" && (rest.length === 0 || (rest.length === 1 && rest[0] === "--now")))
      return { kind: "retry", now: rest[0] === "--now" };
    if (rest.length > 0) return { kind: "unknown", text };
    if (verb === "cancel") return { kind: "cancel" };
    if (verb === "status") return { kind: "status" };
    if (verb === "report") return { kind: "report" };
    if (verb === "help") return { kind: "help" };
    if (verb === "config") return { kind: "config" };
    return { kind: "unknown", text };
  }
  return undefined;
}

export function helpText(label: string): string {
  return [
    "**Nightshift commands** (comment on the issue):",
    "",
    `- \`/agent retry\` — queue this issue for tonight's window again (same as adding the \`${label}\` label). ` +
      `Writers only.`,
    "- `/agent retry --now` — queue it to start as soon as a GPU worker is free, skipping the window. Writers only.",
    "- `/agent cancel` — remove the queued run, or stop the running one. Writers only.",
    "- `/agent status` — refresh the status comment on this issue.",
    "- `/agent config` — open a PR that adds the detected `.github/nightshift.yml`, for review. Writers only.",
    "- `/agent report` — write the repository's morning report issue now. Writers only.",
    "- `/agent retry` on Nightshift's draft PR — a follow-up run with the PR's review comments as the task. " +
      "Writers only.",
    "- `/agent help` — this text.",
  ].join("\n");
}
