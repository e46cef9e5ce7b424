// Fairness: per pool, the orgs with jobs in flight or waiting past their cap; each webhook
// endpoint's calls in flight and deliveries waiting in its line; endpoints their circuit
// breaker has paused. One read of GET /ops/fairness, polled while shown.
"use strict";
import { api, cell, el, fill, when } from "./ops-core.js";

// "3 / 8", marked when the cap is reached (the next job of that org waits).
function share(inFlight, cap) {
  return cell(`${inFlight} / ${cap}`, inFlight >= cap ? "num full" : "num");
}

function table(id, rows) {
  fill(id, rows);
  document.getElementById(`${id}-empty`).hidden = rows.length > 0;
}

export async function refreshFairness() {
  const body = await api("GET", "/ops/fairness");
  const orgs = Object.entries(body.pools).flatMap(([pool, p]) => p.orgs.map((o) => ({ pool, ...o })));
  table("fair-orgs", orgs.map((o) => el("tr", { dataset: { pool: o.pool, org: o.org_id } },
    cell(o.pool), cell(o.org_id, "num"), share(o.in_flight, o.cap), cell(o.waiting, "num"), cell(o.deferrals, "num"))));
  document.getElementById("fair-caps").textContent = Object.entries(body.pools)
    .map(([pool, p]) => `${pool}: ${p.cap_per_org} jobs in flight per org`).join(" · ");
  table("fair-lines", body.webhook_endpoint_lines.map((l) => el("tr", { dataset: { endpoint: l.id } },
    cell(l.id, "num"), cell(l.org_id ?? "deleted", "num"), share(l.in_flight, l.cap), cell(l.waiting, "num"))));
  table("fair-paused", body.paused_webhook_endpoints.map((e) => el("tr", { dataset: { endpoint: e.id } },
    cell(e.id, "num"), cell(e.org_id, "num"), cell(e.consecutive_failures, "num"), cell(when(e.paused_until)))));
}
