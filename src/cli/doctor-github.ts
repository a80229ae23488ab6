import { readFileSync } from "node:fs";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { parse as parseYaml } from "yaml";
import { badSettingResult, type CheckInput, type CheckResult } from "./doctor-check.js";
import { describeNetworkError, networkFix } from "./network-error.js";
import { manifestPath as installedManifest } from "./package-root.js";

type AppOctokit = Awaited<ReturnType<Probot["auth"]>>;
const APP_SETTINGS = ["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET", "GHE_HOST", "GHE_PROTOCOL"];

/** One App-authenticated client per doctor run, shared by the GitHub checks. */
const clients = new WeakMap<CheckInput, Promise<AppOctokit>>();
function appOctokit(input: CheckInput): Promise<AppOctokit> {
  let client = clients.get(input);
  if (!client) {
    const { config, deps } = input;
    const probot = new Probot({
      appId: config.appId!,
      privateKey: config.privateKey!,
      secret: config.webhookSecret ?? "unused",
      baseUrl: config.githubBaseUrl,
      request: deps.fetch ? { fetch: deps.fetch } : undefined,
      log: pino({ level: "silent" }),
      // One attempt per call: doctor reports what happened instead of retrying a DNS failure for a minute.
      Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
    });
    client = probot.auth();
    clients.set(input, client);
  }
  return client;
}

function notRegistered(name: string, input: CheckInput): CheckResult | undefined {
  const invalid = badSettingResult(name, input, APP_SETTINGS);
  if (invalid) return invalid;
  if (input.config.appId && input.config.privateKey) return undefined;
  return {
    name,
    ok: false,
    detail: "APP_ID or private key not set",
    fix: "run `nightshift start` and register the App on its setup page, or set APP_ID and PRIVATE_KEY_PATH",
  };
}

/** Turns a failed GitHub API call into a line that tells DNS, refused connections and a refused JWT apart. */
function apiFailure(name: string, input: CheckInput, error: unknown, doing: string): CheckResult {
  const base = input.config.githubBaseUrl;
  const failure = describeNetworkError(error, base);
  if (failure)
    return { name, ok: false, detail: `${doing}: ${failure.detail}`, fix: networkFix(failure, "GHE_HOST", "GitHub") };
  const status = (error as { status?: number }).status;
  const message = (error as Error).message.slice(0, 200);
  if (status === 401)
    return {
      name,
      ok: false,
      detail: `${base} refused the App's JWT (HTTP 401): ${message}`,
      fix: "check APP_ID and that the private key belongs to this App (a new key from the App's settings page)",
    };
  if (status === 404)
    return {
      name,
      ok: false,
      detail: `${doing}: ${base} answered 404 (${message})`,
      fix: "check GHE_HOST (Enterprise Server: the host name only; the API is at /api/v3)",
    };
  return { name, ok: false, detail: `${doing}: ${base} failed${status ? ` (HTTP ${status})` : ""}: ${message}` };
}

/** The App authenticates and has every permission and event app.yml asks for. */
export async function checkGitHub(input: CheckInput): Promise<CheckResult> {
  const unset = notRegistered("github", input);
  if (unset) return unset;
  const { config, deps } = input;
  let data: {
    slug?: string;
    name?: string;
    permissions?: Record<string, string | undefined>;
    events?: string[];
  } | null;
  try {
    data = (await (await appOctokit(input)).rest.apps.getAuthenticated()).data;
  } catch (error) {
    return apiFailure("github", input, error, `authenticating as App ${config.appId}`);
  }
  const missing = missingPermissions(
    data?.permissions ?? {},
    data?.events ?? [],
    deps.manifestPath ?? installedManifest,
  );
  const name = `App "${data?.slug ?? data?.name}" (id ${config.appId}) at ${config.githubBaseUrl}`;
  if (missing.length > 0)
    return {
      name: "github",
      ok: false,
      detail: `${name} lacks ${missing.join(", ")}`,
      fix: "grant them in the App's settings (Permissions & events), as app.yml lists",
    };
  return { name: "github", ok: true, detail: `${name} authenticates; permissions and events match app.yml` };
}

/** The App is installed on at least one account (else no webhook ever arrives). */
export async function checkInstalled(input: CheckInput): Promise<CheckResult> {
  const unset = notRegistered("install", input);
  if (unset) return unset;
  try {
    const octokit = await appOctokit(input);
    const installations = await octokit.paginate(octokit.rest.apps.listInstallations, { per_page: 100 });
    if (installations.length === 0) {
      const slug = (await octokit.rest.apps.getAuthenticated()).data?.slug ?? "<your-app>";
      return {
        name: "install",
        ok: false,
        detail: "the App is not installed on any account or repository",
        fix: `install it: ${webUrl(input)}/apps/${slug}/installations/new (pick the repositories to work on)`,
      };
    }
    const accounts = installations.map((i) => (i.account && "login" in i.account ? i.account.login : `#${i.id}`));
    return {
      name: "install",
      ok: true,
      detail:
        `installed on ${installations.length} account(s): ` +
        `${accounts.slice(0, 5).join(", ")}${accounts.length > 5 ? ", …" : ""}`,
    };
  } catch (error) {
    return apiFailure("install", input, error, "listing the App's installations");
  }
}

/** GitHub has a webhook URL it can reach, and its last delivery arrived. */
export async function checkWebhooks(input: CheckInput): Promise<CheckResult> {
  const unset = notRegistered("webhook", input);
  if (unset) return unset;
  const { config } = input;
  try {
    const octokit = await appOctokit(input);
    const hook = (await octokit.rest.apps.getWebhookConfigForApp()).data;
    const expected = config.admin.publicUrl ? `${config.admin.publicUrl}${config.webhookPath}` : undefined;
    if (!hook.url || /^https?:\/\/(localhost|127\.|\[::1\]|0\.0\.0\.0)/i.test(hook.url))
      return {
        name: "webhook",
        ok: false,
        detail: `the App's webhook URL is ${hook.url ? `"${hook.url}", which GitHub cannot reach` : "empty"}`,
        fix:
          `set it in the App's settings to ${expected ?? "https://<public host>" + config.webhookPath} ` +
          "(a public URL: NIGHTSHIFT_PUBLIC_URL, or a tunnel — README, First run)",
      };
    const deliveries = (await octokit.rest.apps.listWebhookDeliveries({ per_page: 1 })).data;
    const last = deliveries[0];
    const mismatch = expected && hook.url !== expected ? ` (NIGHTSHIFT_PUBLIC_URL expects ${expected})` : "";
    if (!last)
      return {
        name: "webhook",
        ok: false,
        detail: `GitHub has sent nothing to ${hook.url} yet${mismatch}`,
        fix: "install the App on a repository and label an issue; check the App's Advanced tab for failed deliveries",
      };
    const when = `${last.delivered_at} (${ago(new Date(last.delivered_at), input.deps.now?.() ?? new Date())})`;
    if (last.status_code < 200 || last.status_code >= 300)
      return {
        name: "webhook",
        ok: false,
        detail:
          `the last delivery to ${hook.url}, ${last.event} at ${when}, failed: ${last.status} ` +
          `(HTTP ${last.status_code})${mismatch}`,
        fix:
          last.status_code === 0
            ? "GitHub could not connect: make the URL reachable from the internet (tunnel or reverse proxy) " +
              "and the server running"
            : "check the server's log; a 401 means WEBHOOK_SECRET differs from the App's webhook secret",
      };
    return {
      name: "webhook",
      ok: true,
      detail: `last delivery to ${hook.url}: ${last.event} at ${when}, HTTP ${last.status_code}${mismatch}`,
    };
  } catch (error) {
    return apiFailure("webhook", input, error, "reading the App's webhook deliveries");
  }
}

function webUrl({ config }: CheckInput): string {
  return config.gheHost ? config.githubBaseUrl.replace(/\/api\/v3$/, "") : "https://github.com";
}

function ago(then: Date, now: Date): string {
  const minutes = Math.round((now.getTime() - then.getTime()) / 60_000);
  if (Number.isNaN(minutes)) return "unknown time";
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return `${Math.round(minutes / 1440)} days ago`;
}

const LEVELS: Record<string, number> = { read: 1, write: 2, admin: 3 };

/** Permissions or events app.yml asks for that the registered App does not have. */
function missingPermissions(
  granted: Record<string, string | undefined>,
  events: string[],
  manifestPath: string,
): string[] {
  const manifest = parseYaml(readFileSync(manifestPath, "utf8")) as {
    default_permissions?: Record<string, string>;
    default_events?: string[];
  };
  const missing: string[] = [];
  for (const [scope, level] of Object.entries(manifest.default_permissions ?? {})) {
    if ((LEVELS[granted[scope] ?? ""] ?? 0) < (LEVELS[level] ?? 0)) missing.push(`${scope}: ${level}`);
  }
  for (const event of manifest.default_events ?? []) if (!events.includes(event)) missing.push(`event ${event}`);
  return missing;
}
