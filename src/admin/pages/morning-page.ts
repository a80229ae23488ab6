import { html, type Part, type SafeHtml } from "../html.js";
import type { NightRow, RepoMorning } from "../../morning/morning-overview.js";
import { figureCells } from "../../morning/night-figures.js";
import { layout, runLink, type Viewer } from "./layout.js";

const BAR = 14;
const HEIGHT = 80;

/** One bar chart, a bar slot per night (SVG attributes, no inline styles: CSP). */
function chart(nights: number, label: string, bars: Part): SafeHtml {
  return html`<svg
    class="chart"
    viewBox="0 0 ${nights * BAR} ${HEIGHT + 2}"
    width="${nights * BAR * 1.2}"
    height="${(HEIGHT + 2) * 1.2}"
    role="img"
    aria-label="${label}"
  >
    ${bars}
  </svg>`;
}

/** Stacked bars: PRs, verified patches kept, no PR — one per night. */
function outcomesChart(nights: NightRow[]): SafeHtml {
  const max = Math.max(1, ...nights.map((n) => n.prs + n.kept + n.noPr));
  return chart(
    nights.length,
    "outcomes per night",
    nights.map((n, i) => {
      let y = HEIGHT;
      return [
        ["pr", n.prs],
        ["kept", n.kept],
        ["nopr", n.noPr],
      ].map(([kind, count]) => {
        const h = (Number(count) / max) * HEIGHT;
        y -= h;
        return Number(count) > 0
          ? html`<rect class="bar-${kind}" x="${i * BAR + 2}" y="${y}" width="${BAR - 4}" height="${h}">
              <title>${n.night}: ${count} ${kind === "pr" ? "PR" : kind === "kept" ? "kept" : "no PR"}</title>
            </rect>`
          : "";
      });
    }),
  );
}

function energyChart(nights: NightRow[]): SafeHtml {
  const max = Math.max(1, ...nights.map((n) => n.wattHours));
  return chart(
    nights.length,
    "energy per night",
    nights.map((n, i) => {
      const h = (n.wattHours / max) * HEIGHT;
      return n.wattHours > 0
        ? html`<rect class="bar-energy" x="${i * BAR + 2}" y="${HEIGHT - h}" width="${BAR - 4}" height="${h}">
            <title>${n.night}: ${n.wattHours.toFixed(1)} Wh</title>
          </rect>`
        : "";
    }),
  );
}

export function morningMain(repos: RepoMorning[]): SafeHtml {
  return html`<h1>Morning</h1>
    <p class="muted">
      The morning report of every repository you can read (the same as its report issue), and the last 30 nights:
      outcomes (green PR, blue verified patch kept on a branch or in a comment, grey no PR) and measured GPU energy.
    </p>
    ${repos.length === 0 ? html`<p>No runs in the last 30 nights.</p>` : ""}
    ${repos.map(
      (r) =>
        html`<section class="repo-morning" data-repo="${r.repo}">
          <h2>${r.repo}</h2>
          <table>
            <thead>
              <tr>
                <th>Issue</th>
                <th>Outcome</th>
                <th>What would help</th>
              </tr>
            </thead>
            <tbody>
              ${r.lastNight.map(
                ({ run, words }) =>
                  html`<tr class="kind-${words.kind}">
                    <td>
                      ${runLink(run.runId!, run.issue ?? run.runId!)}
                      <div class="muted">${run.title ?? ""}</div>
                    </td>
                    <td>${words.headline}</td>
                    <td>${words.help ?? "—"}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
          <div class="charts">
            <figure>
              ${outcomesChart(r.nights)}
              <figcaption>outcomes per night</figcaption>
            </figure>
            <figure>
              ${energyChart(r.nights)}
              <figcaption>Wh per night</figcaption>
            </figure>
          </div>
          <table class="nights">
            <thead>
              <tr>
                <th>Night</th>
                <th>PRs</th>
                <th>Kept</th>
                <th>No PR</th>
                <th>Runs</th>
                <th>GPU hours</th>
                <th>Energy</th>
                <th>Wh per verified fix</th>
                <th>Tokens</th>
              </tr>
            </thead>
            <tbody>
              ${r.nights
                .filter((n) => n.runs > 0)
                .reverse()
                .map(
                  (n) =>
                    html`<tr>
                      <td>${n.night}</td>
                      <td>${n.prs}</td>
                      <td>${n.kept}</td>
                      <td>${n.noPr}</td>
                      ${figureCells(n).map((c) => html`<td>${c}</td>`)}
                    </tr>`,
                )}
            </tbody>
          </table>
        </section>`,
    )}`;
}

export function morningPage(repos: RepoMorning[], viewer: Viewer): SafeHtml {
  return layout("Morning", viewer, morningMain(repos), { nav: "morning" });
}
