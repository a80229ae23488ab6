import { afterEach, describe, expect, it } from "vitest";
import { LABEL_COLOR } from "../src/intake/install-label.js";
import { startHarness, type Harness } from "./support/harness.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const installation = { id: 1, account: { login: "acme", type: "Organization" } };
const sender = { login: "maintainer", type: "User" };

describe("installing the App creates the trigger label", () => {
  it("in every repository of a new installation and of repositories added later; an existing one is kept", async () => {
    harness = await startHarness();
    const h = harness;
    const created = await h.deliver("installation", {
      action: "created",
      installation,
      repositories: [
        { id: 1, name: "widgets", full_name: "acme/widgets", private: false },
        { id: 2, name: "gadgets", full_name: "acme/gadgets", private: true },
      ],
      sender,
    });
    expect(created, JSON.stringify(created.body)).toMatchObject({ status: 202 });
    await h.settle();
    expect(h.github.labels.get("acme/widgets")).toEqual([
      { name: "agent-try", color: LABEL_COLOR, description: expect.stringContaining("Nightshift") },
    ]);
    expect(h.github.labels.get("acme/gadgets")?.map((l) => l.name)).toEqual(["agent-try"]);

    // widgets has the label already (422 from GitHub): left as is; tools is new.
    await h.deliver("installation_repositories", {
      action: "added",
      installation,
      repositories_added: [
        { id: 1, name: "widgets", full_name: "acme/widgets" },
        { id: 3, name: "tools", full_name: "acme/tools" },
      ],
      sender,
    });
    await h.settle();
    expect(h.github.labels.get("acme/widgets")).toHaveLength(1);
    expect(h.github.labels.get("acme/tools")?.map((l) => l.name)).toEqual(["agent-try"]);
    const labelPosts = h.github.requests.filter((r) => r.method === "POST" && r.path.endsWith("/labels"));
    expect(labelPosts).toHaveLength(4);

    // Other installation actions are not acted on.
    const deleted = await h.deliver("installation", { action: "deleted", installation, sender });
    expect(deleted).toMatchObject({ status: 200, body: { ignored: "installation.deleted is not acted on" } });
  });
});
