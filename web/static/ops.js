// SalesHub ops console: REST for actions, the /ws hub (realtime process) for live queue snapshots.
"use strict";
const HOUR = 1800; // points kept: one snapshot every 2 s
const COLORS = ["#c62828", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037"];
let key = sessionStorage.getItem("saleshub-key");
// The queues come from the API (GET /ops/queues), which reads them from core.queueing.queues.
let queues = [];
let series = { t: [] };

async function api(method, path, body) {
  const resp = await fetch(`/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (resp.status === 204) return null;
  const data = await resp.json();
  if (!resp.ok) throw new Error(data.error ? data.error.message : resp.statusText);
  return data;
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function button(label, onclick) {
  const td = document.createElement("td");
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.dataset.action = label.toLowerCase();
  b.addEventListener("click", async () => { b.disabled = true; try { await onclick(); } finally { b.disabled = false; } });
  td.appendChild(b);
  return td;
}

function fill(id, rows) {
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren(...rows);
}

function renderQueues(snap) {
  fill("queues", snap.queues.map((q) => {
    const tr = document.createElement("tr");
    tr.dataset.queue = q.name;
    if (q.paused) tr.className = "paused";
    tr.append(cell(q.name), cell(q.ready, "num ready"), cell(q.delayed, "num"), cell(q.in_flight, "num"),
      cell(q.dead, "num"), cell(q.oldest_age_seconds.toFixed(1), "num"),
      cell(q.processed_last_minute ?? "", "num"), cell(q.failed_last_minute ?? "", "num"),
      button(q.paused ? "Resume" : "Pause", async () => {
        await api("POST", `/ops/queues/${q.name}/${q.paused ? "resume" : "pause"}`);
        renderQueues(await api("GET", "/ops/queues"));
      }));
    return tr;
  }));
  fill("workers", snap.workers.map((w) => {
    const tr = document.createElement("tr");
    tr.append(cell(w.host), cell(w.pid, "num"), cell((w.queues || []).join(", ")),
      cell(w.in_flight, "num"), cell(w.last_heartbeat_age_seconds, "num"));
    return tr;
  }));
}

function plot(snap) {
  series.t.push(snap.ts);
  for (const q of queues) {
    const found = snap.queues.find((x) => x.name === q);
    series[q].push(found ? found.ready + found.in_flight + found.delayed : 0);
  }
  if (series.t.length > HOUR) for (const k of Object.keys(series)) series[k].shift();
  window.opsChart.setData([series.t, ...queues.map((q) => series[q])]);
}

async function refreshDead() {
  const dead = await api("GET", "/ops/dead-letters?limit=100");
  fill("dead", dead.items.map((d) => {
    const tr = document.createElement("tr");
    tr.dataset.message = d.message_id;
    tr.append(cell(d.message_id.slice(0, 8)), cell(d.queue), cell(d.actor), cell(d.error),
      button("Retry", async () => { await api("POST", `/ops/dead-letters/${d.message_id}/retry`); await refreshDead(); }));
    tr.lastChild.appendChild(button("Delete", async () => {
      await api("DELETE", `/ops/dead-letters/${d.message_id}`); await refreshDead();
    }).firstChild);
    return tr;
  }));
}

async function refreshSchedules() {
  const data = await api("GET", "/ops/schedule");
  fill("schedules", data.items.map((s) => {
    const tr = document.createElement("tr");
    tr.append(cell(s.id), cell(s.every_s, "num"), cell(s.last_run || "never"), cell(s.last_status || ""),
      cell(new Date(s.next_run * 1000).toISOString()),
      button("Run", async () => { await api("POST", `/ops/schedule/${s.id}/run`); await refreshSchedules(); }));
    tr.lastChild.appendChild(button(s.paused ? "Resume" : "Pause", async () => {
      await api("POST", `/ops/schedule/${s.id}/${s.paused ? "resume" : "pause"}`); await refreshSchedules();
    }).firstChild);
    return tr;
  }));
}

// Where /ws is served: the realtime process, as GET /health announces it (any status).
async function websocketUrl() {
  const resp = await fetch("/health");
  const { websocket_url: url } = await resp.json();
  return url;
}

async function live() {
  const url = await websocketUrl();
  const { ticket } = await api("POST", "/ws/ticket");
  const ws = new WebSocket(`${url}?ticket=${encodeURIComponent(ticket)}`);
  ws.onopen = () => ws.send(JSON.stringify({ op: "subscribe", channel: "ops.queues" }));
  ws.onmessage = (ev) => {
    const frame = JSON.parse(ev.data);
    if (frame.type === "event" && frame.channel === "ops.queues") {
      renderQueues(frame.data);
      plot(frame.data);
      document.getElementById("status").textContent = `live · ${new Date().toLocaleTimeString()}`;
    }
  };
  ws.onclose = () => {
    document.getElementById("status").textContent = "reconnecting…";
    setTimeout(() => live().catch(() => {}), 2000);
  };
}

async function start() {
  const snap = await api("GET", "/ops/queues");
  queues = snap.queues.map((q) => q.name);
  series = { t: [], ...Object.fromEntries(queues.map((q) => [q, []])) };
  document.getElementById("signin").hidden = true;
  document.getElementById("console").hidden = false;
  window.opsChart = new uPlot({
    width: Math.min(900, window.innerWidth - 40), height: 220,
    series: [{}, ...queues.map((q, i) => ({ label: q, stroke: COLORS[i % COLORS.length] }))],
  }, [[], ...queues.map(() => [])], document.getElementById("chart"));
  renderQueues(snap);
  plot(snap);
  await Promise.all([refreshDead(), refreshSchedules()]);
  setInterval(() => { refreshDead().catch(() => {}); refreshSchedules().catch(() => {}); }, 5000);
  await live();
}

document.getElementById("purge-all").addEventListener("click", async () => {
  await api("POST", "/ops/dead-letters/purge", {});
  await refreshDead();
});

document.getElementById("signin").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  key = document.getElementById("key").value.trim();
  try {
    await start();
    sessionStorage.setItem("saleshub-key", key);
  } catch (err) {
    document.getElementById("signin-error").textContent = `Sign-in failed: ${err.message}`;
  }
});

if (key) start().catch(() => { sessionStorage.removeItem("saleshub-key"); key = null; });
