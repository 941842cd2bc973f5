/* One thread, live: the conversation, its claim and status, who else is here and typing. */
(function () {
  "use strict";

  const T = window.Tandem;
  const t = T.t;
  const data = T.readJson("thread-data");
  const me = data.me;
  const can = new Set(me.permissions);
  let card = data.thread;
  const threadId = card.id;

  const ui = {
    claim: document.getElementById("claim"),
    release: document.getElementById("release"),
    takeOver: document.getElementById("take-over"),
    status: document.getElementById("status-select"),
    assign: document.getElementById("assign-select"),
    statusBadge: document.getElementById("thread-status"),
    holder: document.getElementById("thread-holder"),
    assignee: document.getElementById("thread-assignee"),
    clock: document.getElementById("thread-clock"),
    messages: document.getElementById("messages"),
    presence: document.getElementById("presence"),
    reply: document.getElementById("draft") || document.getElementById("reply"),
  };

  const TYPING_SHOWN_MS = 6000; // as long as the server counts someone as typing
  const TYPING_EVERY_MS = 2000;
  const NEAR_BOTTOM_PX = 80;

  const seenMessages = new Set(data.messages.map((m) => m.id));
  let live = null;
  let presence = { viewers: [] };
  const typingUntil = new Map(); // user id -> time their "typing" stops showing
  let lastTypingSent = 0;
  let viewing = false;

  // -- the card -----------------------------------------------------------------------

  function renderCard() {
    const holder = card.holder;
    const mine = !!holder && holder.id === me.id;
    ui.holder.textContent = !holder ? t("unclaimed")
      : mine ? t("claimed_by_you") : t("held_by") + " " + holder.name;
    ui.holder.className = "holder" + (mine ? " mine" : holder ? "" : " none");
    ui.assignee.textContent = card.assignee ? t("assigned_to") + " " +
      (card.assignee.id === me.id ? t("you") : card.assignee.name) : "";
    ui.claim.hidden = !!holder || !can.has("thread.claim");
    ui.release.hidden = !mine;
    ui.takeOver.hidden = !holder || mine || !can.has("thread.takeover");
    ui.statusBadge.textContent = t("status_" + card.status);
    ui.statusBadge.className = "badge status-" + card.status;
    if (document.activeElement !== ui.status) ui.status.value = card.status;
    if (ui.assign && document.activeElement !== ui.assign) {
      ui.assign.value = card.assignee ? String(card.assignee.id) : "";
    }
    ui.status.disabled = !can.has("thread.update");
    tick();
  }

  function tick() {
    const now = Date.now();
    let text = "";
    let overdue = false;
    if (card.waiting_since) {
      text = t("waiting") + " " + T.duration(now - Date.parse(card.waiting_since));
      if (card.sla_due_at) {
        const left = Date.parse(card.sla_due_at) - now;
        overdue = left < 0;
        text += " · " + (overdue ? t("overdue") + " " + T.duration(-left)
          : t("due_in") + " " + T.duration(left));
      }
    }
    ui.clock.textContent = text;
    ui.clock.classList.toggle("overdue", overdue);
  }

  // -- the conversation ---------------------------------------------------------------

  function formatTime(node) {
    const moment = new Date(node.getAttribute("datetime"));
    if (!Number.isNaN(moment.getTime())) {
      node.textContent = moment.toLocaleString(document.documentElement.lang || undefined,
        { dateStyle: "medium", timeStyle: "short" });
      node.title = moment.toISOString();
    }
  }

  function nearBottom() {
    const list = ui.messages;
    return list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM_PX;
  }

  function span(className, text, parent) {
    const node = document.createElement("span");
    node.className = className;
    node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  function appendMessage(message) {
    if (seenMessages.has(message.id)) return;
    seenMessages.add(message.id);
    const follow = nearBottom();
    const item = document.createElement("li");
    item.className = "message dir-" + message.direction + " is-new";
    item.dataset.id = message.id;
    const head = document.createElement("div");
    head.className = "message-head";
    span("message-author", message.author_name, head);
    if (message.visibility !== card.visibility) {
      span("badge vis-" + message.visibility, t(message.visibility), head);
    }
    const time = document.createElement("time");
    time.setAttribute("datetime", message.created_at);
    formatTime(time);
    head.appendChild(time);
    if (message.direction === "out") {
      const key = "delivery_" + message.delivery_status;
      span("delivery", t(key) === key ? message.delivery_status : t(key), head);
    }
    const text = document.createElement("div");
    text.className = "text";
    text.textContent = message.text;
    item.append(head, text);
    ui.messages.appendChild(item);
    if (follow) ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  // -- presence -----------------------------------------------------------------------

  let presenceShown = "";

  function renderPresence() {
    const now = Date.now();
    const others = (presence.viewers || []).filter((p) => p.id !== me.id);
    // Redrawn only on change: the line is a live region, so every redraw is read aloud.
    const signature = JSON.stringify(others.map((p) => [p.id, p.name,
      (typingUntil.get(p.id) || 0) > now]));
    if (signature === presenceShown) return;
    presenceShown = signature;
    ui.presence.replaceChildren();
    ui.presence.hidden = !others.length;
    if (!others.length) return;
    span("presence-label", t("viewing") + " ", ui.presence);
    others.forEach((person, index) => {
      const typing = (typingUntil.get(person.id) || 0) > now;
      const who = span("viewer" + (typing ? " is-typing" : ""), person.name, ui.presence);
      who.dataset.userId = person.id;
      if (typing) span("typing", " " + t("typing"), who);
      if (index < others.length - 1) ui.presence.appendChild(document.createTextNode(", "));
    });
  }

  function onPresence(summary) {
    if (!summary || (summary.thread_id !== undefined && summary.thread_id !== threadId)) return;
    presence = summary;
    const now = Date.now();
    const typing = new Set((summary.typing || []).map((p) => p.id));
    for (const person of summary.viewers || []) {
      if (typing.has(person.id) || person.typing) typingUntil.set(person.id, now + TYPING_SHOWN_MS);
      else typingUntil.delete(person.id);
    }
    renderPresence();
  }

  // -- events and commands ------------------------------------------------------------

  // What the escalation panel shows depends on these; when one changes, it is fetched again.
  const PANEL_FIELDS = ["visibility", "status", "private_thread_id", "public_thread_id",
    "private_reply_until", "message_window_until"];

  function refreshEscalation() {
    const panel = document.getElementById("escalation");
    if (panel && window.htmx) window.htmx.trigger(panel, "refresh");
  }

  function onEvents(events) {
    let panelStale = false;
    for (const event of events) {
      const payload = event.payload || {};
      const eventCard = payload.card;
      if (event.type.startsWith("escalation.") &&
          (payload.private_thread_id === threadId || payload.public_thread_id === threadId)) {
        panelStale = true;  // the other end of this thread's escalation moved
      }
      if (!eventCard || eventCard.id !== threadId) continue;
      if (PANEL_FIELDS.some((field) => card[field] !== eventCard[field])) panelStale = true;
      card = eventCard;
      if (event.type === "message.added" && payload.message) appendMessage(payload.message);
      if (event.type === "thread.claimed" && payload.taken_over_from &&
          payload.taken_over_from.id === me.id) {
        T.toast(t("taken_over", { name: payload.holder.name }), "info");
      }
    }
    renderCard();
    if (panelStale) refreshEscalation();
  }

  async function command(name, payload) {
    const answer = await live.call(name, { thread_id: threadId, ...payload });
    if (!answer.ok) T.toast(answer.error.message);
    return answer;
  }

  async function onConnect() {
    viewing = false;
    const answer = await live.call("view", { thread_id: threadId });
    if (answer.ok) {
      viewing = true;
      onPresence(answer.presence);
    }
  }

  ui.claim.addEventListener("click", () => command("claim", {}));
  ui.release.addEventListener("click", () => command("release", {}));
  ui.takeOver.addEventListener("click", () => command("claim", { take_over: true }));
  ui.status.addEventListener("change", async () => {
    const wanted = ui.status.value;
    const answer = await command("update", { status: wanted });
    if (!answer.ok) ui.status.value = card.status;
  });

  if (ui.assign) {
    ui.assign.addEventListener("change", async () => {
      const userId = ui.assign.value ? Number(ui.assign.value) : null;
      const answer = await command("assign", { user_id: userId });
      if (!answer.ok) ui.assign.value = card.assignee ? String(card.assignee.id) : "";
    });
  }

  if (ui.reply) {
    ui.reply.addEventListener("input", () => {
      const now = Date.now();
      if (!viewing || !can.has("draft.edit") || now - lastTypingSent < TYPING_EVERY_MS) return;
      lastTypingSent = now;
      live.call("typing", { thread_id: threadId, typing: true });
    });
  }

  // -- start --------------------------------------------------------------------------

  ui.messages.querySelectorAll("time[datetime]").forEach(formatTime);
  ui.messages.scrollTop = ui.messages.scrollHeight;
  renderCard();
  renderPresence();
  setInterval(() => {
    tick();
    renderPresence();
  }, 1000);
  live = T.connect({ since: data.seq, onEvents, onConnect });
  live.on("presence", onPresence);
})();
