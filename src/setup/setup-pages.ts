import { html, raw, type SafeHtml } from "../admin/html.js";

/** What the setup pages show: where this Nightshift is and where its settings go. */
export interface SetupView {
  publicUrl: string | undefined;
  publicUrlOk: boolean;
  webhookPath: string;
  githubWebUrl: string;
  envPath: string;
  label: string;
}

const STYLE = raw(`<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:1.6rem}
code,pre{background:#f6f8fa;padding:.1rem .3rem;border-radius:4px}
pre{padding:.6rem;white-space:pre-wrap}.state{border-left:4px solid #9a6700;background:#fff8c5;padding:.6rem 1rem}
.ok{border-left:4px solid #1a7f37;background:#dafbe1;padding:.6rem 1rem}
.bad{border-left:4px solid #cf222e;background:#ffebe9;padding:.6rem 1rem}
label{display:block;margin-top:.8rem;font-weight:600}input[type=text],textarea{width:100%;font:inherit;padding:.3rem}
button{font:inherit;padding:.4rem 1rem;margin-top:1rem}</style>`);

function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title} — Nightshift</title>
        ${STYLE}
      </head>
      <body>
        ${body}
      </body>
    </html>`.text;
}

function webhookUrl(view: SetupView): string {
  return view.publicUrl ? `${view.publicUrl}${view.webhookPath}` : `https://<public host>${view.webhookPath}`;
}

function publicUrlSection(view: SetupView): SafeHtml {
  if (view.publicUrl && view.publicUrlOk)
    return html`<p class="ok">
      GitHub will send webhooks to <code>${webhookUrl(view)}</code> (NIGHTSHIFT_PUBLIC_URL).
    </p>`;
  return html`<div class="bad">
    <p>
      ${
        view.publicUrl
          ? html`NIGHTSHIFT_PUBLIC_URL is <code>${view.publicUrl}</code>, which GitHub cannot reach.`
          : "NIGHTSHIFT_PUBLIC_URL is not set."
      }
      GitHub refuses <code>localhost</code> and private addresses as a webhook URL, so set NIGHTSHIFT_PUBLIC_URL to the
      https address people and GitHub reach this server at, and restart.
    </p>
    <p>To try Nightshift from a laptop, a tunnel gives you such an address, for example:</p>
    <pre>
cloudflared tunnel --url http://localhost:3000      # prints https://&lt;random&gt;.trycloudflare.com
ssh -R 80:localhost:3000 nokey@localhost.run         # prints https://&lt;random&gt;.lhr.life</pre>
    <p>then <code>NIGHTSHIFT_PUBLIC_URL=https://&lt;that host&gt; nightshift start</code>.</p>
  </div>`;
}

/** `/` while no App is registered: the state, and what to do next. */
export function setupHome(view: SetupView, manifestJson: string): string {
  return page(
    "First-run setup",
    html`<h1>Nightshift: first-run setup</h1>
      <p class="state">
        <strong>State: setup mode.</strong> No GitHub App is registered with this Nightshift yet (APP_ID is unset), so
        it only serves these pages: no webhooks are taken and no runs happen.
      </p>
      <h2>1. A public URL for webhooks</h2>
      ${publicUrlSection(view)}
      <h2>2. Register the GitHub App</h2>
      <p>
        GitHub creates the App from Nightshift's manifest (app.yml: least privilege) and sends you back here; the App
        ID, private key and webhook secret are then written to <code>${view.envPath}</code> (mode 0600).
      </p>
      <form method="post" action="/setup/register">
        <input type="hidden" name="manifest" value="${manifestJson}" />
        <label for="org">Organisation (leave empty to register it on your own account)</label>
        <input type="text" id="org" name="org" pattern="[A-Za-z0-9-]*" placeholder="my-org" />
        <button type="submit" ${view.publicUrlOk ? "" : raw("disabled")}>Register the GitHub App on GitHub</button>
      </form>
      <p>Already have a Nightshift App? <a href="/setup/import">Import it instead</a>.</p>
      <h2>3. Then</h2>
      <ol>
        <li>Restart Nightshift (<code>nightshift start</code> again, or <code>docker-compose restart</code>).</li>
        <li>
          Install the App on the repositories Nightshift may work on; Nightshift creates the label
          <code>${view.label}</code> in each.
        </li>
        <li>Run <code>nightshift doctor</code>: every line should say ok.</li>
        <li>Label an issue <code>${view.label}</code>: it is worked on in the next night window.</li>
      </ol>`,
  );
}

/** The form for an App registered by hand (or on another machine). */
export function importPage(view: SetupView, problems: string[] = []): string {
  return page(
    "Import an existing App",
    html`<h1>Import an existing GitHub App</h1>
      ${
        problems.length > 0
          ? html`<div class="bad">
              <p>Nothing was saved:</p>
              <ul>
                ${problems.map((p) => html`<li>${p}</li>`)}
              </ul>
            </div>`
          : ""
      }
      <p>Open your App's settings on GitHub (${view.githubWebUrl}/settings/apps, then <em>Edit</em>), and:</p>
      <ol>
        <li>
          Under <em>Webhook</em>, set <strong>Webhook URL</strong> to <code>${webhookUrl(view)}</code>, and set a
          <strong>Webhook secret</strong> (any long random text, e.g. from <code>openssl rand -hex 32</code>).
        </li>
        <li>Copy the <strong>App ID</strong> from the top of the <em>General</em> page.</li>
        <li>
          Under <em>Private keys</em>, generate a private key; GitHub downloads a <code>.pem</code> file. Paste all of
          it below, including the BEGIN and END lines.
        </li>
      </ol>
      ${publicUrlSection(view)}
      <form method="post" action="/setup/import">
        <label for="app_id">App ID</label>
        <input type="text" id="app_id" name="app_id" inputmode="numeric" required />
        <label for="webhook_secret">Webhook secret (the same text as in the App's settings)</label>
        <input type="text" id="webhook_secret" name="webhook_secret" required />
        <label for="private_key">Private key (.pem file contents)</label>
        <textarea id="private_key" name="private_key" rows="8" required></textarea>
        <label for="client_id">Client ID and client secret (optional: the admin page's GitHub sign-in)</label>
        <input type="text" id="client_id" name="client_id" />
        <input type="text" id="client_secret" name="client_secret" />
        <button type="submit">Save to ${view.envPath}</button>
      </form>
      <p><a href="/">Back</a></p>`,
  );
}

/** After registration or import: what was written, and the next steps in order. */
export function donePage(
  view: SetupView,
  app: { id: number; slug?: string; htmlUrl?: string },
  written: string[],
): string {
  const install = app.slug ? `${view.githubWebUrl}/apps/${app.slug}/installations/new` : undefined;
  return page(
    "App saved",
    html`<h1>GitHub App ${app.slug ?? ""} (ID ${app.id}) saved</h1>
      <p class="ok">
        Written (owner-only, mode 0600): ${written.map((w, i) => html`${i ? ", " : ""}<code>${w}</code>`)}.
      </p>
      <h2>Next</h2>
      <ol>
        <li>
          Restart Nightshift so it reads the new settings: stop and run <code>nightshift start</code> again, or
          <code>docker-compose restart server worker</code>.
        </li>
        <li>
          Install the App on the repositories Nightshift may work on:
          ${install ? html`<a href="${install}">${install}</a>` : html`the App's page on GitHub, <em>Install App</em>`}.
          Nightshift then creates the label <code>${view.label}</code> in each of them.
        </li>
        <li>Check the webhook URL in the App's settings is <code>${webhookUrl(view)}</code>.</li>
        <li>Run <code>nightshift doctor</code>: it checks the App, its installations and that webhooks arrive.</li>
        <li>Label an issue <code>${view.label}</code>.</li>
      </ol>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(
    title,
    html`<h1>${title}</h1>
      <p class="bad">${message}</p>
      <p><a href="/">Back to setup</a></p>`,
  );
}
