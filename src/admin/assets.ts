/** The page's one stylesheet and one script, served from memory (no build step, nothing inline: CSP blocks inline). */
export const ADMIN_CSS = `
:root { --fg:#1d2330; --muted:#6b7280; --line:#e5e7eb; --good:#0a7d38; --bad:#b42318; --warn:#a15c00; }
* { box-sizing: border-box; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; margin: 12px 0; } .charts figure { margin: 0; }
.chart rect.bar-pr { fill: var(--good); } .chart rect.bar-kept { fill: #2563eb; }
.chart rect.bar-nopr { fill: #9ca3af; }
.chart rect.bar-energy { fill: var(--warn); } .chart { border-bottom: 1px solid var(--line); }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); margin: 0; background: #fafafa; }
header { display:flex; gap:1.5rem; align-items:center; padding:.6rem 1.2rem; background:#111827; color:#fff; }
header a { color:#cbd5e1; text-decoration:none; margin-right:1rem; } header a.on { color:#fff; font-weight:600; }
header .who { margin-left:auto; } header form { display:inline; margin-left:.5rem; } header button { color:#111827; }
main { padding: 1rem 1.2rem; max-width: 1200px; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
table { border-collapse: collapse; width: 100%; background:#fff; }
th, td { text-align:left; padding:.35rem .5rem; border-bottom:1px solid var(--line); vertical-align: top; }
.muted { color: var(--muted); font-size: .9em; }
.pill { display:inline-block; padding:.05rem .5rem; border-radius:1rem; background:#eef2f7; }
.pill.good { background:#dcfce7; color:var(--good); } .pill.stopped { background:#fee4e2; color:var(--bad); }
.pill.running { background:#e0ecff; } .badge { background:#4b5563; border-radius:.3rem; padding:0 .3rem; }
.stage { font-family: ui-monospace, monospace; }
form.inline { display:inline; } button, a.button { font: inherit; padding:.2rem .7rem; border:1px solid #9ca3af;
  border-radius:.3rem; background:#fff; cursor:pointer; color:inherit; text-decoration:none; }
button.danger { border-color: var(--bad); color: var(--bad); }
pre { white-space: pre-wrap; word-break: break-word; margin:.2rem 0; font-size:12px; background:#f3f4f6;
  padding:.4rem; }
.transcript { list-style:none; padding:0; } .transcript li { margin:.3rem 0; }
.transcript .turn { font-weight:600; border-top:1px solid var(--line); padding-top:.4rem; }
.transcript .kind { font-size:.8em; text-transform:uppercase; color:var(--muted); }
li.verdict { border-left:4px solid var(--warn); background:#fff7e6; padding:.3rem .6rem; list-style:none; }
li.verdict.stop { border-color: var(--bad); background:#fee4e2; }
.observation.error pre { background:#fff1f0; }
.diff .add { color: var(--good); } .diff .del { color: var(--bad); } .diff .hunk { color:#6941c6; }
dl.facts { display:grid; grid-template-columns: max-content 1fr max-content 1fr max-content 1fr; gap:.2rem 1rem; }
dl.facts dt, dl.more dt { color: var(--muted); } dl.facts dd { margin:0; }
.filters label { margin-right:.6rem; } .error { color: var(--bad); }
.signin { max-width: 30rem; margin: 4rem auto; background:#fff; padding:1.5rem; border:1px solid var(--line); }
:target { outline: 3px solid #f59e0b; }
`;

export const ADMIN_JS = `"use strict";
(() => {
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
  });
  const tick = () => {
    for (const el of document.querySelectorAll("[data-since]")) {
      const since = Date.parse(el.dataset.since);
      if (Number.isNaN(since)) continue;
      const s = Math.max(0, Math.round((Date.now() - since) / 1000));
      el.textContent = s < 60 ? s + "s" : Math.floor(s / 60) + "m " + (s % 60) + "s";
    }
  };
  tick();
  setInterval(tick, 1000);
  const live = document.body.dataset.live;
  if (!live) return;
  let timer;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const response = await fetch(location.href, { headers: { "x-fragment": "main" } });
      if (response.ok) { document.querySelector("main").innerHTML = await response.text(); tick(); }
    }, 200);
  };
  const events = new EventSource("/events");
  events.onmessage = (message) => {
    const change = JSON.parse(message.data);
    if (live.startsWith("run:")) {
      if (change.kind === "run" && change.runId === live.slice(4)) refresh();
      return;
    }
    if (change.kind !== "run") return refresh();
    const rows = document.querySelectorAll('[data-run="' + CSS.escape(change.runId) + '"]');
    if (rows.length === 0 || change.structural) return refresh();
    for (const row of rows)
      for (const [name, value] of Object.entries(change.fields))
        for (const cell of row.querySelectorAll('[data-field="' + name + '"]')) cell.textContent = value;
  };
})();
`;
