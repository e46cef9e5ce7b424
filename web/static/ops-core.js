// SalesHub ops console: what every view shares (API calls, elements, charts, dialogs, banner).
"use strict";

const COLORS = ["#d93025", "#1a73e8", "#188038", "#e37400", "#9334e6", "#007b83", "#795548", "#c5221f"];
export const state = { key: sessionStorage.getItem("saleshub-key"), queues: [], live: false };

export class ApiError extends Error {
  constructor(status, message, details) { super(message); this.status = status; this.details = details; }
}

export async function api(method, path, body) {
  const resp = await fetch(`/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${state.key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (resp.status === 204) return null;
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const err = data.error || {};
    throw new ApiError(resp.status, err.message || resp.statusText, err.details);
  }
  return data;
}

// An element: el("td", {class: "num", text: 3, dataset: {queue: "bulk"}}, child, …).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === "text") node.textContent = String(v);
    else if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

export const cell = (text, cls) => el("td", { text: text ?? "", class: cls });

// A button that is disabled while its action runs; errors go to the status line.
export function button(label, action, cls) {
  const b = el("button", { type: "button", text: label, class: cls, dataset: { action: label.toLowerCase().replace(/[^a-z]/g, "") } });
  b.addEventListener("click", async () => {
    b.disabled = true;
    try { await action(); } catch (err) { report(err); } finally { b.disabled = false; }
  });
  return b;
}

export function fill(id, rows) {
  document.querySelector(`#${id} tbody`).replaceChildren(...rows);
}

export function report(err) {
  document.getElementById("status").textContent = `error: ${err.message}`;
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");
export const ms = (v) => (v === null || v === undefined ? "" : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
export const age = (s) => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${Math.round(s)} s`);

// Ask before anything destructive; resolves true when confirmed (Esc or Cancel: false).
export function confirmAction(text, okLabel = "Confirm") {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

function themeColor(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// uPlot draws nothing for a point whose neighbours are gaps (a namespace looked up in one
// minute only): draw such points as dots so a lone value still shows.
function lonePoints(u, si, show) {
  if (show) return null;
  const ys = u.data[si], idxs = [];
  for (let i = 0; i < ys.length; i++) {
    if (ys[i] != null && ys[i - 1] == null && ys[i + 1] == null) idxs.push(i);
  }
  return idxs.length ? idxs : null;
}

// A chart is as wide as the box it sits in (its grid cell), followed when that box changes
// (window resized, a view shown, a vertical scrollbar come or gone): a width taken from the
// window once overflowed the cell whenever the grid had more columns than that guess.
// (Resized on the next frame, not inside the observer's callback, which would make a
// resize that changes the page's height a "ResizeObserver loop" error.)
const resizer = new ResizeObserver((entries) => requestAnimationFrame(() => {
  for (const entry of entries) {
    const found = charts[entry.target.id];
    const width = Math.floor(entry.target.clientWidth);
    if (found && width > 0 && width !== found.plot.width) found.plot.setSize({ width, height: found.plot.height });
  }
}));

function widthOf(node) {
  // A chart built while its view is hidden gets a guess from the window, then its box's
  // width as soon as the view is shown (the observer above).
  return Math.floor(node.clientWidth) || Math.round(Math.max(300, Math.min(640, (window.innerWidth - 100) / 2)));
}

// One uPlot per target, rebuilt when its series change; axes follow the colour scheme.
const charts = {};
export function chart(target, labels, data, { height = 180, yLabel, step = 1 } = {}) {
  const node = document.getElementById(target);
  const signature = labels.join("|");
  const existing = charts[target];
  if (existing && existing.signature === signature) {
    existing.plot.setData(data);
    return existing.plot;
  }
  if (existing) existing.plot.destroy();
  const fg = themeColor("--fg"), grid = themeColor("--line");
  const axis = { stroke: fg, grid: { stroke: grid }, ticks: { stroke: grid } };
  const plot = new uPlot({
    width: widthOf(node),
    height,
    scales: { x: { time: true } },
    // At least 70 px between time labels: uPlot's default lets "11:35am" labels overlap
    // on an empty chart (no y labels, so a wider plot and a finer tick step).
    axes: [{ ...axis, space: 70 }, { ...axis, label: yLabel }],
    series: [{}, ...labels.map((label, i) => ({
      label, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: step > 1, points: { filter: lonePoints },
    }))],
  }, data, node);
  charts[target] = { plot, signature };
  resizer.observe(node);
  return plot;
}
export const plots = charts;
window.opsPlots = charts; // each chart by its element id, for the browser tests (and devtools)

export function banner(message) {
  const node = document.getElementById("banner");
  node.hidden = !message;
  node.textContent = message || "";
}

// The platform is degraded when /health answers 503; say what is down.
export async function checkHealth() {
  try {
    const resp = await fetch("/health");
    const body = await resp.json();
    if (resp.status === 503) {
      const down = Object.entries(body).filter(([, v]) => v && typeof v === "object" && v.status === "down").map(([k]) => k);
      banner(`The platform is degraded${down.length ? `: ${down.join(", ")} down` : ""}. Figures may be stale.`);
    } else if (state.socketDegraded) {
      banner("The realtime server asked us to try again later (1013); live updates are paused.");
    } else {
      banner(null);
    }
    return body;
  } catch (err) {
    banner("The platform cannot be reached.");
    return {};
  }
}

export function queueOptions() {
  for (const select of document.querySelectorAll("select.queue-select")) {
    if (select.options.length > 1) continue;
    select.append(...state.queues.map((q) => el("option", { text: q, value: q })));
  }
}

// Form fields as query parameters, empty ones left out.
export function query(form, extra = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) {
    if (!v) continue;
    params.set(k, (k === "since" || k === "until") ? new Date(v).toISOString() : v);
  }
  for (const [k, v] of Object.entries(extra)) if (v) params.set(k, v);
  return params.toString();
}
