import { html, type SafeHtml } from "../html.js";

/** Who is looking: what the page may show and which buttons it draws. */
export interface Viewer {
  login: string;
  operator: boolean;
  /** Empty for bearer-token requests (no ambient credentials, so no CSRF token either). */
  csrf: string;
  /** Permission per repository already asked of GitHub for this request. */
  permission(repo: string): "none" | "read" | "write";
}

export function layout(
  title: string,
  viewer: Viewer | undefined,
  main: SafeHtml,
  opts: { live?: string; nav?: string } = {},
): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${viewer?.csrf ? html`<meta name="csrf" content="${viewer.csrf}" />` : ""}
        <title>${title} · Nightshift</title>
        <link rel="stylesheet" href="/assets/admin.css" />
        <script src="/assets/admin.js" defer></script>
      </head>
      <body data-live="${opts.live ?? ""}">
        <header>
          <strong>Nightshift</strong>
          ${
            viewer
              ? html`<nav>
                    <a href="/" class="${opts.nav === "tonight" ? "on" : ""}">Tonight</a>
                    <a href="/history" class="${opts.nav === "history" ? "on" : ""}">History</a>
                    <a href="/morning" class="${opts.nav === "morning" ? "on" : ""}">Morning</a>
                  </nav>
                  <span class="who"
                    >${viewer.login}${viewer.operator ? html` <span class="badge">operator</span>` : ""}
                    ${viewer.csrf ? signOut(viewer) : ""}
                  </span>`
              : ""
          }
        </header>
        <main>${main}</main>
      </body>
    </html>`;
}

function signOut(viewer: Viewer): SafeHtml {
  return html`<form method="post" action="/signout">${csrfField(viewer)}<button>Sign out</button></form>`;
}

export function csrfField(viewer: Viewer): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${viewer.csrf}" />`;
}

/** A POST button for one action; the server checks the role and the CSRF token again. */
export function actionButton(
  viewer: Viewer,
  action: string,
  label: string,
  opts: { back: string; confirm?: string; danger?: boolean },
): SafeHtml {
  return html`<form
    method="post"
    action="${action}"
    class="inline"
    ${opts.confirm ? html`data-confirm="${opts.confirm}"` : ""}
  >
    ${csrfField(viewer)}<input type="hidden" name="back" value="${opts.back}" /><button
      class="${opts.danger ? "danger" : ""}"
      data-action="${label.toLowerCase()}"
    >
      ${label}
    </button>
  </form>`;
}

export function runLink(runId: string, text: string): SafeHtml {
  return html`<a href="/runs/${encodeURIComponent(runId)}">${text}</a>`;
}

export function time(iso: string | undefined): SafeHtml {
  if (!iso) return html`<span class="muted">—</span>`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return html`${iso}`;
  return html`<time datetime="${iso}">${date.toISOString().slice(0, 16).replace("T", " ")} UTC</time>`;
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function energy(value: string | undefined): string {
  if (!value) return "—";
  return value === "unknown" ? "unknown (no meter)" : `${value} Wh`;
}

export function outcomeClass(outcome: string | undefined): string {
  if (!outcome) return "running";
  if (outcome.startsWith("pr-opened") || outcome === "accepted") return "good";
  if (outcome.startsWith("stopped")) return "stopped";
  return "other";
}
