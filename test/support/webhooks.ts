/* eslint-disable @typescript-eslint/no-explicit-any -- example payloads are arbitrary JSON that tests edit in place */
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as { name: string; examples: Record<string, any>[] }[];

/** A payload from @octokit/webhooks-examples, deep-copied, for `event` and `action`. */
export function examplePayload(event: string, action: string): Record<string, any> {
  const found = examples.find((e) => e.name === event)?.examples.find((x) => x.action === action);
  if (!found) throw new Error(`no example payload for ${event}.${action}`);
  return structuredClone(found);
}

export interface IssueEventOptions {
  owner?: string;
  repo?: string;
  issue?: number;
  sender?: string;
  senderType?: string;
  installationId?: number;
}

/** An example `issues` payload pointed at a fake repository, as an installed App receives it. */
export function issuesPayload(
  action: string,
  label: string | undefined,
  o: IssueEventOptions = {},
): Record<string, any> {
  const payload = examplePayload(
    "issues",
    action === "closed" ? "opened" : action === "unlabeled" ? "unlabeled" : "labeled",
  );
  payload.action = action;
  retarget(payload, o);
  if (label) payload.label = { ...(payload.label ?? {}), name: label };
  if (action === "closed") payload.issue.state = "closed";
  return payload;
}

/** An example `issue_comment.created` payload carrying `body`. */
export function commentPayload(
  body: string,
  o: IssueEventOptions & { author?: string; authorType?: string } = {},
): Record<string, any> {
  const payload = examplePayload("issue_comment", "created");
  retarget(payload, o);
  delete payload.issue.pull_request;
  payload.issue.state = "open";
  payload.comment.body = body;
  payload.comment.user = {
    ...payload.comment.user,
    login: o.author ?? o.sender ?? "maintainer",
    type: o.authorType ?? "User",
  };
  return payload;
}

/** A `pull_request_review.submitted` payload: `state` (e.g. changes_requested) by `reviewer` on PR `pr`. */
export function reviewPayload(
  o: IssueEventOptions & { pr: number; head: string; sha: string; reviewer: string; state: string; body: string },
): Record<string, any> {
  const payload = examplePayload("pull_request_review", "submitted");
  retarget(payload, { ...o, sender: o.reviewer });
  delete payload.issue;
  payload.review = {
    ...payload.review,
    id: 555,
    state: o.state,
    body: o.body,
    user: { ...payload.review.user, login: o.reviewer, type: "User" },
  };
  payload.pull_request = {
    ...payload.pull_request,
    number: o.pr,
    head: { ...payload.pull_request.head, ref: o.head, sha: o.sha },
  };
  return payload;
}

/** An `issues.edited` payload for issue `issue` whose body is now `body`, edited by `sender`. */
export function editedPayload(body: string, o: IssueEventOptions = {}): Record<string, any> {
  const payload = issuesPayload("edited", undefined, o);
  payload.issue.body = body;
  payload.changes = { body: { from: "" } };
  return payload;
}

function retarget(payload: Record<string, any>, o: IssueEventOptions): void {
  const owner = o.owner ?? "acme";
  const repo = o.repo ?? "widgets";
  payload.repository = {
    ...payload.repository,
    name: repo,
    full_name: `${owner}/${repo}`,
    default_branch: "main",
    owner: { ...payload.repository.owner, login: owner },
  };
  payload.issue = { ...payload.issue, number: o.issue ?? 7, title: "Widget count is off by one", state: "open" };
  payload.sender = { ...payload.sender, login: o.sender ?? "maintainer", type: o.senderType ?? "User" };
  payload.installation = { id: o.installationId ?? 42, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI=" };
}

/** POSTs a delivery signed the way GitHub signs it (HMAC-SHA256 of the raw body, X-Hub-Signature-256). */
export async function deliver(
  url: string,
  secret: string | undefined,
  event: string,
  payload: unknown,
  id: string = randomUUID(),
): Promise<{ status: number; body: any; id: string }> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": id,
    "user-agent": "GitHub-Hookshot/test",
  };
  if (secret !== undefined) headers["x-hub-signature-256"] = await sign(secret, body);
  const res = await fetch(url, { method: "POST", headers, body });
  return { status: res.status, body: await res.json().catch(() => undefined), id };
}
