import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvConfig } from "../src/config/env.js";
import { createSandbox } from "../src/sandbox/sandbox.js";
import { startRunWorker } from "../src/worker.js";
import { SANDBOX_IMAGE, requireDocker } from "./support/docker.js";
import { REDIS_URL, connectTestRedis, deletePrefix, uniquePrefix } from "./support/redis.js";
import type Docker from "dockerode";

let docker: Docker;
let workspace: string;
beforeAll(async () => {
  docker = await requireDocker();
  workspace = mkdtempSync(join(tmpdir(), "nightshift-reap-"));
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe("run worker start", () => {
  it("reaps sandbox containers whose run no worker holds", async () => {
    const prefix = uniquePrefix();
    const orphan = await createSandbox(docker, { runId: `acme/widgets#7@${Date.now()}`, workspace, namespace: prefix, phase: "agent", image: SANDBOX_IMAGE });
    // Another installation's sandbox on the same engine is not ours to reap.
    const other = await createSandbox(docker, { runId: "elsewhere@1", workspace, namespace: `${prefix}-other`, phase: "agent", image: SANDBOX_IMAGE });
    const redis = await connectTestRedis();
    const worker = await startRunWorker({ config: loadEnvConfig({ REDIS_URL, NIGHTSHIFT_REDIS_PREFIX: prefix }), docker, log: pino({ level: "silent" }) });
    try {
      await expect(docker.getContainer(orphan.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await docker.getContainer(other.id).inspect()).State.Running).toBe(true);
    } finally {
      await worker.close();
      await orphan.destroy();
      await other.destroy();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });
});
