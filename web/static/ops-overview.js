// The overview: queues (live), charts from the buckets, per-actor figures, workers, canaries.
"use strict";
import { age, api, banner, button, cell, chart, el, fill, ms, plots, report, state } from "./ops-core.js";

const LIVE_POINTS = 1800; // an hour of snapshots, one every 2 s
let depth = null; // [t, ...per queue] of the depth chart, extended live on the hour range
let range = "hour";
let quantile = "p95"; // of the latency charts: p50 or p95
let lastCharts = null; // the last /ops/charts answer, redrawn when the quantile changes

export function renderQueues(snap) {
  fill("queues", snap.queues.map((q) => {
    const tr = el("tr", { dataset: { queue: q.name }, class: q.paused ? "paused" : undefined });
    tr.append(cell(q.name), cell(q.pool), cell(q.ready, "num ready"), cell(q.delayed, "num"), cell(q.in_flight, "num"),
      cell(q.dead, "num"), cell(q.oldest_age_seconds.toFixed(1), "num"),
      cell(q.processed_last_minute, "num done"), cell(q.failed_last_minute, "num failed"),
      el("td", {}, button(q.paused ? "Resume" : "Pause", async () => {
        await api("POST", `/ops/queues/${q.name}/${q.paused ? "resume" : "pause"}`);
        renderQueues(await api("GET", "/ops/queues"));
      })));
    return tr;
  }));
}

export function renderWorkers(workers) {
  fill("workers", workers.map((w) => {
    const running = el("ul", { class: "running" }, ...(w.running || []).map((r) => el("li", {},
      el("a", { href: `#job/${r.job_id}`, text: r.actor }),
      ` · org ${r.org_id ?? "—"} · ${age(r.running_for_s)}`)));
    return el("tr", { dataset: { worker: w.id } }, cell(w.host), cell(w.pid, "num"), cell((w.queues || []).join(", ")),
      cell(w.in_flight, "num"), cell(w.last_heartbeat_age_seconds, "num"), el("td", {}, running));
  }));
}

// A live snapshot: the queue table, and one more point on the hour's depth chart.
export function onSnapshot(snap) {
  renderQueues(snap);
  if (range !== "hour" || !depth) return;
  depth[0].push(snap.ts);
  state.queues.forEach((q, i) => {
    const found = snap.queues.find((x) => x.name === q);
    depth[i + 1].push(found ? found.ready + found.in_flight + found.delayed : 0);
  });
  if (depth[0].length > LIVE_POINTS) for (const s of depth) s.shift();
  plots.chart.plot.setData(depth);
}

function series(body, pick) {
  return [body.t, ...body.queues.map((q) => pick(q))];
}

function latencyCharts(body) {
  const step = body.step_s;
  chart("chart-wait", body.queues, series(body, (q) => body.latency[q][`wait_${quantile}`]), { step, yLabel: "ms" });
  chart("chart-run", body.queues, series(body, (q) => body.latency[q][`run_${quantile}`]), { step, yLabel: "ms" });
  for (const span of document.querySelectorAll("#view-overview .quantile")) span.textContent = quantile;
}

export async function refreshCharts() {
  const body = await api("GET", `/ops/charts?range=${range}`);
  lastCharts = body;
  const step = body.step_s;
  depth = series(body, (q) => body.depth[q].slice());
  window.opsChart = chart("chart", body.queues, depth, { step });
  chart("chart-done", body.queues, series(body, (q) => body.throughput[q].done), { step });
  chart("chart-failed", body.queues, series(body, (q) => body.throughput[q].failed), { step });
  latencyCharts(body);
  fill("actors", body.actors.map((a) => el("tr", { dataset: { actor: a.actor } },
    cell(a.queue), cell(a.actor), cell(a.done, "num"), cell(a.failed, "num"),
    cell(ms(a.wait_p50), "num"), cell(ms(a.wait_p95), "num"), cell(ms(a.run_p50), "num"), cell(ms(a.run_p95), "num"))));
}

// The canaries (core/ops/canary.py): each queue's last canary job, its commit->start and
// run time, and how long ago it ran. One older than three intervals is shown as failing:
// that queue is not being worked. Hidden until the first canary has run.
export async function refreshCanaries() {
  const panel = document.getElementById("canaries");
  const resp = await fetch("/api/v1/ops/canaries", { headers: { Authorization: `Bearer ${state.key}` } });
  if (!resp.ok) { panel.hidden = true; return; }
  const body = await resp.json();
  const items = body.items || [];
  const stale = 3 * (body.interval_s || 60);
  panel.hidden = items.length === 0;
  document.getElementById("canary-list").replaceChildren(...items.map((c) => {
    const ok = body.interval_s === 0 || c.age_s <= stale;
    const detail = `start ${ms(c.commit_to_start_s * 1000)} · run ${ms(c.run_s * 1000)} · ${Math.round(c.age_s)} s ago`;
    return el("li", { class: ok ? "canary-ok" : "canary-bad" }, `${c.queue}: ${ok ? "" : "late · "}${detail}`);
  }));
}

export async function refreshOverview() {
  const [snap, workers] = await Promise.all([api("GET", "/ops/queues"), api("GET", "/ops/workers")]);
  // Without a live socket (none announced, or closed) the polled snapshot moves the depth
  // chart instead, so the last hour stays live either way.
  if (state.live) renderQueues(snap); else onSnapshot(snap);
  renderWorkers(workers.items);
}

export function initOverview(refreshers) {
  document.getElementById("chart-range").addEventListener("change", async (ev) => {
    range = ev.target.value;
    try { await refreshCharts(); } catch (err) { report(err); }
  });
  document.getElementById("chart-quantile").addEventListener("change", (ev) => {
    quantile = ev.target.value;
    if (lastCharts) latencyCharts(lastCharts);
  });
  refreshers.push(refreshOverview, refreshCharts, refreshCanaries);
}

// The /ws hub (on the realtime process, as GET /health announces it) pushes queue snapshots.
export async function live(health) {
  const url = health.websocket_url;
  if (!url) return;
  const { ticket } = await api("POST", "/ws/ticket");
  const ws = new WebSocket(`${url}?ticket=${encodeURIComponent(ticket)}`);
  const status = document.getElementById("status");
  ws.addEventListener("open", () => ws.send(JSON.stringify({ op: "subscribe", channel: "ops.queues" })));
  ws.addEventListener("message", (ev) => {
    if (typeof ev.data !== "string") return; // frames are text JSON; ignore anything else
    let frame;
    try { frame = JSON.parse(ev.data); } catch { return; }
    if (frame && frame.type === "event" && frame.channel === "ops.queues" && frame.data) {
      state.live = true;
      onSnapshot(frame.data);
      if (state.socketDegraded) { state.socketDegraded = false; banner(null); }
      status.textContent = `live · ${new Date().toLocaleTimeString()}`;
    }
  });
  ws.addEventListener("close", (ev) => {
    state.live = false;
    status.textContent = "reconnecting…";
    if (ev.code === 1013) {
      state.socketDegraded = true;
      banner("The realtime server asked us to try again later (1013); live updates are paused.");
    }
    const wait = ev.code === 1013 ? 10000 : 2000;
    setTimeout(() => live(health).catch(() => {}), wait);
  });
  ws.addEventListener("error", () => {}); // the close event that follows reports it
}
