import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./support/harness.js";
import { commentPayload, issuesPayload } from "./support/webhooks.js";

const DAYTIME = new Date("2037-11-21T12:00:00Z");
let h: Harness;
afterEach(async () => {
  await h?.close();
});

let events = 0;
const labeled = (o: Parameters<typeof issuesPayload>[2] = {}) => {
  const payload = issuesPayload("labeled", "agent-try", o);
  payload.issue.updated_at = new Date(Date.UTC(2026, 10, 21, 12, 0, 0, ++events)).toISOString();
  return payload;
};
const comment = (body: string, o: Parameters<typeof commentPayload>[1] = {}) => {
  const payload = commentPayload(body, o);
  payload.comment.id = 1000 + ++events;
  return payload;
};
/** A mention, reference or image GitHub would render live: one not split by Nightshift's joiner. */
const LIVE = /(^|[^A-Za-z0-9])@[A-Za-z0-9]|#\d|!\[|<img|https?:\/\//i;

describe("replayed deliveries", () => {
  it("a captured signed delivery replayed under new delivery ids queues nothing new", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    const captured = labeled();
    expect((await h.deliver("issues", captured)).status).toBe(202);
    await h.settle();
    // The maintainer takes the run back out of the queue...
    await h.deliver("issues", issuesPayload("unlabeled", "agent-try", { sender: "maintainer" }));
    await h.settle();
    expect(await h.runs.count()).toBe(0);
    // ...and an attacker who captured the signed label delivery replays it under fresh ids.
    for (let i = 0; i < 3; i++) {
      const replay = await h.deliver("issues", captured, randomUUID());
      expect(replay).toMatchObject({ status: 200, body: { duplicate: true } });
    }
    await h.settle();
    expect(await h.runs.count()).toBe(0);
    // A new label event (new content) still queues.
    expect((await h.deliver("issues", labeled())).status).toBe(202);
    await h.settle();
    expect(await h.runs.count()).toBe(1);
  });
});

describe("who Nightshift answers", () => {
  it("help, unknown commands and status answer a stranger once a day per issue; writers always", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    for (const body of ["/agent help", "/agent frobnicate", "/agent help", "/agent status", "/agent help"])
      await h.deliver("issue_comment", comment(body, { author: "stranger" }));
    await h.settle();
    expect(h.github.comments.filter((c) => c.issue === "acme/widgets#7")).toHaveLength(1);
    // Another issue: one more answer, no more.
    for (const body of ["/agent help", "/agent help"])
      await h.deliver("issue_comment", comment(body, { author: "stranger", issue: 8 }));
    await h.settle();
    expect(h.github.comments.filter((c) => c.issue === "acme/widgets#8")).toHaveLength(1);
    // Writers are answered each time.
    for (const body of ["/agent help", "/agent help"])
      await h.deliver("issue_comment", comment(body, { author: "writer" }));
    await h.settle();
    expect(h.github.comments.filter((c) => c.issue === "acme/widgets#7")).toHaveLength(3);
    expect(h.github.reactions).toHaveLength(0);
  });

  it("repeats an unknown command without live mentions, references, links or images", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    const hostile = "/agent @octocat Closes #3 org/repo#4 ![x](https://evil.example/p.png) <img src=x> `code`";
    await h.deliver("issue_comment", comment(hostile, { author: "writer" }));
    await h.settle();
    const [reply] = h.github.comments;
    expect(reply!.body).toContain("I don't know");
    const echoed = reply!.body.split("\n")[0]!;
    expect(echoed).toContain("octocat");
    expect(echoed).not.toMatch(LIVE);
    expect(echoed.match(/`/g)).toHaveLength(2); // the one code span Nightshift opened and closed
  });

  it("refuses a label on a closed issue politely, once, and queues nothing", async () => {
    h = await startHarness({ clock: () => DAYTIME });
    for (let i = 0; i < 3; i++) {
      const payload = labeled();
      payload.issue.state = "closed";
      expect((await h.deliver("issues", payload)).status).toBe(202);
    }
    const retry = comment("/agent retry");
    retry.issue.state = "closed";
    await h.deliver("issue_comment", retry);
    await h.settle();
    expect(await h.runs.count()).toBe(0);
    expect(h.github.comments).toHaveLength(1);
    expect(h.github.comments[0]!.body).toContain("This issue is closed");
    expect(h.github.comments[0]!.body).toContain("Reopen");
    // A stranger's retry on a closed issue gets the permission answer, not a comment per attempt.
    for (let i = 0; i < 3; i++) {
      const strangers = comment("/agent retry", { author: "stranger", issue: 9 });
      strangers.issue.state = "closed";
      await h.deliver("issue_comment", strangers);
    }
    await h.settle();
    expect(h.github.comments.filter((c) => c.issue === "acme/widgets#9")).toHaveLength(1);
    expect(h.github.comments.find((c) => c.issue === "acme/widgets#9")!.body).toContain("write access");
  });
});
