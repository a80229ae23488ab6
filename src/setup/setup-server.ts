import { randomBytes, createPrivateKey } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { z } from "zod";
import type { EnvConfig } from "../config/env.js";
import { writeEnvFile, writeSecretFile } from "./env-file.js";
import { buildManifest, isReachableByGitHub } from "./manifest.js";
import { donePage, importPage, messagePage, setupHome, type SetupView } from "./setup-pages.js";

export interface SetupServerDeps {
  config: EnvConfig;
  /** The App manifest (the installation's app.yml). */
  manifestPath: string;
  /** Where the settings are written (NIGHTSHIFT_ENV_FILE, default ./.env). */
  envPath: string;
  fetch?: typeof globalThis.fetch;
}

export interface SetupServer {
  url: string;
  close(): Promise<void>;
}

/** GitHub's answer to a manifest conversion (only what is used; everything else is ignored). */
const conversion = z.object({
  id: z.number().int().positive(),
  slug: z.string().regex(/^[\w.-]+$/),
  html_url: z.string().url().optional(),
  pem: z.string().includes("PRIVATE KEY"),
  webhook_secret: z.string().min(1).nullable(),
  client_id: z
    .string()
    .regex(/^[\w.-]+$/)
    .optional(),
  client_secret: z.string().regex(/^\w+$/).optional(),
});

const MAX_FORM_BYTES = 64 * 1024;

/**
 * The first-run server (no APP_ID): `/` says what state Nightshift is in and what to do next,
 * registers the App from app.yml through GitHub's manifest flow (webhook URL from
 * NIGHTSHIFT_PUBLIC_URL), or imports an App made by hand; `/healthz` answers so a supervisor does not
 * restart it. The credentials are written to `envPath` and a key file next to it, both mode 0600.
 */
export async function startSetupServer(deps: SetupServerDeps): Promise<SetupServer> {
  const { config } = deps;
  const fetchFn = deps.fetch ?? globalThis.fetch;
  const state = randomBytes(16).toString("hex");
  const publicUrl = config.admin.publicUrl;
  const githubWebUrl = config.gheHost ? config.githubBaseUrl.replace(/\/api\/v3$/, "") : "https://github.com";
  const view: SetupView = {
    publicUrl,
    publicUrlOk: publicUrl !== undefined && isReachableByGitHub(publicUrl),
    webhookPath: config.webhookPath,
    githubWebUrl,
    envPath: deps.envPath,
    label: config.label,
  };
  const keyPath = resolve(deps.envPath, "..", "nightshift-app.private-key.pem");

  function save(values: {
    appId: number;
    pem: string;
    secret: string;
    clientId?: string;
    clientSecret?: string;
  }): string[] {
    writeSecretFile(keyPath, values.pem.replace(/\r\n/g, "\n").trim() + "\n");
    writeEnvFile(deps.envPath, {
      APP_ID: String(values.appId),
      PRIVATE_KEY_PATH: keyPath,
      WEBHOOK_SECRET: values.secret,
      ...(values.clientId ? { GITHUB_CLIENT_ID: values.clientId } : {}),
      ...(values.clientSecret ? { GITHUB_CLIENT_SECRET: values.clientSecret } : {}),
      ...(publicUrl ? { NIGHTSHIFT_PUBLIC_URL: publicUrl } : {}),
    });
    return [deps.envPath, keyPath];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://setup");
    const send = (status: number, body: string, type = "text/html; charset=utf-8"): void => {
      res
        .writeHead(status, {
          "content-type": type,
          "cache-control": "no-store",
          "content-security-policy":
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' " + githubWebUrl,
          "x-frame-options": "DENY",
        })
        .end(body);
    };
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /healthz") return send(200, JSON.stringify({ status: "setup" }), "application/json");
    if (route === "GET /") {
      const manifest = JSON.stringify(buildManifest(deps.manifestPath, publicUrl ?? "", config.webhookPath));
      return send(200, setupHome(view, manifest));
    }
    if (route === "POST /setup/register") {
      const form = await readForm(req);
      const org = form.get("org")?.trim() ?? "";
      if (!/^[A-Za-z0-9-]*$/.test(org)) return send(400, messagePage("Not an organisation name", `"${org}"`));
      if (!view.publicUrlOk)
        return send(400, messagePage("No public URL", "Set NIGHTSHIFT_PUBLIC_URL first: GitHub refuses this address."));
      const target = org
        ? `${githubWebUrl}/organizations/${org}/settings/apps/new`
        : `${githubWebUrl}/settings/apps/new`;
      // 307 keeps the POST and its body (the manifest) for GitHub.
      res.writeHead(307, { location: `${target}?state=${state}` }).end();
      return;
    }
    if (route === "GET /setup/callback") {
      const code = url.searchParams.get("code") ?? "";
      if (url.searchParams.get("state") !== state || !/^\w+$/.test(code))
        return send(400, messagePage("Registration not recognised", "Start again from this page's Register button."));
      let answer: z.infer<typeof conversion>;
      try {
        const response = await fetchFn(`${config.githubBaseUrl}/app-manifests/${code}/conversions`, {
          method: "POST",
          headers: { accept: "application/vnd.github+json" },
          signal: AbortSignal.timeout(15_000),
        });
        if (!response.ok) throw new Error(`GitHub answered HTTP ${response.status}`);
        answer = conversion.parse(await response.json());
      } catch (error) {
        return send(
          502,
          messagePage(
            "GitHub did not hand over the App",
            `${(error as Error).message.slice(0, 200)}. The code is valid for one hour; start again from this page.`,
          ),
        );
      }
      const written = save({
        appId: answer.id,
        pem: answer.pem,
        secret: answer.webhook_secret ?? randomBytes(32).toString("hex"),
        clientId: answer.client_id,
        clientSecret: answer.client_secret,
      });
      return send(200, donePage(view, { id: answer.id, slug: answer.slug, htmlUrl: answer.html_url }, written));
    }
    if (route === "GET /setup/import") return send(200, importPage(view));
    if (route === "POST /setup/import") {
      const form = await readForm(req);
      const problems: string[] = [];
      const appId = form.get("app_id")?.trim() ?? "";
      const secret = form.get("webhook_secret")?.trim() ?? "";
      const pem = form.get("private_key")?.trim() ?? "";
      const clientId = form.get("client_id")?.trim() || undefined;
      const clientSecret = form.get("client_secret")?.trim() || undefined;
      if (!/^\d+$/.test(appId)) problems.push("App ID: expected the number at the top of the App's General page");
      if (secret.length < 8 || /\s/.test(secret))
        problems.push("Webhook secret: expected the App's webhook secret (at least 8 characters, no spaces)");
      try {
        createPrivateKey(pem);
      } catch {
        problems.push("Private key: not a PEM private key; paste the whole .pem file, BEGIN and END lines included");
      }
      if (clientId && !/^[\w.-]+$/.test(clientId)) problems.push("Client ID: letters, digits, dots and dashes only");
      if (clientSecret && !/^\w+$/.test(clientSecret)) problems.push("Client secret: letters and digits only");
      if (problems.length > 0) return send(400, importPage(view, problems));
      const written = save({ appId: Number(appId), pem, secret, clientId, clientSecret });
      return send(200, donePage(view, { id: Number(appId) }, written));
    }
    send(404, messagePage("Not here yet", "Nightshift is in setup mode; only the setup pages answer."));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        res
          .writeHead(error instanceof FormTooLarge ? 413 : 500, { "content-type": "text/plain" })
          .end(error instanceof FormTooLarge ? "form too large" : "setup failed; see the server log");
    });
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(config.port, config.host, done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

class FormTooLarge extends Error {}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new FormTooLarge();
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}
