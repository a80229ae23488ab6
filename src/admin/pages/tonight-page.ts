import { html } from "../html.js";
import type { QueuedRun, Tonight } from "../run-data.js";
import { actionButton, energy, layout, runLink, time, type Viewer } from "./layout.js";

const q = encodeURIComponent;
const jobAction = (jobId: string, verb: string) => `/actions/runs/${q(jobId)}/${verb}`;

function queueButtons(job: QueuedRun, viewer: Viewer, back: string) {
  const write = viewer.permission(job.repo) === "write";
  return html`${write ? actionButton(viewer, jobAction(job.jobId, "run-now"), "Run now", { back }) : ""}
  ${viewer.operator ? actionButton(viewer, jobAction(job.jobId, "to-front"), "To front", { back }) : ""}
  ${write ? actionButton(viewer, jobAction(job.jobId, "cancel"), "Cancel", { back, danger: true }) : ""}`;
}

export function tonightMain(tonight: Tonight, viewer: Viewer) {
  const back = "/";
  return html`<h1>Tonight</h1>
    <p class="status">
      <span class="pill ${tonight.windowOpen ? "good" : "muted"}" id="window"
        >window ${tonight.windowText} (${tonight.timeZone}) ${tonight.windowOpen ? "open" : "closed"}</span
      >
      <span class="pill ${tonight.paused ? "stopped" : "good"}" id="paused"
        >${tonight.paused ? "paused" : "not paused"}</span
      >
      ${
        viewer.operator
          ? tonight.paused
            ? actionButton(viewer, "/actions/night/resume", "Resume the night", { back })
            : actionButton(viewer, "/actions/night/pause", "Pause the night", {
                back,
                confirm: "Pause the night? Running runs finish; no new run starts until you resume.",
              })
          : ""
      }
    </p>

    <h2>Running (${tonight.running.length})</h2>
    ${
      tonight.running.length === 0
        ? html`<p class="muted">Nothing is running.</p>`
        : html`<table id="running">
            <thead>
              <tr>
                <th>Issue</th>
                <th>Stage</th>
                <th>Turn</th>
                <th>Tokens</th>
                <th>Elapsed</th>
                <th>Energy</th>
                <th>Worker</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${tonight.running.map(
                (run) =>
                  html`<tr data-run="${run.runId}">
                    <td>
                      ${runLink(run.runId, run.fields.issue ?? run.jobId)}
                      <div class="muted">${run.fields.title ?? ""}</div>
                    </td>
                    <td><span class="stage" data-field="stage">${run.fields.stage ?? "queued"}</span></td>
                    <td data-field="turn">${run.fields.turn ?? "—"}</td>
                    <td data-field="liveTokens">${run.fields.liveTokens ?? run.fields.tokens ?? "—"}</td>
                    <td><span data-since="${run.fields.startedAt ?? ""}">—</span></td>
                    <td data-field="energyWh">${energy(run.fields.energyWh)}</td>
                    <td class="muted">${run.fields.worker ?? ""}</td>
                    <td>
                      ${
                        viewer.permission(run.repo) === "write"
                          ? actionButton(viewer, `/actions/runs/${q(run.jobId)}/cancel`, "Cancel", {
                              back,
                              danger: true,
                              confirm: "Cancel this run? Its sandbox is stopped now.",
                            })
                          : ""
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }

    <h2>Queue (${tonight.queued.length})</h2>
    ${
      tonight.queued.length === 0
        ? html`<p class="muted">Nothing is waiting.</p>`
        : html`<table id="queue">
            <thead>
              <tr>
                <th>#</th>
                <th>Issue</th>
                <th>State</th>
                <th>Planned start</th>
                <th>Requested by</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${tonight.queued.map(
                (job) =>
                  html`<tr data-job="${job.jobId}">
                    <td>${job.position ?? "—"}</td>
                    <td>
                      ${job.repo}#${job.issueNumber}
                      <div class="muted">${job.title}</div>
                    </td>
                    <td>${job.state}${job.immediate ? " (now)" : ""}</td>
                    <td>${time(job.plannedStart)}</td>
                    <td>${job.requester}</td>
                    <td>${queueButtons(job, viewer, back)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }

    <h2>GPU workers (${tonight.workers.length})</h2>
    ${
      tonight.workers.length === 0
        ? html`<p class="muted">No worker has reported in the last minute.</p>`
        : html`<table id="workers">
            <thead>
              <tr>
                <th>Worker</th>
                <th>Machine</th>
                <th>Slots</th>
                <th>Current runs</th>
                <th>Last heartbeat</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${tonight.workers.map(
                (w) =>
                  html`<tr>
                    <td>${w.name}${w.drained ? html` <span class="pill stopped">draining</span>` : ""}</td>
                    <td>${w.machine}</td>
                    <td>${w.running.length}/${w.slots}</td>
                    <td>${w.running.map((id) => html`${runLink(id, id.split("@")[0]!)} `)}</td>
                    <td><span data-since="${w.at}">—</span> ago</td>
                    <td>
                      ${
                        viewer.operator
                          ? w.drained
                            ? actionButton(viewer, `/actions/workers/${q(w.name)}/undrain`, "Undrain", { back })
                            : actionButton(viewer, `/actions/workers/${q(w.name)}/drain`, "Drain", {
                                back,
                                confirm: "Drain this worker? It finishes its runs and takes no new ones.",
                              })
                          : ""
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${preflightSection(tonight, viewer)}`;
}

/** Each worker's start-up check: ready, or what it cannot work without (details and fixes for operators). */
function preflightSection(tonight: Tonight, viewer: Viewer) {
  return html`<h2>Worker preflight (${tonight.preflights.length})</h2>
    ${
      tonight.preflights.length === 0
        ? html`<p class="muted">No worker has recorded a start-up check in the last day.</p>`
        : html`<table id="preflight">
            <thead>
              <tr>
                <th>Worker</th>
                <th>Checked</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              ${tonight.preflights.map((p) => {
                const failing = p.checks.filter((c) => !c.ok);
                return html`<tr>
                  <td>${p.worker}</td>
                  <td><span data-since="${p.at}">—</span> ago</td>
                  <td>
                    ${
                      failing.length === 0
                        ? html`<span class="pill good">ready</span>`
                        : html`<span class="pill stopped">cannot work: ${failing.map((c) => c.name).join(", ")}</span>`
                    }
                    ${
                      viewer.operator && failing.length > 0
                        ? html`<ul class="checks">
                            ${failing.map(
                              (c) => html`<li>${c.name}: ${c.detail}${c.fix ? html` — fix: ${c.fix}` : ""}</li>`,
                            )}
                          </ul>`
                        : ""
                    }
                  </td>
                </tr>`;
              })}
            </tbody>
          </table>`
    }`;
}

export function tonightPage(tonight: Tonight, viewer: Viewer) {
  return layout("Tonight", viewer, tonightMain(tonight, viewer), { live: "tonight", nav: "tonight" });
}
