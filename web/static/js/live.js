/* Tandem's live connection, shared by the board and the thread page.
 *
 * Socket.IO over websocket only, then `resume` from the last sequence number this page
 * applied: the server replays what the page missed and keeps it live from there. `head`
 * announcements and reconnects trigger the same resume, so a lost push is repaired.
 */
(function () {
  "use strict";

  const ACK_TIMEOUT_MS = 10000;
  const RELOAD_DELAY_MS = 1500;

  function readJson(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  const strings = readJson("i18n") || {};

  /** A translated string from #i18n, with {name} placeholders filled in. */
  function t(key, vars) {
    const text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole);
  }

  function toast(message, kind) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const level = kind || "error";
    const note = document.createElement("div");
    note.className = "toast toast-" + level;
    note.setAttribute("role", level === "error" ? "alert" : "status");
    note.textContent = message;
    box.appendChild(note);
    while (box.children.length > 4) box.firstElementChild.remove();
    setTimeout(() => note.remove(), level === "error" ? 8000 : 5000);
  }

  /**
   * A batch leaves out each card that a later event of the same batch replaces; such an
   * event names the one carrying the newer card (`card_in`). Hand it that card (the same
   * object), so whoever reads events one at a time still finds the thread's card.
   */
  function restoreCards(events) {
    let carriers = null;
    for (const event of events) {
      if (!event.card_in) continue;
      if (!carriers) {
        carriers = new Map();
        for (const other of events) {
          if (other.payload && other.payload.card) carriers.set(other.seq, other.payload.card);
        }
      }
      const card = carriers.get(event.card_in);
      if (card && event.payload) event.payload.card = card;
    }
  }

  const STATE_LABELS = { live: "online", reconnecting: "reconnecting", offline: "offline" };

  function showConnection(state) {
    const indicator = document.getElementById("connection");
    if (!indicator) return;
    indicator.hidden = false;
    indicator.dataset.state = state;
    const label = indicator.querySelector(".label") || indicator;
    label.textContent = t(STATE_LABELS[state]);
  }

  /**
   * Connect and stay in sync from `since`.
   * options: {since, onEvents(events), onConnect(live)?, onReload()?}
   * Returns {call(name, data): Promise<answer>, on(name, handler), lastSeq()}.
   */
  function connect(options) {
    let lastSeq = options.since || 0;
    let resumingOn = null; // the socket id a resume is in flight for
    let resumeAgain = false;
    let reloading = false;
    // cards=newest: each batch carries a thread's card once, with its newest event.
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
          const answer = await call("resume", { since: lastSeq });
          if (socket.id !== sid) return; // a newer connection resumes for itself
          if (!answer.ok) {
            if (answer.error.code !== "no_answer") toast(answer.error.message);
            return;
          }
          if (answer.reload) {
            reload();
            return;
          }
          lastSeq = Math.max(lastSeq, answer.seq);
          showConnection("live");
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
      if (reloading || !batch || !Array.isArray(batch.events)) return;
      restoreCards(batch.events);
      // A replay may repeat an event this page already applied: keep only newer ones.
      let applied = lastSeq;
      const fresh = [];
      for (const event of batch.events) {
        if (event.seq > applied) {
          fresh.push(event);
          applied = event.seq;
        }
      }
      lastSeq = Math.max(applied, batch.upto || 0);
      if (fresh.length) {
        options.onEvents(fresh);
        // Other panels of the page (replies, the crisis banner) listen here.
        document.dispatchEvent(new CustomEvent("tandem:events", { detail: fresh }));
      }
    });

    socket.on("head", (head) => {
      if (head && head.seq > lastSeq) resume();
    });

    window.addEventListener("offline", () => showConnection("offline"));
    window.addEventListener("online", () => {
      if (!socket.connected) {
        showConnection("reconnecting");
        socket.connect();
      }
    });

    const api = {
      call,
      on: (name, handler) => socket.on(name, handler),
      lastSeq: () => lastSeq,
      connected: () => socket.connected,
    };
    return api;
  }

  /** "4m", "2h 05m": a compact duration in the user's language. */
  function duration(ms) {
    const seconds = Math.max(0, Math.floor(ms / 1000));
    if (seconds < 60) return t("dur_s", { s: seconds });
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return t("dur_m", { m: minutes });
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return t("dur_h", { h: hours, m: String(minutes % 60).padStart(2, "0") });
    return t("dur_d", { d: Math.floor(hours / 24), h: hours % 24 });
  }

  window.Tandem = { readJson, t, toast, connect, duration };
})();
