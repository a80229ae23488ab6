import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";

/** The App manifest GitHub registers: app.yml plus the URLs of this installation. */
export function buildManifest(manifestPath: string, publicUrl: string, webhookPath: string): Record<string, unknown> {
  const manifest = parseYaml(readFileSync(manifestPath, "utf8")) as Record<string, unknown>;
  return {
    ...manifest,
    url: publicUrl,
    hook_attributes: { url: `${publicUrl}${webhookPath}`, active: true },
    redirect_url: `${publicUrl}/setup/callback`,
    callback_urls: [`${publicUrl}/auth/github/callback`],
    setup_url: `${publicUrl}/`,
  };
}

/** GitHub refuses webhook URLs it cannot reach: loopback and unqualified host names. */
export function isReachableByGitHub(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return (
    !/^(localhost|127\.|0\.0\.0\.0|\[::1\]|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(host) && host.includes(".")
  );
}
