import type Docker from "dockerode";
import { ECOSYSTEM_IMAGES } from "../config/detect-repo-config.js";
import type { CheckInput, CheckResult } from "./doctor-check.js";

/**
 * Which toolchain sandbox images (node, python, go, rust, java) this Docker engine has. Missing ones
 * are not a failure — repositories detected as that ecosystem fail their run until it is built — but the
 * line says how to build them.
 */
export async function checkImages({ deps }: CheckInput): Promise<CheckResult> {
  const docker = (deps.docker ?? new (await import("dockerode")).default()) as Pick<Docker, "getImage">;
  const present: string[] = [];
  const missing: string[] = [];
  for (const image of ECOSYSTEM_IMAGES) {
    const found = await docker
      .getImage(image)
      .inspect()
      .then(() => true)
      .catch(() => false);
    (found ? present : missing).push(image.replace("nightshift-sandbox:", ""));
  }
  return {
    name: "images",
    ok: true,
    detail:
      `toolchain images present: ${present.join(", ") || "none"}` +
      (missing.length > 0 ? `; missing: ${missing.join(", ")}` : ""),
    ...(missing.length > 0 ? { fix: `\`npm run sandbox:build ${missing.join(" ")}\` to run those repositories` } : {}),
  };
}
