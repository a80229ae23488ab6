import { z } from "zod";
import { REPORT_MARKER } from "../morning/report-body.js";

/** A webhook delivery as queued for the handlers: GitHub's id, event name and payload. */
export interface Delivery {
  id: string;
  name: string;
  payload: Record<string, unknown>;
}

/** The report issue's body is kept (cut to this) on its edits, for its checkboxes; other issue bodies are dropped. */
const REPORT_BODY_LIMIT = 262_144;
const account = z.object({ login: z.string().min(1), type: z.string().optional() });
const repository = z.object({
  id: z.number().int().optional(),
  name: z.string().min(1),
  full_name: z.string().optional(),
  owner: account,
  default_branch: z.string().min(1),
});
const installation = z.object({ id: z.number().int().positive() });
const issue = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  state: z.string(),
  pull_request: z.object({ url: z.string().optional() }).optional(),
});

/**
 * The fields the handlers read, per event. A delivery without them is refused with a 400 naming the
 * field; what is stored is exactly these fields (zod drops the rest), so Redis holds a few hundred
 * bytes per delivery rather than GitHub's full payload with its megabyte issue bodies.
 */
const shapes = {
  issues: z.object({
    action: z.string(),
    // The body is kept only for edits of the morning report (its checkboxes); triage drops other edits.
    issue: issue.extend({ body: z.string().nullable().optional() }),
    repository,
    installation,
    sender: account,
    label: z.object({ name: z.string() }).optional(),
  }),
  issue_comment: z.object({
    action: z.string(),
    issue,
    repository,
    installation,
    sender: account,
    comment: z.object({ id: z.number().int(), body: z.string(), user: account }),
  }),
  check_suite: z.object({
    action: z.string(),
    check_suite: z.object({ head_sha: z.string(), head_branch: z.string().nullable().optional() }),
    repository,
    installation,
    sender: account,
  }),
  // Install: the trigger label is created in each repository (src/intake/install-label.ts).
  installation: z.object({
    action: z.string(),
    installation: installation.extend({ account: account.optional() }),
    repositories: z.array(z.object({ name: z.string().min(1), full_name: z.string().min(1) })).optional(),
    sender: account,
  }),
  installation_repositories: z.object({
    action: z.string(),
    installation: installation.extend({ account: account.optional() }),
    repositories_added: z.array(z.object({ name: z.string().min(1), full_name: z.string().min(1) })),
    sender: account,
  }),
  pull_request_review: z.object({
    action: z.string(),
    review: z.object({
      id: z.number().int(),
      state: z.string(),
      body: z.string().nullable().optional(),
      user: account,
    }),
    pull_request: z.object({
      number: z.number().int().positive(),
      head: z.object({ ref: z.string(), sha: z.string() }),
    }),
    repository,
    installation,
    sender: account,
  }),
  workflow_run: z.object({
    action: z.string(),
    workflow_run: z.object({ head_sha: z.string(), head_branch: z.string().nullable().optional() }),
    repository,
    installation,
    sender: account,
  }),
};

export type HandledEvent = keyof typeof shapes;

/** Comment bodies are cut to this many characters before the delivery is stored. */
export const STORED_BODY_LIMIT = 65_536;

export type Triage =
  { kind: "handle"; delivery: Delivery } | { kind: "ignore"; reason: string } | { kind: "invalid"; problem: string };

/**
 * Decides what to do with a verified delivery: queue it for the handlers, ignore it (an event or
 * action Nightshift does not act on), or refuse it (a payload missing what the handler needs).
 */
export function triageDelivery(id: string, name: string, payload: unknown, label: string): Triage {
  if (!(name in shapes)) return { kind: "ignore", reason: `event "${name}" is not handled` };
  const loose = (typeof payload === "object" && payload !== null ? payload : {}) as {
    action?: unknown;
    label?: { name?: unknown };
    comment?: { body?: unknown };
    issue?: { body?: unknown };
    review?: { state?: unknown };
  };
  if (name === "pull_request_review" && (loose.action !== "submitted" || loose.review?.state !== "changes_requested")) {
    return { kind: "ignore", reason: "only reviews requesting changes are acted on" };
  }
  if (name === "issues" && !wantedIssueAction(loose.action, loose.label?.name, label, loose.issue?.body)) {
    return { kind: "ignore", reason: `issues.${String(loose.action)} is not acted on` };
  }
  if ((name === "check_suite" || name === "workflow_run") && loose.action !== "completed") {
    return { kind: "ignore", reason: `${name}.${String(loose.action)} is not acted on` };
  }
  if (
    (name === "installation" && loose.action !== "created") ||
    (name === "installation_repositories" && loose.action !== "added")
  ) {
    return { kind: "ignore", reason: `${name}.${String(loose.action)} is not acted on` };
  }
  if (
    name === "issue_comment" &&
    (loose.action !== "created" || typeof loose.comment?.body !== "string" || !loose.comment.body.includes("/agent"))
  ) {
    return { kind: "ignore", reason: "comment carries no /agent command" };
  }
  const parsed = shapes[name as HandledEvent].safeParse(payload);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    return { kind: "invalid", problem: `payload field "${first.path.join(".")}": ${first.message}` };
  }
  return { kind: "handle", delivery: { id, name, payload: trimIssueBody(trimCommentBody(parsed.data)) } };
}

function wantedIssueAction(action: unknown, labelName: unknown, label: string, body: unknown): boolean {
  if (action === "closed") return true;
  if (action === "edited") return typeof body === "string" && body.startsWith(REPORT_MARKER);
  return (action === "labeled" || action === "unlabeled") && labelName === label;
}

function trimIssueBody(payload: Record<string, unknown> & { action?: unknown; issue?: { body?: unknown } }) {
  if (!payload.issue || payload.issue.body === undefined) return payload;
  const { body, ...issue } = payload.issue;
  if (payload.action !== "edited" || typeof body !== "string") return { ...payload, issue };
  return { ...payload, issue: { ...issue, body: body.slice(0, REPORT_BODY_LIMIT) } };
}

/** A comment can be megabytes; commands are read from its start only. */
function trimCommentBody(payload: Record<string, unknown> & { comment?: { body: string } }): Record<string, unknown> {
  if (!payload.comment || payload.comment.body.length <= STORED_BODY_LIMIT) return payload;
  return { ...payload, comment: { ...payload.comment, body: payload.comment.body.slice(0, STORED_BODY_LIMIT) } };
}
