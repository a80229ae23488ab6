import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { startCli, type CliProcess } from "./support/cli.js";
import { closedPort } from "./support/closed-port.js";
import { startFakeGitHub } from "./support/fake-github.js";
import { appKeyPair } from "./support/keys.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Screenshots for the closing note go here when set (SETUP_SCREENSHOTS=/dir). */
const SCREENSHOTS = process.env.SETUP_SCREENSHOTS;

async function setupMode(
  command: "start" | "server",
  env: Record<string, string>,
): Promise<{ url: string; cwd: string; cli: CliProcess }> {
  const cwd = mkdtempSync(join(tmpdir(), "nightshift-setup-"));
  const port = await closedPort();
  const cli = startCli([command], { HOST: "127.0.0.1", PORT: String(port), ...env }, cwd);
  cleanups.push(() => cli.stop());
  await cli.waitFor(/setup mode\. Open .*\/ to register the GitHub App/, 60_000);
  return { url: `http://127.0.0.1:${port}`, cwd, cli };
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

describe("first run (no APP_ID): setup mode", () => {
  it(
    "says what state Nightshift is in and refuses a webhook URL GitHub cannot reach; server mode does not exit",
    { timeout: 90_000 },
    async () => {
      const { url, cli } = await setupMode("server", { REDIS_URL: "redis://127.0.0.1:1" });
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "setup" });
      const home = await (await fetch(`${url}/`)).text();
      expect(home).toContain("State: setup mode.");
      expect(home).toContain("NIGHTSHIFT_PUBLIC_URL is not set.");
      expect(home).toContain("GitHub refuses <code>localhost</code>");
      expect(home).toContain("cloudflared tunnel --url http://localhost:3000");
      expect(home).toMatch(/<button type="submit" disabled>Register the GitHub App on GitHub<\/button>/);
      const refused = await fetch(`${url}/setup/register`, {
        method: "POST",
        body: new URLSearchParams({ org: "" }),
        redirect: "manual",
      });
      expect(refused.status).toBe(400);
      expect(cli.child.exitCode).toBeNull(); // a supervisor has nothing to restart
    },
  );

  it(
    "registers the App from app.yml with NIGHTSHIFT_PUBLIC_URL as webhook URL and writes .env and the key 0600",
    { timeout: 90_000 },
    async () => {
      const github = await startFakeGitHub({ publicKeyPem: appKeyPair().publicKey });
      cleanups.push(() => github.close());
      github.manifest.pem = appKeyPair().privateKey;
      const { url, cwd } = await setupMode("start", {
        NIGHTSHIFT_PUBLIC_URL: "https://nightshift.example.com",
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
      });
      const home = await (await fetch(`${url}/`)).text();
      expect(home).toContain(
        "GitHub will send webhooks to <code>https://nightshift.example.com/api/github/webhooks</code>",
      );
      const manifest = JSON.parse(decode(/name="manifest" value="([^"]*)"/.exec(home)![1]!)) as Record<string, unknown>;
      expect(manifest).toMatchObject({
        name: "Nightshift",
        hook_attributes: { url: "https://nightshift.example.com/api/github/webhooks", active: true },
        redirect_url: "https://nightshift.example.com/setup/callback",
        default_events: ["issues", "issue_comment", "pull_request_review", "check_suite", "workflow_run"],
      });
      expect(manifest.default_permissions).toMatchObject({ issues: "write", contents: "write" });

      const register = await fetch(`${url}/setup/register`, {
        method: "POST",
        body: new URLSearchParams({ manifest: "{}", org: "acme" }),
        redirect: "manual",
      });
      expect(register.status).toBe(307);
      const location = register.headers.get("location")!;
      expect(location).toMatch(new RegExp(`^http://${github.host}/organizations/acme/settings/apps/new\\?state=\\w+$`));
      const state = new URL(location).searchParams.get("state")!;

      const forged = await fetch(`${url}/setup/callback?code=${github.manifest.code}&state=wrong`);
      expect(forged.status).toBe(400);
      const done = await fetch(`${url}/setup/callback?code=${github.manifest.code}&state=${state}`);
      const donePage = await done.text();
      expect(done.status, donePage).toBe(200);
      expect(donePage).toContain(`http://${github.host}/apps/nightshift/installations/new`);
      expect(donePage).toContain("Restart Nightshift");
      const env = readFileSync(join(cwd, ".env"), "utf8");
      expect(env).toContain("APP_ID=1\n");
      expect(env).toContain("WEBHOOK_SECRET=whsec-from-github\n");
      expect(env).toContain("GITHUB_CLIENT_ID=Iv1.fakeclient\n");
      expect(env).toContain("NIGHTSHIFT_PUBLIC_URL=https://nightshift.example.com\n");
      expect(env).not.toContain("PRIVATE KEY");
      const keyPath = /PRIVATE_KEY_PATH=(.*)\n/.exec(env)![1]!;
      expect(readFileSync(keyPath, "utf8")).toBe(appKeyPair().privateKey.trim() + "\n");
      expect(statSync(join(cwd, ".env")).mode & 0o777).toBe(0o600);
      expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    },
  );

  it(
    "imports an existing App: says what to paste and where the webhook must point; bad input saves nothing",
    { timeout: 90_000 },
    async () => {
      const { url, cwd } = await setupMode("start", { NIGHTSHIFT_PUBLIC_URL: "https://ns.example.org" });
      writeFileSync(join(cwd, ".env"), "LOG_LEVEL=warn\nAPP_ID=\n", { mode: 0o644 });
      const form = await (await fetch(`${url}/setup/import`)).text();
      expect(form).toContain(
        "set <strong>Webhook URL</strong> to <code>https://ns.example.org/api/github/webhooks</code>",
      );
      expect(form).toContain("Paste all");
      const bad = await fetch(`${url}/setup/import`, {
        method: "POST",
        body: new URLSearchParams({ app_id: "abc", webhook_secret: "short", private_key: "not a key" }),
      });
      expect(bad.status).toBe(400);
      const badText = await bad.text();
      expect(badText).toContain("Nothing was saved");
      expect(badText).toContain("App ID: expected the number");
      expect(badText).toContain("Private key: not a PEM private key");
      expect(readFileSync(join(cwd, ".env"), "utf8")).toBe("LOG_LEVEL=warn\nAPP_ID=\n");
      const good = await fetch(`${url}/setup/import`, {
        method: "POST",
        body: new URLSearchParams({
          app_id: "77",
          webhook_secret: "0123456789abcdef",
          private_key: appKeyPair().privateKey,
        }),
      });
      expect(good.status).toBe(200);
      expect(readFileSync(join(cwd, ".env"), "utf8")).toMatch(
        new RegExp(
          "^LOG_LEVEL=warn\\nAPP_ID=77\\nPRIVATE_KEY_PATH=.*\\nWEBHOOK_SECRET=0123456789abcdef\\n" +
            "NIGHTSHIFT_PUBLIC_URL=https://ns.example.org\\n$",
        ),
      );
      expect(statSync(join(cwd, ".env")).mode & 0o777).toBe(0o600);
    },
  );

  it("renders in Chromium: the state, the steps and the import form", { timeout: 120_000 }, async () => {
    const { url } = await setupMode("start", {});
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
    await page.goto(`${url}/`);
    expect(await page.locator("h1").textContent()).toBe("Nightshift: first-run setup");
    expect(await page.getByRole("button", { name: "Register the GitHub App on GitHub" }).isDisabled()).toBe(true);
    expect(await page.locator(".state").innerText()).toContain("State: setup mode.");
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "setup-home.png"), fullPage: true });
    await page.getByRole("link", { name: "Import it instead" }).click();
    await page.getByLabel("App ID").fill("5");
    await page.getByLabel("Webhook secret (the same text as in the App's settings)").fill("0123456789abcdef");
    await page.getByLabel("Private key (.pem file contents)").fill(appKeyPair().privateKey);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "setup-import.png"), fullPage: true });
    await page.getByRole("button", { name: /^Save to / }).click();
    await page.waitForSelector("text=GitHub App (ID 5) saved");
    expect(await page.locator("ol").innerText()).toContain("Restart Nightshift");
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "setup-done.png"), fullPage: true });
  });
});
