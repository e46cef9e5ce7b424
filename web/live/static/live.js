// SalesHub live page: the org's pipeline board and activity feed, over /ws (realtime process).
"use strict";
const STAGES = ["lead", "qualified", "proposal", "negotiation", "won", "lost"];
const FEED_MAX = 100;
let key = sessionStorage.getItem("saleshub-live-key");
let offset = null; // the last activity offset seen: a reconnect resumes from it
let figures = {};
const online = new Set();

async function api(method, path, body) {
  const resp = await fetch(`/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await resp.json();
  if (!resp.ok) throw new Error(data.error ? data.error.message : resp.statusText);
  return data;
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function buildBoard() {
  const board = document.getElementById("board");
  board.replaceChildren(...STAGES.map((stage) => {
    const col = el("div", { class: "column", "data-stage": stage });
    col.append(el("h3", {}, stage), el("div", { class: "total" }, ""), el("div", { class: "cards" }));
    return col;
  }));
}

function placeDeal(deal) {
  const old = document.querySelector(`.card[data-deal="${deal.id}"]`);
  if (old) old.remove();
  const cards = document.querySelector(`.column[data-stage="${deal.stage}"] .cards`);
  if (!cards) return;
  const card = el("div", { class: "card", "data-deal": String(deal.id) });
  card.append(el("div", { class: "title" }, deal.title));
  if (deal.amount) card.append(el("div", { class: "amount" }, `${deal.amount} ${deal.currency || ""}`));
  cards.prepend(card);
}

async function loadDeals() {
  buildBoard();
  let cursor = null;
  for (let page = 0; page < 5; page += 1) {
    const q = `/deals?limit=200&sort=-updated_at${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const data = await api("GET", q);
    data.items.reverse().forEach(placeDeal);
    cursor = data.next_cursor;
    if (!cursor) break;
  }
}

function renderFigures() {
  const pipeline = figures.pipeline || {};
  for (const stage of STAGES) {
    const total = document.querySelector(`.column[data-stage="${stage}"] .total`);
    const f = pipeline[stage];
    if (total && f) total.textContent = `${f.count} · ${f.amount}`;
  }
  const rate = figures.win_rate;
  document.getElementById("win-rate").textContent = rate === null || rate === undefined ? "–" : `${Math.round(rate * 100)}%`;
  const today = figures.today || {};
  for (const name of ["deals", "leads", "activities"]) {
    if (today[name] !== undefined) document.getElementById(`today-${name}`).textContent = String(today[name]);
  }
}

function mergeFigures(update, full) {
  if (full) { figures = update; return; }
  for (const [k, v] of Object.entries(update)) {
    if (v && typeof v === "object" && !Array.isArray(v) && figures[k]) {
      for (const [k2, v2] of Object.entries(v)) figures[k][k2] = v2;
    } else {
      figures[k] = v;
    }
  }
}

function addActivity(frame) {
  const d = frame.data;
  const li = el("li", { "data-offset": frame.offset, "data-resource": d.resource });
  li.append(el("span", { class: "when" }, new Date(frame.ts * 1000).toLocaleTimeString()));
  li.append(document.createTextNode(`${d.resource.replace(/s$/, "")} ${d.action}d: ${d.title}`));
  const feed = document.getElementById("feed");
  feed.prepend(li);
  while (feed.children.length > FEED_MAX) feed.lastChild.remove();
  if (d.resource === "deals") {
    if (d.action === "delete") {
      const card = document.querySelector(`.card[data-deal="${d.row_id}"]`);
      if (card) card.remove();
    } else {
      placeDeal({ id: d.row_id, title: d.title, stage: d.stage, amount: d.amount, currency: d.currency });
    }
  }
}

function renderOnline() {
  document.getElementById("online").textContent = `${online.size} online`;
}

function onFrame(ws, frame) {
  if (frame.channel === "activity") {
    if (frame.type === "resync") {
      offset = frame.offset;
      loadDeals().catch(() => {});
      return;
    }
    if (frame.offset) offset = frame.offset;
    if (frame.type === "event") addActivity(frame);
  } else if (frame.channel === "dashboard" && (frame.type === "snapshot" || frame.type === "event")) {
    mergeFigures(frame.data.figures, frame.data.full);
    renderFigures();
  } else if (frame.channel === "presence") {
    if (frame.type === "snapshot") { online.clear(); frame.data.users.forEach((u) => online.add(u)); }
    if (frame.type === "join") online.add(frame.data.user_id);
    if (frame.type === "leave") online.delete(frame.data.user_id);
    renderOnline();
  }
}

// Where /ws is served: the realtime process, as GET /health announces it (any status).
async function websocketUrl() {
  const resp = await fetch("/health");
  const { websocket_url: url } = await resp.json();
  return url;
}

async function connect() {
  const url = await websocketUrl();
  const { ticket } = await api("POST", "/ws/ticket");
  const ws = new WebSocket(`${url}?ticket=${encodeURIComponent(ticket)}`);
  ws.onopen = () => {
    ws.send(JSON.stringify({ op: "subscribe", channel: "dashboard" }));
    ws.send(JSON.stringify({ op: "subscribe", channel: "presence" }));
    const resume = offset ? { since: offset } : {};
    ws.send(JSON.stringify({ op: "subscribe", channel: "activity", ...resume }));
    document.getElementById("status").textContent = "live";
  };
  ws.onmessage = (ev) => onFrame(ws, JSON.parse(ev.data));
  ws.onclose = () => {
    document.getElementById("status").textContent = "reconnecting…";
    setTimeout(() => connect().catch(() => {}), 2000);
  };
}

async function start() {
  await loadDeals();
  document.getElementById("signin").hidden = true;
  document.getElementById("live").hidden = false;
  await connect();
}

document.getElementById("signin").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  key = document.getElementById("key").value.trim();
  try {
    await start();
    sessionStorage.setItem("saleshub-live-key", key);
  } catch (err) {
    document.getElementById("signin-error").textContent = `Sign-in failed: ${err.message}`;
  }
});

if (key) start().catch(() => { sessionStorage.removeItem("saleshub-live-key"); key = null; });
