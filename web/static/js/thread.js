/* One thread, live: its card, the conversation, who else is here and typing, and the
 * customer's other threads. The card is drawn by the CardView (card_view.js) like a row
 * of the board, the messages by the Conversation (messages.js), both from the JSON the
 * server embedded and then from the events the CardSet (stream.js) applies.
 */
import { announceTakeovers, CardView, claimCommand } from "./card_view.js";
import { connect } from "./live.js";
import { Conversation } from "./messages.js";
import { el, readJson, t } from "./page.js";
import { CardSet } from "./stream.js";

const data = readJson("thread-data");
const me = data.me;
const can = new Set(me.permissions);
const threadId = data.thread.id;
const view = new CardView(me);

const ui = {
  head: view.head(document.getElementById("thread-title"),
                  document.getElementById("thread-actions")),
  status: document.getElementById("status-select"),
  priority: document.getElementById("priority-select"),
  tags: document.getElementById("tags-form"),
  assign: document.getElementById("assign-select"),
  others: document.getElementById("others"),
  othersNone: document.getElementById("others-none"),
  presence: document.getElementById("presence"),
  holdReason: document.getElementById("hold-reason"),
  error: document.getElementById("thread-error"),
  reply: document.getElementById("draft") || document.getElementById("reply"),
};

const TYPING_SHOWN_MS = 6000; // as long as the server counts someone as typing
const TYPING_EVERY_MS = 2000;

// This thread and the customer's other threads, kept current by the same events as a board.
const cards = new CardSet({ ids: [threadId, ...data.others.map((other) => other.id)] });
cards.seed([data.thread, ...data.others], data.seq);
let card = data.thread;
const conversation = new Conversation(document.getElementById("messages"),
                                      () => card.visibility);
const otherLinks = new Map(); // thread id -> its link in the list of other threads

let live = null;
let presence = { viewers: [] };
const typingUntil = new Map(); // user id -> time their "typing" stops showing
let lastTypingSent = 0;
let viewing = false;

// -- the card -----------------------------------------------------------------------

function renderCard() {
  view.fill(ui.head, card);
  if (document.activeElement !== ui.status) ui.status.value = card.status;
  if (document.activeElement !== ui.priority) ui.priority.value = card.priority;
  const tagsField = ui.tags.elements.tags;
  if (document.activeElement !== tagsField) tagsField.value = (card.tags || []).join(", ");
  if (ui.assign && document.activeElement !== ui.assign) {
    ui.assign.value = card.assignee ? String(card.assignee.id) : "";
  }
  showHold();
}

/**
 * Read-only must look read-only: while someone else holds the thread, what the server
 * would refuse (status, the reply, taking it private or back) is disabled, with the
 * reason. The reply panel (replies.js) reads #thread's data-held-by and hears tandem:hold.
 */
function showHold() {
  const heldBy = card.holder && card.holder.id !== me.id ? card.holder.name : "";
  const reason = heldBy ? t("held_reason", { name: heldBy }) : "";
  ui.holdReason.hidden = !heldBy;
  ui.holdReason.textContent = reason;
  ui.status.disabled = !can.has("thread.update") || !!heldBy;
  ui.status.title = reason;
  ui.priority.disabled = ui.status.disabled;
  ui.tags.querySelector("fieldset").disabled = ui.status.disabled;
  document.querySelectorAll("#escalation form fieldset").forEach((fieldset) => {
    fieldset.disabled = !!heldBy;
    const note = document.getElementById(fieldset.getAttribute("aria-describedby"));
    if (note) {
      note.hidden = !heldBy;
      note.textContent = reason;
    }
  });
  const root = document.getElementById("thread");
  if (root.dataset.heldBy !== heldBy) {
    root.dataset.heldBy = heldBy;
    document.dispatchEvent(new CustomEvent("tandem:hold", { detail: { heldBy, reason } }));
  }
}

function renderOthers() {
  for (const other of data.others) {
    const item = el("li", "", ui.others);
    const link = view.link();
    item.appendChild(link);
    otherLinks.set(other.id, link);
    view.fill(link._parts, other);
  }
  ui.othersNone.hidden = data.others.length > 0;
}

// -- presence -----------------------------------------------------------------------

let presenceShown = "";

function span(className, text, parent) {
  const node = el("span", className, parent);
  node.textContent = text;
  return node;
}

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
  for (const change of cards.apply(events)) {
    if (change.id !== threadId) {
      view.fill(otherLinks.get(change.id)._parts, change.card);
      continue;
    }
    if (PANEL_FIELDS.some((field) => card[field] !== change.card[field])) panelStale = true;
    card = change.card;
    renderCard();
  }
  for (const event of events) {
    const payload = event.payload || {};
    if (event.type.startsWith("escalation.") &&
        (payload.private_thread_id === threadId || payload.public_thread_id === threadId)) {
      panelStale = true; // the other end of this thread's escalation moved
    }
    if (event.thread_id !== threadId) continue;
    if (event.type === "message.added" && payload.message) conversation.add(payload.message);
    if (event.type === "message.delivery") conversation.delivered(payload.message_id, payload.status);
  }
  announceTakeovers(events, me);
  if (panelStale) refreshEscalation();
}

/** A command on this thread; a refusal shows under the thread's head, where the person acted. */
async function command(name, payload) {
  const answer = await live.call(name, { thread_id: threadId, ...payload });
  ui.error.hidden = answer.ok;
  ui.error.textContent = answer.ok ? "" : answer.error.message;
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

ui.head.action.addEventListener("click", () => {
  const action = ui.head.action.dataset.action;
  if (action) command(...claimCommand(action, card));
});

ui.status.addEventListener("change", async () => {
  const answer = await command("update", { status: ui.status.value });
  if (!answer.ok) ui.status.value = card.status;
});

ui.priority.addEventListener("change", async () => {
  const answer = await command("update", { priority: ui.priority.value });
  if (!answer.ok) ui.priority.value = card.priority;
});

ui.tags.addEventListener("submit", async (event) => {
  event.preventDefault();
  const tags = ui.tags.elements.tags.value.split(",").map((tag) => tag.trim()).filter(Boolean);
  await command("update", { tags });
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

renderCard();
renderOthers();
conversation.show(data.messages);
renderPresence();
setInterval(() => {
  view.tick(ui.head, card, Date.now());
  renderPresence();
}, 1000);
live = connect({ since: data.seq, onEvents, onConnect });
// The escalation panel is swapped in by htmx: it gets the current hold at once.
document.addEventListener("htmx:afterSwap", showHold);
live.on("presence", onPresence);
