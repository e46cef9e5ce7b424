// SalesHub ops console: sign-in, views by URL hash, periodic refresh, live queue snapshots.
"use strict";
import { api, checkHealth, queueOptions, report, state } from "./ops-core.js";
import { initOverview, live, refreshCharts, refreshOverview } from "./ops-overview.js";
import { initBatches, pollBatches, refreshBatches } from "./ops-batches.js";
import { refreshFairness } from "./ops-fairness.js";
import { initViews, refreshAudit, refreshCache, refreshDead, refreshJobs, refreshSchedules, showJob } from "./ops-views.js";

const overviewRefreshers = [];
const VIEWS = {
  overview: () => Promise.all(overviewRefreshers.map((f) => f())),
  jobs: refreshJobs,
  batches: refreshBatches,
  job: showJob,
  dead: refreshDead,
  schedules: refreshSchedules,
  fairness: refreshFairness,
  cache: refreshCache,
  audit: refreshAudit,
};
// Views that refresh themselves every few seconds while shown (lists keep their pages).
// Batches & imports reload the rows they show, so progress moves (the jobs socket channel
// is per org: nothing platform-wide to listen to).
const POLLED = {
  overview: () => Promise.all([refreshOverview()]), batches: pollBatches, schedules: refreshSchedules,
  fairness: refreshFairness, cache: refreshCache,
};

function focusContent() {
  document.getElementById("console").focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

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
  delete document.body.dataset.rendered;
  try { await VIEWS[name](arg); } catch (err) { report(err); }
  // Every panel of the view has its first data (bench/console.py times this).
  if (route()[0] === name) document.body.dataset.rendered = name;
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
  initBatches(report);
  // A new view starts at the top of the page, the header and its nav in sight; keyboard
  // focus moves to the content without scrolling the header away.
  window.addEventListener("hashchange", () => { show(); focusContent(); });
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
    focusContent(); // the sign-in form is gone: land on the content
  } catch (err) {
    document.getElementById("signin-error").textContent = `Sign-in failed: ${err.message}`;
  }
});

// "Skip to content" moves focus past the header and nav; it must not change the view (its
// #main would otherwise route to the overview).
document.querySelector(".skip").addEventListener("click", (ev) => {
  ev.preventDefault();
  const main = document.getElementById("console");
  if (main.hidden) document.getElementById("key").focus(); else main.focus();
});

if (state.key) start().catch(() => { sessionStorage.removeItem("saleshub-key"); state.key = null; });
