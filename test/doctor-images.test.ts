import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { checkImages } from "../src/cli/doctor-images.js";
import { formatCheck } from "../src/cli/doctor.js";
import { loadEnvConfig } from "../src/config/env.js";
import { requireDocker, requireToolchainImage } from "./support/docker.js";

describe("doctor: toolchain images", () => {
  it("lists the images this engine has (the ones .ci/run builds: node, python)", async () => {
    const docker = await requireDocker();
    for (const name of ["node", "python"]) await requireToolchainImage(docker, name);
    const result = await checkImages({ config: loadEnvConfig({}), badSettings: new Map(), deps: { docker } });
    expect(result.ok).toBe(true);
    expect(result.detail).toMatch(/^toolchain images present: (\w+, )*node, python/);
  });

  it("names the build command for the missing ones", async () => {
    const none = new Docker({ socketPath: "/nonexistent/docker.sock" });
    const line = formatCheck(
      await checkImages({ config: loadEnvConfig({}), badSettings: new Map(), deps: { docker: none } }),
    );
    expect(line).toBe(
      "ok    images   toolchain images present: none; missing: node, python, go, rust, java — fix: " +
        "`npm run sandbox:build node python go rust java` to run those repositories",
    );
  });
});
