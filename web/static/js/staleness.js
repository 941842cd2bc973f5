/* The staleness banner: when this page's live connection is down, or up but behind the
 * desk, a banner across the page says so, with the time since the page was last known to
 * be current. The small pill in the top bar is easy to miss in a crisis; this is not.
 *
 * live.js reports what it sees (the socket's state, events and `head` announcements);
 * this module only decides when the page counts as stale and draws the banner.
 */
import { duration, t } from "./page.js";

// A reconnect or a resume this short is normal and must not flash a banner.
const GRACE_MS = 3000;
// The server announces its head every few seconds (TANDEM_HEAD_INTERVAL_SECONDS, 5 by
// default): a socket that is "up" but has heard nothing for this long is not current.
const SILENT_MS = 20000;
const TICK_MS = 1000;

let state = "reconnecting";
let downSince = Date.now(); // when the socket last left "live"
let behindSince = null; // when a head first said events were missed, until caught up
let lastCurrent = Date.now(); // the page was rendered current
let banner = null;
let shownReason = null;

/** The socket's state changed: "live", "reconnecting" or "offline". */
export function connectionState(next) {
  if (next !== "live" && state === "live") downSince = Date.now();
  state = next;
  update();
}

/** The page is known to be current now (events applied, a resume answered, a head matched). */
export function current() {
  lastCurrent = Date.now();
  behindSince = null;
  update();
}

/** A head announced events this page never got: it stays behind until current() again. */
export function behind() {
  if (behindSince === null) behindSince = Date.now();
  update();
}

function reason(now) {
  if (state !== "live") {
    if (now - downSince < GRACE_MS) return null;
    return state === "offline" ? "stale_offline" : "stale_reconnecting";
  }
  if (behindSince !== null && now - behindSince >= GRACE_MS) return "stale_behind";
  if (now - lastCurrent >= SILENT_MS) return "stale_silent";
  return null;
}

function draw() {
  banner = document.createElement("div");
  banner.className = "stale-banner";
  banner.id = "stale-banner";
  banner.hidden = true;
  // The reason is announced once when it appears; the ticking time is not re-announced.
  banner.setAttribute("role", "alert");
  const why = document.createElement("strong");
  why.className = "why";
  const since = document.createElement("span");
  since.className = "since";
  since.setAttribute("aria-live", "off");
  const reload = document.createElement("button");
  reload.type = "button";
  reload.textContent = t("stale_reload");
  reload.addEventListener("click", () => window.location.reload());
  banner.append(why, " ", since, " ", reload);
  const header = document.querySelector("header.topbar");
  if (header) header.after(banner);
  else document.body.prepend(banner);
}

function update() {
  if (!banner) return;
  const now = Date.now();
  const why = reason(now);
  banner.hidden = why === null;
  document.body.classList.toggle("stale", why !== null);
  if (why === null) {
    shownReason = null;
    return;
  }
  if (why !== shownReason) {
    banner.querySelector(".why").textContent = t(why);
    banner.dataset.reason = why.replace("stale_", "");
    shownReason = why;
  }
  const at = new Date(lastCurrent).toLocaleTimeString(document.documentElement.lang || undefined);
  banner.querySelector(".since").textContent =
    t("stale_since", { ago: duration(now - lastCurrent), time: at });
}

/** Start watching: called once by connect(). */
export function watch() {
  if (banner) return;
  draw();
  setInterval(update, TICK_MS);
}
