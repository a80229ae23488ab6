import Docker from "dockerode";
import { badSettingResult, withTimeout, type CheckInput, type CheckResult } from "./doctor-check.js";

/** The Docker engine answers and the sandbox image is present. */
export async function checkDocker(input: CheckInput): Promise<CheckResult> {
  const invalid = badSettingResult("docker", input, ["NIGHTSHIFT_SANDBOX_IMAGE"]);
  if (invalid) return invalid;
  const { config, deps } = input;
  const docker = deps.docker ?? new Docker();
  const where = deps.env?.DOCKER_HOST ?? process.env.DOCKER_HOST ?? "/var/run/docker.sock";
  let version: string;
  try {
    version = (await withTimeout(docker.version(), deps.timeoutMs ?? 3000)).Version;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EACCES")
      return {
        name: "docker",
        ok: false,
        detail: `no permission to use the Docker engine at ${where} (EACCES)`,
        fix: "add this user to the docker group (in compose: group_add with the host's docker group id, DOCKER_GID)",
      };
    return {
      name: "docker",
      ok: false,
      detail: `no Docker engine at ${where} (${(error as Error).message})`,
      fix: "install docker.io and start dockerd, or set DOCKER_HOST",
    };
  }
  try {
    await docker.getImage(config.sandboxImage).inspect();
  } catch {
    return {
      name: "docker",
      ok: false,
      detail: `engine ${version} answers at ${where}, but the sandbox image ${config.sandboxImage} is missing`,
      fix: "run `npm run sandbox:build` (offline) or `docker build -t nightshift-sandbox:bookworm sandbox/`",
    };
  }
  return {
    name: "docker",
    ok: true,
    detail: `engine ${version} answers at ${where}; sandbox image ${config.sandboxImage} present`,
  };
}
