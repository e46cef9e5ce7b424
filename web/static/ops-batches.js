// Batches & imports: every org's imports with their progress, batches with their members by
// status, and a job's batch panel. Polled while shown (the jobs socket channel is per org).
"use strict";
import { api, cell, el, query, when } from "./ops-core.js";

// Finished statuses first, then what is still to run: the bar fills from the left.
const ORDER = ["succeeded", "failed", "dead", "canceled", "running", "queued"];
const PAGE = 50;

// Members by status as a stacked bar (one segment per status) and its counts in words.
export function membersBar(members) {
  const statuses = [...ORDER, ...Object.keys(members).filter((s) => !ORDER.includes(s))].filter((s) => members[s]);
  const total = statuses.reduce((sum, s) => sum + members[s], 0);
  const words = statuses.map((s) => `${members[s]} ${s}`).join(" · ") || "no members";
  const bar = el("div", { class: "stack", role: "img", "aria-label": words });
  for (const s of statuses) {
    const seg = el("span", { class: `seg seg-${s}`, title: `${s}: ${members[s]}`, dataset: { status: s, count: members[s] } });
    seg.style.width = `${(100 * members[s]) / total}%`;
    bar.append(seg);
  }
  return el("div", { class: "members" }, bar, el("span", { class: "counts", text: words }));
}

function progressBar(value) {
  if (value === null || value === undefined) return el("span", { text: "—" });
  return el("span", { class: "progress" }, el("progress", { max: 100, value, "aria-label": `${value}%` }), ` ${value}%`);
}

const callbackText = (c) => (c ? `${c.type || c.actor}: ${c.state}${c.staged_at ? ` (${when(c.staged_at)})` : ""}` : "none");

// A list that pages on with "Load more" and, when polled, reloads as many rows as it shows
// (a page or more), so progress moves without losing the pages the operator opened.
function polledList(id, path, form, row) {
  const more = document.getElementById(`${id}-more`);
  const empty = document.getElementById(`${id}-empty`);
  let cursor = null, shown = 0;
  async function load(limit, after) {
    const page = await api("GET", `${path}?${query(form(), { cursor: after, limit })}`);
    const rows = page.items.map(row);
    const body = document.querySelector(`#${id} tbody`);
    if (after) body.append(...rows); else body.replaceChildren(...rows);
    shown = after ? shown + rows.length : rows.length;
    cursor = page.next_cursor;
    more.hidden = !cursor;
    empty.hidden = shown > 0;
  }
  more.addEventListener("click", () => load(PAGE, cursor));
  return {
    reset: () => load(PAGE, null),
    poll: () => load(Math.min(200, Math.max(PAGE, shown)), null),
  };
}

const importForm = () => document.getElementById("import-filter");
const batchForm = () => document.getElementById("batch-filter");

const importRow = (i) => el("tr", { dataset: { import: i.id } },
  el("td", {}, i.job_id ? el("a", { href: `#job/${i.job_id}`, text: i.id.slice(0, 8) }) : i.id.slice(0, 8)),
  cell(i.org_id, "num"), cell(`${i.type}${i.dry_run ? " (dry run)" : ""}`), cell(i.filename, "error"),
  cell(i.status, `status-${i.status}`), el("td", { class: "progress-cell" }, progressBar(i.progress)),
  cell(i.rows_read, "num read"), cell(i.committed, "num committed"), cell(i.rejected, "num rejected"),
  cell(when(i.started_at)), cell(when(i.updated_at)));

const batchRow = (b) => el("tr", { dataset: { batch: b.id } },
  el("td", {}, el("a", { href: `#job/${b.id}`, text: b.id.slice(0, 8) })), cell(b.type), cell(b.org_id ?? "—", "num"),
  cell(b.status, `status-${b.status}`), el("td", { class: "members-cell" }, membersBar(b.members)),
  cell(callbackText(b.callback)),
  el("td", {}, b.parent_id ? el("a", { href: `#job/${b.parent_id}`, text: b.parent_id.slice(0, 8) }) : "—"),
  cell(when(b.created_at)));

let lists = null;
function views() {
  lists ??= {
    imports: polledList("imports", "/ops/imports", importForm, importRow),
    batches: polledList("batches", "/ops/batches", batchForm, batchRow),
  };
  return lists;
}

export const refreshBatches = () => Promise.all([views().imports.reset(), views().batches.reset()]);
export const pollBatches = () => Promise.all([views().imports.poll(), views().batches.poll()]);

// The job view's panels: the batch the job is, and the batch it is a member of.
function batchFields(b) {
  const fields = [
    ["batch", el("a", { href: `#job/${b.id}`, text: b.id })], ["type", b.type], ["org_id", b.org_id ?? "—"],
    ["status", b.status], ["progress", `${b.progress}% (${b.total - b.pending} of ${b.total} final)`],
    ["members", membersBar(b.members)], ["callback", callbackText(b.callback)],
    ["parent", b.parent_id ? el("a", { href: `#job/${b.parent_id}`, text: b.parent_id }) : "—"],
  ];
  return fields.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", {}, v)]);
}

export function showJobBatches(job) {
  for (const [key, id] of [["batch", "job-batch"], ["parent_batch", "job-parent-batch"]]) {
    const section = document.getElementById(id);
    section.hidden = !job[key];
    section.querySelector("dl").replaceChildren(...(job[key] ? batchFields(job[key]) : []));
  }
}

export function initBatches(showError) {
  const onSubmit = (form, list) => form.addEventListener("submit", (ev) => { ev.preventDefault(); views()[list].reset().catch(showError); });
  onSubmit(importForm(), "imports");
  onSubmit(batchForm(), "batches");
  importForm().elements.active.addEventListener("change", () => views().imports.reset().catch(showError));
}
