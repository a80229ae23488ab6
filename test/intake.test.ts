import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "./support/wait-for.js";
import { HEAD_SHA, SECRET, startHarness, type Harness } from "./support/harness.js";
import { commentPayload, deliver, examplePayload, issuesPayload } from "./support/webhooks.js";

// 2037-11-21 12:00 UTC is 13:00 in Berlin: outside the default 22:00-06:00 window.
const DAYTIME = new Date("2037-11-21T12:00:00Z");
// 23:30 UTC is 00:30 in Berlin: inside it.
const NIGHT = new Date("2037-11-21T23:30:00Z");

let h: Harness;
afterEach(async () => {
  await h?.close();
});

// Each event GitHub sends differs (here: when the issue was updated); identical content is a replay.
let events = 0;
const labeled = (o: Parameters<typeof issuesPayload>[2] = {}) => {
  const payload = issuesPayload("labeled", "agent-try", o);
  payload.issue.updated_at = new Date(Date.UTC(2026, 10, 21, 12, 0, 0, ++events)).toISOString();
  return payload;
};

describe("label intake over signed HTTP webhooks", () => {
  it("queues one run delayed to the next window opening and answers with one status comment", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    const res = await h.deliver("issues", labeled());
    expect(res.status).toBe(202);
    await h.settle();

    const job = await h.runs.getJob(h.runJobId());
    expect(job).toBeDefined();
    expect(await job!.getState()).toBe("delayed");
    // 22:00 Berlin = 21:00 UTC, nine hours after 12:00 UTC.
    expect(job!.opts.delay).toBe(9 * 3600_000);
    expect(job!.data).toMatchObject({
      owner: "acme",
      repo: "widgets",
      issueNumber: 7,
      requester: "maintainer",
      baseSha: HEAD_SHA,
      defaultBranch: "main",
      trigger: "label",
      plannedStart: "2037-11-21T21:00:00.000Z",
    });
    expect(job!.data.config).toMatchObject({
      setup: "npm ci",
      test: "npm test",
      budgets: { turns: 30, tokens: 300000 },
      ci: "both",
    });

    const comments = h.statusComments();
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("2037-11-21 22:00 GMT+1");
    expect(comments[0]!.body).toContain("position in the queue: 1");
    expect(comments[0]!.body).toContain(HEAD_SHA.slice(0, 12));
  });

  it("starts immediately inside the window and the worker takes the job: server → Redis → worker", async () => {
    h = await startHarness({ clock: () => NIGHT });
    const { startRunWorker } = await import("../src/run/run-worker.js");
    const { readRunRecord } = await import("../src/queue/run-record.js");
    const worker = await startRunWorker({ config: h.config, clock: () => NIGHT });
    try {
      expect((await h.deliver("issues", labeled())).status).toBe(202);
      await h.settle();
      const runId = await waitFor(async () => (await h.redis.zrange(h.keys.runIndex, "0", "-1"))[0]);
      const record = await waitFor(async () => {
        const r = await readRunRecord(h.redis, h.keys, runId);
        return r?.endedAt ? r : undefined;
      });
      expect(record).toMatchObject({
        jobId: h.runJobId(),
        issue: "acme/widgets#7",
        requester: "maintainer",
        baseSha: HEAD_SHA,
        stage: "ended",
        attempt: 1,
      });
      expect(record.outcome).toMatch(/recorded/);
      // Finished jobs leave the queue, so the issue can be queued again later.
      expect(await h.runs.getJob(h.runJobId())).toBeUndefined();
      await h.settle();
      expect(h.statusComments()).toHaveLength(1);
    } finally {
      await worker.close();
    }
  });

  it("keeps one waiting job and one comment through redeliveries, repeated labels and a burst", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    const payload = labeled();
    const id = randomUUID();
    expect((await h.deliver("issues", payload, id)).status).toBe(202);
    await h.settle();
    const again = await h.deliver("issues", payload, id);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true });

    const burst = await Promise.all(Array.from({ length: 25 }, () => h.deliver("issues", labeled())));
    expect(burst.every((r) => r.status === 202)).toBe(true);
    await h.settle();
    expect(await h.runs.getJobCounts("delayed", "waiting", "active")).toEqual({ delayed: 1, waiting: 0, active: 0 });
    expect(h.statusComments()).toHaveLength(1);
    expect(h.github.comments).toHaveLength(1);
  });

  it("orders queue positions by planned start across issues", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    for (const issue of [3, 1, 2]) {
      expect((await h.deliver("issues", labeled({ issue }))).status).toBe(202);
      await h.settle();
    }
    await h.deliver("issue_comment", commentPayload("/agent status", { issue: 3 }));
    await h.settle();
    expect(h.statusComments(3)[0]!.body).toContain("position in the queue: 1");
    expect(h.statusComments(2)[0]!.body).toContain("position in the queue: 3");
  });

  it("answers a read-only labeller with one polite comment and queues nothing", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    for (const sender of ["reader", "reader", "triager", "stranger"]) {
      expect((await h.deliver("issues", labeled({ sender }))).status).toBe(202);
    }
    await h.settle();
    expect(await h.runs.count()).toBe(0);
    const polite = h.github.comments.map((c) => c.body);
    expect(polite).toHaveLength(3);
    expect(polite[0]).toContain("Only people with write access");
    expect(polite.filter((b) => b.includes("@reader"))).toHaveLength(1);
    // Permission is asked of GitHub for the sender, not read from author_association.
    expect(h.github.requests.some((r) => r.path.endsWith("/collaborators/reader/permission"))).toBe(true);
  });

  it("accepts maintain and write roles as writers", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    await h.deliver("issues", labeled({ sender: "keeper", issue: 1 }));
    await h.deliver("issues", labeled({ sender: "writer", issue: 2 }));
    await h.settle();
    expect(await h.runs.getJobCounts("delayed")).toEqual({ delayed: 2 });
  });

  it("ignores bots, other labels and events it does not act on", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    expect((await h.deliver("issues", labeled({ sender: "renovate[bot]", senderType: "Bot" }))).status).toBe(202);
    const other = await h.deliver("issues", issuesPayload("labeled", "bug"));
    expect(other.status).toBe(200);
    expect(other.body.ignored).toMatch(/not acted on/);
    const opened = await h.deliver("issues", examplePayload("issues", "opened"));
    expect(opened.status).toBe(200);
    const unknown = await h.deliver("star", { action: "created" });
    expect(unknown).toMatchObject({ status: 200, body: { ignored: 'event "star" is not handled' } });
    await h.settle();
    expect(await h.runs.count()).toBe(0);
    expect(h.github.comments).toHaveLength(0);
  });

  it("rejects a wrong or missing signature and queues nothing", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    const wrong = await deliver(h.webhookUrl, "not-the-secret", "issues", labeled());
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatch(/WEBHOOK_SECRET/);
    const missing = await deliver(h.webhookUrl, undefined, "issues", labeled());
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatch(/X-Hub-Signature-256/);
    // A correctly signed body that was altered in transit.
    const body = JSON.stringify(labeled());
    const { sign } = await import("@octokit/webhooks-methods");
    const res = await fetch(h.webhookUrl, {
      method: "POST",
      headers: {
        "x-github-event": "issues",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": await sign(SECRET, body),
      },
      body: body.replace("maintainer", "attacker!!"),
    });
    expect(res.status).toBe(401);
    await h.settle();
    const queueKeys = await h.redis.keys(`${h.config.redisPrefix}:deliveries:*`);
    expect(queueKeys.filter((k) => !/:(meta|stalled-check)$/.test(k))).toEqual([]);
    expect(await h.runs.count()).toBe(0);
  });

  it("refuses payloads missing the fields handlers need, naming the field", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    const payload = labeled();
    delete payload.installation;
    const res = await h.deliver("issues", payload);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('"installation"');
    const notJson = await fetch(h.webhookUrl, {
      method: "POST",
      headers: {
        "x-github-event": "issues",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": await (await import("@octokit/webhooks-methods")).sign(SECRET, "{nope"),
      },
      body: "{nope",
    });
    expect(notJson.status).toBe(400);
    expect(await h.runs.count()).toBe(0);
  });

  it("queues an issue whose body is 1 MB without storing the body", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    const payload = labeled();
    payload.issue.body = "x".repeat(1024 * 1024);
    expect((await h.deliver("issues", payload)).status).toBe(202);
    await h.settle();
    const job = await h.runs.getJob(h.runJobId());
    expect(JSON.stringify(job!.data).length).toBeLessThan(4096);
  });

  it("removing the label or closing the issue takes the waiting run out of the queue", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    await h.deliver("issues", labeled());
    await h.settle();
    await h.deliver("issues", issuesPayload("unlabeled", "agent-try", { sender: "writer" }));
    await h.settle();
    expect(await h.runs.count()).toBe(0);
    expect(h.statusComments()).toHaveLength(1);
    expect(h.statusComments()[0]!.body).toContain("label was removed by @writer");

    await h.deliver("issues", labeled());
    await h.settle();
    expect(await h.runs.count()).toBe(1);
    await h.deliver("issues", issuesPayload("closed", undefined));
    await h.settle();
    expect(await h.runs.count()).toBe(0);
    expect(h.statusComments()[0]!.body).toContain("the issue was closed");
    expect(h.github.comments).toHaveLength(1);
  });

  it(
    "survives GitHub failing mid-handler: the delivery is retried and still leaves one comment " + "and one job",
    async () => {
      h = await startHarness({ clock: () => DAYTIME });
      h.github.failNext("POST", /\/issues\/7\/comments$/, 502, 2);
      await h.deliver("issues", labeled());
      await h.settle();
      expect(await h.runs.count()).toBe(1);
      expect(h.statusComments()).toHaveLength(1);
    },
  );
});

describe("CI webhooks", () => {
  it("check_suite.completed and workflow_run.completed tell the CI gate to look at that commit", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    for (const [event, field] of [
      ["check_suite", "check_suite"],
      ["workflow_run", "workflow_run"],
    ] as const) {
      const payload = examplePayload(event, "completed");
      payload.repository = {
        ...payload.repository,
        name: "widgets",
        owner: { ...payload.repository.owner, login: "acme" },
      };
      payload.installation = { id: 42 };
      payload[field].head_sha = `${event === "check_suite" ? "a" : "b"}`.repeat(40);
      expect((await h.deliver(event, payload)).status).toBe(202);
    }
    const requested = examplePayload("check_suite", "completed");
    requested.action = "requested";
    expect((await h.deliver("check_suite", requested)).body).toMatchObject({
      ignored: "check_suite.requested is not acted on",
    });
    await h.settle();
    expect(
      await h.redis.exists(
        h.keys.ciNotice("acme/widgets", "a".repeat(40)),
        h.keys.ciNotice("acme/widgets", "b".repeat(40)),
      ),
    ).toBe(2);
  });
});

describe("repository config", () => {
  it("answers a malformed config with one comment quoting the zod path and message, and queues nothing", async () => {
    h = await startHarness({
      clock: () => DAYTIME,
      files: { ".github/nightshift.yml": "test: npm test\nbudgets:\n  turns: -3\ntset: oops\n" },
    });
    await h.deliver("issues", labeled());
    await h.deliver("issues", labeled());
    await h.settle();
    expect(await h.runs.count()).toBe(0);
    const comments = h.statusComments();
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("`budgets.turns`: Too small");
    expect(comments[0]!.body).toContain("(tset)");
    expect(comments[0]!.body).toContain("/agent retry");
  });

  it("explains YAML that does not parse, and a missing file", async () => {
    h = await startHarness({ clock: () => DAYTIME, files: { ".github/nightshift.yml": "test: [unclosed\n" } });
    await h.deliver("issues", labeled());
    await h.settle();
    expect(h.statusComments()[0]!.body).toContain("could not be read as YAML");
    await h.close();

    h = await startHarness({ clock: () => DAYTIME, files: {} });
    await h.deliver("issues", labeled());
    await h.settle();
    expect(await h.runs.count()).toBe(0);
    // No file and nothing detectable at the root: the comment says what zero-config looked for.
    expect(h.statusComments()[0]!.body).toContain("nothing at the repository root told it how to install and test");
  });
});

describe("comment commands", () => {
  it("/agent retry --now from a writer queues a run to start at once and reacts", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    const res = await h.deliver(
      "issue_comment",
      commentPayload("Please try again.\n/agent retry --now", { author: "writer" }),
    );
    expect(res.status).toBe(202);
    await h.settle();
    const job = await h.runs.getJob(h.runJobId());
    expect(await job!.getState()).toBe("waiting");
    expect(job!.data).toMatchObject({ trigger: "retry", requester: "writer" });
    expect(h.github.reactions).toEqual([{ commentId: expect.any(Number), content: "+1" }]);
    expect(h.statusComments()[0]!.body).toContain("as soon as a GPU worker is free");
  });

  it("/agent retry --now promotes a run already waiting for the window", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    await h.deliver("issues", labeled());
    await h.settle();
    await h.deliver("issue_comment", commentPayload("/agent retry --now"));
    await h.settle();
    expect(await h.runs.getJobCounts("delayed", "waiting")).toEqual({ delayed: 0, waiting: 1 });
    expect(h.statusComments()).toHaveLength(1);
  });

  it("/agent cancel removes a waiting run; /agent status and /agent help answer", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    await h.deliver("issues", labeled());
    await h.settle();
    await h.deliver("issue_comment", commentPayload("/agent status", { author: "reader" }));
    await h.settle();
    expect(h.statusComments()[0]!.body).toContain("queued");
    await h.deliver("issue_comment", commentPayload("/agent cancel", { author: "keeper" }));
    await h.settle();
    expect(await h.runs.count()).toBe(0);
    expect(h.statusComments()[0]!.body).toContain("@keeper cancelled it");
    await h.deliver("issue_comment", commentPayload("/agent help", { author: "writer" }));
    await h.deliver("issue_comment", commentPayload("/agent frobnicate", { author: "keeper" }));
    await h.settle();
    const replies = h.github.comments.filter((c) => !c.body.startsWith("<!-- nightshift:status -->"));
    expect(replies).toHaveLength(2);
    expect(replies.every((c) => c.body.includes("/agent retry --now"))).toBe(true);
    expect(replies.some((c) => c.body.includes("I don't know `/agent frobnicate`"))).toBe(true);
    expect(h.statusComments()).toHaveLength(1);
  });

  it("refuses retry and cancel from people without write access, and ignores bots", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    await h.deliver("issues", labeled());
    await h.settle();
    await h.deliver("issue_comment", commentPayload("/agent cancel", { author: "reader" }));
    await h.deliver("issue_comment", commentPayload("/agent retry --now", { author: "reader" }));
    await h.deliver("issue_comment", commentPayload("/agent cancel", { author: "nightshift[bot]", authorType: "Bot" }));
    await h.settle();
    expect(await h.runs.getJobCounts("delayed")).toEqual({ delayed: 1 });
    const refusals = h.github.comments.filter((c) => c.body.includes("Only people with write access"));
    expect(refusals).toHaveLength(1);
    expect(h.github.reactions).toHaveLength(0);
  });

  it("ignores comments without a command, and commands inside code blocks or quotes", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    const plain = await h.deliver("issue_comment", commentPayload("Looks good to me"));
    expect(plain.status).toBe(200);
    await h.deliver("issue_comment", commentPayload("Try:\n```\n/agent retry\n```\n> /agent cancel"));
    await h.settle();
    expect(await h.runs.count()).toBe(0);
    expect(h.github.comments).toHaveLength(0);
  });
});
