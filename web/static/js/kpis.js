/* The war room's figures: read once from /api/kpis, then pushed by the server every few
 * seconds as `kpis` (server/warroom/service.py). Each figure keeps a short history for its
 * sparkline (the inbound volume has its own: the last 13 five-minute buckets). The levels
 * (normal, watch, alert) are the rules in docs/war-room.md, and are said in words too. */
import { duration } from "./page.js";

const HISTORY = 60;
const history = new Map();

const percent = (share) => (share === null ? "–" : `${Math.round(share * 100)} %`);
const seconds = (value) => (value === null ? "–" : duration(value * 1000));

// [text, level, value for the sparkline] of each figure.
const FIGURES = {
  volume: (k) => [String(k.volume),
    k.volume > 2 * k.volume_baseline + 5 ? "alert" : k.volume > k.volume_baseline + 5 ? "warn" : "ok",
    null],
  backlog: (k) => [String(k.backlog), k.backlog > 100 ? "alert" : k.backlog > 30 ? "warn" : "ok",
    k.backlog],
  oldest_wait: (k) => [seconds(k.oldest_wait_seconds),
    k.oldest_wait_seconds > 4 * 3600 ? "alert" : k.oldest_wait_seconds > 3600 ? "warn" : "ok",
    k.oldest_wait_seconds],
  first_response: (k) => [`${seconds(k.first_response_p50_seconds)} / ${seconds(k.first_response_p90_seconds)}`,
    k.first_response_p90_seconds > 3600 ? "alert" : k.first_response_p90_seconds > 1800 ? "warn" : "ok",
    k.first_response_p50_seconds],
  sla_compliance: (k) => [percent(k.sla_compliance),
    k.sla_compliance === null ? "ok" : k.sla_compliance < 0.8 ? "alert" : k.sla_compliance < 0.95 ? "warn" : "ok",
    k.sla_compliance],
  negative_share: (k) => [percent(k.negative_share),
    k.negative_share > 0.5 ? "alert" : k.negative_share > 0.3 ? "warn" : "ok", k.negative_share],
  escalation_rate: (k) => [percent(k.escalation_rate), "ok", k.escalation_rate],
  repeat_contacts: (k) => [percent(k.repeat_contacts),
    k.repeat_contacts > 0.3 ? "warn" : "ok", k.repeat_contacts],
  agents_online: (k) => [String(k.agents_online), "ok", k.agents_online],
  approvals_waiting: (k) => [String(k.approvals_waiting),
    k.approvals_waiting > 20 ? "alert" : k.approvals_waiting > 5 ? "warn" : "ok", k.approvals_waiting],
};

function spark(svg, values) {
  const numbers = values.map((v) => (v === null || v === undefined ? 0 : v));
  const top = Math.max(1, ...numbers);
  const step = numbers.length > 1 ? 100 / (numbers.length - 1) : 100;
  const points = numbers.map((v, i) => `${(i * step).toFixed(1)},${(23 - (v / top) * 22).toFixed(1)}`);
  svg.querySelector("polyline").setAttribute("points", points.join(" "));
}

export function showKpis(root, kpis) {
  const levels = JSON.parse(root.dataset.levels);
  for (const box of root.querySelectorAll(".kpi")) {
    const key = box.dataset.kpi;
    const [text, level, value] = FIGURES[key](kpis);
    box.querySelector(".kpi-value").textContent = text;
    box.dataset.level = level;
    box.querySelector(".kpi-level").textContent = level === "ok" ? "" : levels[level];
    let series = kpis.volume_series;
    if (key !== "volume") {
      series = history.get(key) || [];
      series.push(value);
      if (series.length > HISTORY) series.shift();
      history.set(key, series);
    }
    spark(box.querySelector(".spark"), series);
  }
  const baseline = root.querySelector(".kpi-baseline");
  if (baseline) baseline.textContent = String(kpis.volume_baseline);
  root.dataset.at = kpis.at;
}

/** Read the figures now, then follow the server's pushes on `live`. */
export async function followKpis(root, live) {
  live.on("kpis", (kpis) => showKpis(root, kpis));
  const answer = await fetch("/api/kpis", { headers: { Accept: "application/json" } });
  if (answer.ok) showKpis(root, await answer.json());
}
