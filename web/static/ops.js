// SalesHub ops console: sign-in, views by URL hash, periodic refresh, live queue snapshots.
"use strict";
import { api, checkHealth, queueOptions, report, state } from "./ops-core.js";
import { initOverview, live, refreshCharts, refreshOverview } from "./ops-overview.js";
import { initViews, refreshAudit, refreshCache, refreshDead, refreshJobs, refreshSchedules, showJob } from "./ops-views.js";

const overviewRefreshers = [];
const VIEWS = {
  overview: () => Promise.all(overviewRefreshers.map((f) => f())),
  jobs: refreshJobs,
  job: showJob,
  dead: refreshDead,
  schedules: refreshSchedules,
  cache: refreshCache,
  audit: refreshAudit,
};
// Views that refresh themselves every few seconds while shown (lists keep their pages).
const POLLED = { overview: () => Promise.all([refreshOverview()]), schedules: refreshSchedules, cache: refreshCache };

function route() {
  const [name, arg] = (location.hash.slice(1) || "overview").split("/");
  return VIEWS[name] ? [name, arg] : ["overview", undefined];
}

async function show() {
  const [name, arg] = route();
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${name}`;
  for (const link of document.querySelectorAll("#nav a")) {
    const current = link.getAttribute("href") === `#${name === "job" ? "jobs" : name}`;
    if (current) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  try { await VIEWS[name](arg); } catch (err) { report(err); }
}

async function start() {
  const snap = await api("GET", "/ops/queues"); // also checks the key
  sessionStorage.setItem("saleshub-key", state.key);
  document.getElementById("status").textContent = "signed in";
  state.queues = snap.queues.map((q) => q.name);
  document.getElementById("signin").hidden = true;
  document.getElementById("console").hidden = false;
  document.getElementById("nav").hidden = false;
  queueOptions();
  initOverview(overviewRefreshers);
  initViews();
  window.addEventListener("hashchange", () => { show(); document.getElementById("console").focus(); });
  await show();
  const health = await checkHealth();
  setInterval(() => {
    const [name] = route();
    if (POLLED[name] && !document.hidden) POLLED[name]().catch(report);
  }, 5000);
  setInterval(checkHealth, 10000);
  setInterval(() => { if (route()[0] === "overview" && !document.hidden) refreshCharts().catch(report); }, 60000);
  await live(health).catch(report);
}

document.getElementById("signin").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  state.key = document.getElementById("key").value.trim();
  try {
    await start();
    document.getElementById("console").focus(); // the sign-in form is gone: land on the content
  } catch (err) {
    document.getElementById("signin-error").textContent = `Sign-in failed: ${err.message}`;
  }
});

if (state.key) start().catch(() => { sessionStorage.removeItem("saleshub-key"); state.key = null; });
