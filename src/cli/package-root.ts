import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** The installed package's root (holds app.yml and package.json), from src/cli or dist/src/cli; never the cwd. */
export const packageRoot =
  [resolve(here, "../.."), resolve(here, "../../..")].find((dir) => existsSync(resolve(dir, "app.yml"))) ??
  resolve(here, "../..");

/** app.yml of this installation (the App's manifest), whatever the current directory is. */
export const manifestPath = resolve(packageRoot, "app.yml");

/** Nightshift's version from its package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(resolve(packageRoot, "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}
