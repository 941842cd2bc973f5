/* Tandem's live connection, shared by the board and the thread page.
 *
 * Socket.IO over websocket only, then `resume` from the last sequence number this page
 * applied: the server replays what the page missed and keeps it live from there. `head`
 * announcements and reconnects trigger the same resume, so a lost push is repaired. Which
 * events are new, and where the page stands, is the Stream's business (stream.js).
 */
import { duration, readJson, t, toast } from "./page.js";
import * as staleness from "./staleness.js";
import { Stream } from "./stream.js";

const ACK_TIMEOUT_MS = 10000;
const RELOAD_DELAY_MS = 1500;

const STATE_LABELS = { live: "online", reconnecting: "reconnecting", offline: "offline" };

function showConnection(state) {
  const indicator = document.getElementById("connection");
  if (!indicator) return;
  indicator.hidden = false;
  indicator.dataset.state = state;
  const label = indicator.querySelector(".label") || indicator;
  label.textContent = t(STATE_LABELS[state]);
  staleness.connectionState(state);
}

/**
 * Connect and stay in sync from `since`.
 * options: {since, onEvents(events), onConnect(live)?, onReload()?}
 * Returns {call(name, data): Promise<answer>, on(name, handler)}.
 */
export function connect(options) {
  const stream = new Stream(options.since);
  let resumingOn = null; // the socket id a resume is in flight for
  let resumeAgain = false;
  let reloading = false;
  // cards=newest: each batch carries a thread's card once, with its newest event.
  staleness.watch();
  const socket = window.io({ transports: ["websocket"], query: { cards: "newest" } });
  showConnection("reconnecting");

  function call(name, data) {
    return new Promise((resolve) => {
      socket.timeout(ACK_TIMEOUT_MS).emit(name, data || {}, (err, answer) => {
        if (err || !answer) {
          resolve({ ok: false, error: { code: "no_answer", message: t("no_answer") } });
        } else {
          resolve(answer);
        }
      });
    });
  }

  function reload() {
    if (reloading) return;
    reloading = true;
    if (options.onReload) options.onReload();
    toast(t("reload"), "info");
    setTimeout(() => window.location.reload(), RELOAD_DELAY_MS);
  }

  async function resume() {
    const sid = socket.id;
    if (!sid) return;
    if (resumingOn === sid) {
      resumeAgain = true;
      return;
    }
    resumingOn = sid;
    try {
      do {
        resumeAgain = false;
        const answer = await call("resume", { since: stream.seq });
        if (socket.id !== sid) return; // a newer connection resumes for itself
        if (!answer.ok) {
          if (answer.error.code !== "no_answer") toast(answer.error.message);
          return;
        }
        if (answer.reload) {
          reload();
          return;
        }
        stream.resumed(answer.seq);
        showConnection("live");
        staleness.current();
      } while (resumeAgain);
    } finally {
      if (resumingOn === sid) resumingOn = null;
    }
  }

  socket.on("connect", () => {
    resume();
    if (options.onConnect) options.onConnect(api);
  });

  socket.on("disconnect", (reason) => {
    showConnection(reason === "io client disconnect" ? "offline" : "reconnecting");
  });

  socket.on("connect_error", (error) => {
    if (error && error.data && error.data.code === "unauthenticated") {
      showConnection("offline");
      toast(t("signed_out"));
    } else {
      showConnection("reconnecting");
    }
  });

  socket.io.on("reconnect_failed", () => showConnection("offline"));

  socket.on("events", (batch) => {
    if (reloading) return;
    const fresh = stream.take(batch);
    staleness.current();
    if (!fresh.length) return;
    options.onEvents(fresh);
    // Other panels of the page (replies, notes, the crisis banner) listen here.
    document.dispatchEvent(new CustomEvent("tandem:events", { detail: fresh }));
  });

  socket.on("head", (head) => {
    if (stream.behind(head)) {
      staleness.behind();
      resume();
    } else {
      staleness.current();
    }
  });

  window.addEventListener("offline", () => showConnection("offline"));
  window.addEventListener("online", () => {
    if (!socket.connected) {
      showConnection("reconnecting");
      socket.connect();
    }
  });

  const api = { call, on: (name, handler) => socket.on(name, handler) };
  return api;
}

// The reply panel, notes, templates and approvals are classic scripts (loaded with
// `defer`, after this module): they reach these through one global.
window.Tandem = { readJson, t, toast, connect, duration };
