/* Desk-wide notices: the crisis banner on every page, and personal notifications (a
 * mention, a decision on one's reply) as toasts, from the page's live connection. */
(function () {
  "use strict";

  const banner = document.getElementById("crisis-banner");
  if (!banner) return;
  const message = document.getElementById("crisis-message");

  function t(key, vars) {
    return window.Tandem ? window.Tandem.t(key, vars) : key;
  }

  function toast(text, kind) {
    if (window.Tandem) window.Tandem.toast(text, kind);
  }

  function showCrisis(state) {
    banner.hidden = !state.on;
    message.textContent = state.message || "";
    document.body.classList.toggle("crisis", !!state.on);
  }

  fetch("/api/crisis", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((answer) => { if (answer) showCrisis(answer.crisis); })
    .catch(() => {});

  function link(threadId, text) {
    return text + " (#" + threadId + ")";
  }

  document.addEventListener("tandem:events", (event) => {
    event.detail.forEach((ev) => {
      const p = ev.payload || {};
      if (ev.type === "crisis.changed") {
        showCrisis(p);
        toast(t(p.on ? "rp_crisis_on" : "rp_crisis_off"), "info");
      } else if (ev.type === "notification.mentioned") {
        toast(link(p.thread_id, t("rp_mentioned", { name: p.by.name, text: p.text })), "info");
      } else if (ev.type === "notification.reply_decided") {
        toast(link(p.thread_id, t("rp_decided_" + p.status,
          { name: p.by.name, comment: p.comment || "" })), p.status === "rejected" ? "error" : "info");
      } else if (ev.type === "notification.approval_handed") {
        toast(link(p.thread_id, t("rp_handed_to_you", { name: p.by.name, text: p.excerpt })),
          "info");
      }
    });
  });
})();
