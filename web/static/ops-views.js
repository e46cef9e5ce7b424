// The ops console's list and detail views: jobs, one job, dead letters, schedules, cache, audit
// (batches and imports: ops-batches.js).
"use strict";
import { showJobBatches } from "./ops-batches.js";
import { ApiError, api, button, cell, chart, confirmAction, el, fill, ms, query, when } from "./ops-core.js";

function appendRows(id, rows, more) {
  document.querySelector(`#${id} tbody`).append(...rows);
  return more;
}

function pager(buttonId, load) {
  const more = document.getElementById(buttonId);
  let cursor = null;
  more.addEventListener("click", async () => { cursor = await load(cursor); more.hidden = !cursor; });
  return async () => {
    document.querySelector(`#${buttonId.replace("-more", "")} tbody`).replaceChildren();
    cursor = await load(null);
    more.hidden = !cursor;
  };
}

// ---------------------------------------------------------------- jobs
const jobForm = () => document.getElementById("job-filter");

const jobRow = (j) => el("tr", { dataset: { job: j.id } },
  el("td", {}, el("a", { href: `#job/${j.id}`, text: j.id.slice(0, 8) })), cell(j.type), cell(j.queue),
  cell(j.org_id ?? "—"), cell(j.status, `status-${j.status}`), cell(j.attempts, "num"), cell(when(j.created_at)),
  cell(j.error, "error"));

export const refreshJobs = pager("jobs-more", async (cursor) => {
  const page = await api("GET", `/ops/jobs?${query(jobForm(), { cursor, limit: 50 })}`);
  return appendRows("jobs", page.items.map(jobRow), page.next_cursor);
});

// ---------------------------------------------------------------- one job
export async function showJob(id) {
  const job = await api("GET", `/ops/jobs/${id}`);
  document.getElementById("h-job").textContent = `Job ${job.id}`;
  const fields = ["type", "actor", "queue", "org_id", "status", "progress", "attempts", "error", "schedule_id",
    "created_at", "dispatched_at", "started_at", "finished_at"];
  document.getElementById("job-fields").replaceChildren(...fields.flatMap((f) => [
    el("dt", { text: f }), el("dd", { text: f.endsWith("_at") ? when(job[f]) : job[f] ?? "—", class: f === "status" ? `status-${job.status}` : undefined }),
  ]));
  document.getElementById("job-params").textContent = JSON.stringify(job.params, null, 2);
  document.getElementById("job-result").textContent = JSON.stringify(job.result, null, 2);
  showJobBatches(job);
  const actions = [];
  if (job.retryable) actions.push(button("Retry", async () => {
    if (await confirmAction(`Run job ${job.id} (${job.type}) again?`, "Retry")) {
      await api("POST", `/ops/jobs/${job.id}/retry`); await showJob(id);
    }
  }));
  if (job.cancelable) actions.push(button("Cancel job", async () => {
    if (await confirmAction(`Cancel queued job ${job.id} (${job.type})?`, "Cancel job")) {
      await api("POST", `/ops/jobs/${job.id}/cancel`); await showJob(id);
    }
  }, "danger"));
  document.getElementById("job-actions").replaceChildren(...actions);
  fill("attempts", job.attempts_timeline.map((a) => el("tr", {},
    cell(a.attempt, "num"), cell(a.worker), cell(when(a.started_at)), cell(when(a.finished_at)),
    cell(ms(a.duration_ms), "num"), cell(a.outcome, `outcome-${a.outcome}`),
    el("td", {}, a.traceback ? el("details", {}, el("summary", { text: a.traceback.trim().split("\n").pop() }),
      el("pre", { text: a.traceback })) : ""))));
}

// ---------------------------------------------------------------- dead letters
const deadForm = () => document.getElementById("dead-filter");

function deadRow(d) {
  const detail = el("pre", { hidden: "" });
  const tr = el("tr", { dataset: { message: d.message_id } },
    el("td", {}, el("a", { href: `#job/${d.message_id}`, text: d.message_id.slice(0, 8) })),
    cell(d.queue), cell(d.actor), cell(new Date(d.died_at * 1000).toLocaleString()),
    el("td", { class: "error" }, d.error, detail),
    el("td", { class: "actions" },
      button("Traceback", async () => {
        if (detail.hidden) detail.textContent = (await api("GET", `/ops/dead-letters/${d.message_id}`)).traceback || "(none kept)";
        detail.hidden = !detail.hidden;
      }),
      button("Retry", async () => { await api("POST", `/ops/dead-letters/${d.message_id}/retry`); tr.remove(); }),
      button("Delete", async () => {
        if (await confirmAction(`Delete dead letter ${d.message_id} (${d.actor})? It cannot be run again.`, "Delete")) {
          await api("DELETE", `/ops/dead-letters/${d.message_id}`); tr.remove();
        }
      }, "danger")));
  return tr;
}

export const refreshDead = pager("dead-more", async (cursor) => {
  const page = await api("GET", `/ops/dead-letters?${query(deadForm(), { cursor, limit: 50 })}`);
  if (!cursor) document.getElementById("dead-total").textContent = page.total === null ? "" : `(${page.total})`;
  return appendRows("dead", page.items.map(deadRow), page.next_cursor);
});

// Bulk actions: count what the filter matches now, confirm that number, act on it; if
// the number moved meanwhile the server refuses (409) and we ask again with the new one.
async function bulk(action) {
  const filter = Object.fromEntries([...new FormData(deadForm())].filter(([, v]) => v));
  let { count } = await api("GET", `/ops/dead-letters/count?${query(deadForm())}`);
  const what = Object.keys(filter).length ? `matching ${JSON.stringify(filter)}` : "in every queue";
  for (;;) {
    if (count === 0) { document.getElementById("status").textContent = "nothing matches"; return; }
    const verb = action === "purge" ? "Purge" : "Retry";
    if (!(await confirmAction(`${verb} ${count} dead letters ${what}?`, `${verb} ${count}`))) return;
    try {
      await api("POST", `/ops/dead-letters/${action}`, { ...filter, expected_count: count });
      break;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) throw err;
      count = err.details.count;
    }
  }
  await refreshDead();
}

// ---------------------------------------------------------------- schedules
export async function refreshSchedules() {
  const data = await api("GET", "/ops/schedule");
  fill("schedules", data.items.map((s) => el("tr", { dataset: { schedule: s.id } },
    cell(s.id), cell(`${s.trigger}${s.per_org ? ", per org" : ""}${s.paused ? " (paused)" : ""}`),
    cell(when(s.last_run) || "never"), cell(s.last_status || ""), cell(new Date(s.next_run * 1000).toLocaleString()),
    el("td", { class: "fires" }, ...s.last_fires.map((f) => el("span", {
      class: `chip ${f.outcome}`, role: "img", title: `${when(f.fired_at)} · ${f.trigger} · ${f.outcome} · staged ${f.staged}, skipped ${f.skipped}`,
      "aria-label": `${when(f.fired_at)}: ${f.outcome}`,
    }))),
    el("td", { class: "actions" },
      button("Run", async () => { await api("POST", `/ops/schedule/${s.id}/run`); await refreshSchedules(); }),
      button(s.paused ? "Resume" : "Pause", async () => {
        await api("POST", `/ops/schedule/${s.id}/${s.paused ? "resume" : "pause"}`); await refreshSchedules();
      })))));
}

// ---------------------------------------------------------------- cache
let cacheRange = "hour";
export async function refreshCache() {
  const body = await api("GET", `/ops/cache?range=${cacheRange}`);
  const fields = document.getElementById("cache-fields");
  if (body.status !== "up") { fields.replaceChildren(el("dt", { text: "cache" }), el("dd", { text: `down (${body.error})` })); return; }
  const mem = body.memory;
  fields.replaceChildren(
    el("dt", { text: "keys" }), el("dd", { text: body.keys }),
    el("dt", { text: "memory" }), el("dd", { text: `${(mem.used_bytes / 1048576).toFixed(1)} MB of ${mem.max_bytes ? `${(mem.max_bytes / 1048576).toFixed(0)} MB` : "no limit"} (${mem.policy})` }),
    el("dt", { text: "evicted keys" }), el("dd", { text: mem.evicted_keys ?? "—" }),
    el("dt", { text: "enabled" }), el("dd", { text: body.enabled ? "yes" : "no" }));
  const names = Object.keys(body.namespaces);
  const pick = (k) => [body.t, ...names.map((n) => body.namespaces[n][k])];
  chart("chart-hit", names, pick("hit_rate"), { step: body.step_s });
  chart("chart-stale", names, pick("stale"), { step: body.step_s });
  chart("chart-locks", names, pick("lock_waits"), { step: body.step_s });
  const buckets = Object.entries(body.latency_ms.buckets);
  const most = Math.max(1, ...buckets.map(([, n]) => n));
  fill("cache-latency", buckets.map(([bound, n]) => {
    const bar = el("div", { class: "bar" });
    bar.style.width = `${(100 * n) / most}%`;
    return el("tr", {}, cell(bound, "num"), cell(n, "num"), el("td", { class: "share" }, bar));
  }));
  fill("hot", body.hottest.map((h) => el("tr", {}, cell(h.org_id, "num"), cell(h.key, "error"), cell(h.hits, "num"))));
}

// ---------------------------------------------------------------- audit
const auditForm = () => document.getElementById("audit-filter");
export const refreshAudit = pager("audit-more", async (cursor) => {
  const page = await api("GET", `/ops/audit?${query(auditForm(), { cursor, limit: 50 })}`);
  return appendRows("audit", page.items.map((a) => el("tr", {},
    cell(when(a.created_at)), cell(a.user_email || a.user_id || "—"), cell(a.action), cell(a.target),
    cell(JSON.stringify(a.details), "error"))), page.next_cursor);
});

export function initViews() {
  const onSubmit = (form, refresh) => form.addEventListener("submit", (ev) => { ev.preventDefault(); refresh().catch(showError); });
  onSubmit(jobForm(), refreshJobs);
  onSubmit(deadForm(), refreshDead);
  onSubmit(auditForm(), refreshAudit);
  document.getElementById("purge-all").addEventListener("click", () => bulk("purge").catch(showError));
  document.getElementById("retry-matching").addEventListener("click", () => bulk("retry").catch(showError));
  document.getElementById("cache-range").addEventListener("change", (ev) => { cacheRange = ev.target.value; refreshCache().catch(showError); });
}

function showError(err) { document.getElementById("status").textContent = `error: ${err.message}`; }
