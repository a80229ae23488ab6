import { mkdir, rm, statfs, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { badSettingResult, type CheckInput, type CheckResult } from "./doctor-check.js";

/** Free space a worker wants: one workspace's disk limit (at least 1 GiB) per GPU slot. */
export function neededFreeMiB(workspaceDiskMb: number, gpuSlots: number): number {
  return Math.max(workspaceDiskMb, 1024) * gpuSlots;
}

/** The workspace directory exists (or can be made), this user can write to it, and it has free disk. */
export async function checkWorkspace(input: CheckInput): Promise<CheckResult> {
  const invalid = badSettingResult("disk", input, ["NIGHTSHIFT_WORKSPACES", "NIGHTSHIFT_WORKSPACE_DISK_MB"]);
  if (invalid) return invalid;
  const root = input.config.workspaceRoot;
  const uid = process.getuid?.() ?? "?";
  const probe = join(root, `.nightshift-write-test-${process.pid}`);
  try {
    // Not recursive: the parent must exist (and a recursive mkdir under /proc never returns on Node 20).
    await mkdir(root).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
    await writeFile(probe, "");
    await rm(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    return {
      name: "disk",
      ok: false,
      detail: `cannot write to the workspace directory ${root} as uid ${uid} (${code})`,
      fix:
        code === "EACCES" || code === "EPERM" || code === "EROFS"
          ? `\`chown ${uid} ${root}\` (compose: the workspaces volume must belong to the worker's uid 1000), ` +
            "or set NIGHTSHIFT_WORKSPACES"
          : `create ${root} or set NIGHTSHIFT_WORKSPACES to a writable directory`,
    };
  }
  const stats = await statfs(root);
  const freeMiB = Math.floor((stats.bavail * stats.bsize) / 2 ** 20);
  const needMiB = neededFreeMiB(input.config.workspaceDiskMb, input.config.gpuSlots);
  if (freeMiB < needMiB)
    return {
      name: "disk",
      ok: false,
      detail: `${root} is writable but has ${freeMiB} MiB free; ${input.config.gpuSlots} run(s) need ${needMiB} MiB`,
      fix: "free disk space, or point NIGHTSHIFT_WORKSPACES at a larger disk (or lower NIGHTSHIFT_WORKSPACE_DISK_MB)",
    };
  return { name: "disk", ok: true, detail: `${root} is writable by uid ${uid}; ${freeMiB} MiB free` };
}
