import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Writes `values` into a dotenv file, keeping its other lines, readable by its owner only (0600): it
 * holds the webhook secret and the OAuth client secret. Values are single-line; quotes are added when needed.
 */
export function writeEnvFile(path: string, values: Record<string, string>): void {
  const lines = existsSync(path) ? readFileSync(path, "utf8").split("\n") : [];
  const kept = lines.filter((line) => {
    const key = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    return !key || !(key in values);
  });
  while (kept.length > 0 && kept[kept.length - 1] === "") kept.pop();
  for (const [key, value] of Object.entries(values)) {
    if (/[\r\n]/.test(value)) throw new Error(`${key}: a .env value must be one line`);
    kept.push(`${key}=${/[\s#"'\\]/.test(value) ? JSON.stringify(value) : value}`);
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${kept.join("\n")}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its mode on write
}

/** Writes a secret file (the App's private key) readable by its owner only. */
export function writeSecretFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}
