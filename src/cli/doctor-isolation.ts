import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { CheckInput, CheckResult } from "./doctor-check.js";

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  const dirs = (env.PATH ?? process.env.PATH ?? "").split(delimiter).concat(["/usr/sbin", "/sbin"]);
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * What the sandbox's isolation needs from the worker: root in the Docker host's network namespace
 * with iptables (the setup network's firewall) and, with a workspace disk limit, mkfs.ext4 and loop
 * devices. Under docker-compose: the worker service's user "0", cap_add, loop devices and network_mode host.
 */
export function checkIsolation({ config, deps }: CheckInput): Promise<CheckResult> {
  const env = deps.env ?? process.env;
  const missing: string[] = [];
  const uid = process.getuid?.();
  if (uid !== 0) missing.push(`root (running as uid ${uid ?? "?"})`);
  if (!onPath("iptables", env)) missing.push("iptables");
  if (config.workspaceDiskMb > 0 && !onPath("mkfs.ext4", env)) missing.push("mkfs.ext4 (e2fsprogs)");
  if (config.workspaceDiskMb > 0 && !existsSync("/dev/loop-control")) missing.push("loop devices (/dev/loop-control)");
  if (missing.length > 0)
    return Promise.resolve({
      name: "isolate",
      ok: false,
      detail: `the sandbox's setup firewall and disk limit need ${missing.join(", ")}`,
      fix:
        "run the worker as root on the Docker host with iptables and e2fsprogs (compose: the worker service's " +
        'user "0", cap_add NET_ADMIN and SYS_ADMIN, loop devices, network_mode host), or ' +
        "NIGHTSHIFT_WORKSPACE_DISK_MB=0 for no disk limit",
    });
  return Promise.resolve({
    name: "isolate",
    ok: true,
    detail: `root with iptables${config.workspaceDiskMb > 0 ? ", mkfs.ext4 and loop devices" : ""}`,
  });
}
