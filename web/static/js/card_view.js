/* A thread's card as people see it, drawn from the card JSON (docs/api.md, "A card"):
 * network, author, badges (public or private, status, priority, awaiting approval), tags,
 * the linked thread, the SLA clock and the network's reply window, who holds and who is
 * assigned, and the one claim action the reader can take.
 *
 * The board draws each row with it and the thread page its head (and the customer's other
 * threads), the first time from the JSON the server embedded and then from every event.
 * Parts are built once and filled again on change: `fill` touches only their text and
 * classes, so a row can be reused for another card.
 */
import { duration, el, t, toast } from "./page.js";

const SOON_MS = 15 * 60 * 1000;

/** The waiting time, SLA clock and reply window of a card at `now`: {text, state}. */
export function clock(card, now) {
  let text = "";
  let state = "";
  const waiting = card.waiting_since ? Date.parse(card.waiting_since) : null;
  if (waiting !== null) {
    text = t("waiting") + " " + duration(now - waiting);
    if (card.sla_due_at) {
      const left = Date.parse(card.sla_due_at) - now;
      if (left < 0) {
        text += " · " + t("overdue") + " " + duration(-left);
        state = "overdue";
      } else {
        text += " · " + t("due_in") + " " + duration(left);
        if (left < SOON_MS) state = "soon";
      }
    }
  }
  // The network's window: a private reply to the comment, or a message in private.
  const windowEnd = card.private_reply_until || card.message_window_until;
  if (windowEnd) {
    const left = Date.parse(windowEnd) - now;
    text += (text ? " · " : "") +
      t(card.private_reply_until ? "window_private_reply" : "window_message") + " " +
      (left > 0 ? duration(left) : t("window_closed"));
  }
  return { text, state };
}

/** The command an action button sends: [name, data]. */
export function claimCommand(action, card) {
  if (action === "release") return ["release", { thread_id: card.id }];
  const data = { thread_id: card.id };
  if (action === "take_over") data.take_over = true;
  return ["claim", data];
}

/** Tell `me` when someone took over a thread they held. */
export function announceTakeovers(events, me) {
  for (const event of events) {
    const payload = event.payload || {};
    if (event.type === "thread.claimed" && payload.taken_over_from &&
        payload.taken_over_from.id === me.id) {
      toast(t("taken_over", { name: payload.holder.name }), "info");
    }
  }
}

function setBadge(node, text, className) {
  node.hidden = !text;
  node.textContent = text || "";
  node.className = "badge " + className;
}

/** How the newest inbound message sounds, in words (not colour alone), and its language. */
function showReading(node, reading) {
  const mood = reading ? t("mood_" + reading.label) : "";
  const language = reading && reading.language ? reading.language.toUpperCase() : "";
  setBadge(node, language ? mood + " · " + language : mood,
           "mood mood-" + (reading ? reading.label : "none"));
  node.title = reading ? t("mood_title", {
    mood, language: reading.language ? t("language_" + reading.language) : "-" }) : "";
}

function button(className, parent) {
  const node = el("button", className, parent);
  node.type = "button";
  return node;
}

export class CardView {
  /** me: {id, permissions}, the reader. */
  constructor(me) {
    this.me = me;
    this.can = new Set(me.permissions);
  }

  /** A board row: a listbox option whose parts are in row._parts. */
  row() {
    const row = el("div", "card");
    row.setAttribute("role", "option");
    const main = el("div", "card-main", row);
    const top = el("div", "card-top", main);
    // A row only names what is out of the ordinary: an open thread has no status badge.
    const p = { compact: true };
    p.net = el("span", "net", top);
    p.author = el("a", "author", top);
    p.author.tabIndex = -1; // the list moves the keyboard, not the tab key
    p.open = p.author; // the author's name opens the thread
    p.handle = el("span", "handle", top);
    this.badges(p, top);
    p.tags = el("span", "tags", top);
    p.linked = el("a", "linked", top);
    p.linked.tabIndex = -1;
    p.count = el("span", "msg-count", top);
    p.excerpt = el("div", "excerpt", main);
    const meta = el("div", "card-meta", row);
    p.clock = el("span", "clock", meta);
    const who = el("span", "who", meta);
    p.holder = el("span", "holder", who);
    p.assignee = el("span", "assignee", who);
    p.action = button("act", row);
    p.action.tabIndex = -1;
    row._parts = p;
    return row;
  }

  /**
   * The head of the thread page: the title into `title`, the action button first in
   * `actions`. Each part gets an id (thread-holder, thread-status, ...).
   */
  head(title, actions) {
    const p = { compact: false };
    const h1 = el("h1", "", title);
    p.net = el("span", "net", h1);
    p.author = el("span", "author", h1);
    p.handle = el("small", "handle", h1);
    const meta = el("div", "meta", title);
    this.badges(p, meta);
    p.channel = el("span", "channel", meta);
    p.holder = el("span", "holder", meta);
    p.assignee = el("span", "assignee", meta);
    p.clock = el("span", "clock", meta);
    p.tags = el("span", "tags", meta);
    p.linked = el("a", "linked", meta);
    p.action = button("act", null);
    actions.prepend(p.action);
    for (const [name, node] of Object.entries(p)) {
      if (node instanceof Element) node.id = "thread-" + name;
    }
    return p;
  }

  /** A link to another thread: network, badges and excerpt. */
  link() {
    const link = el("a", "thread-link");
    const p = { compact: false, open: link };
    p.net = el("span", "net", link);
    this.badges(p, link);
    p.excerpt = el("span", "excerpt", link);
    link._parts = p;
    return link;
  }

  badges(p, parent) {
    p.visibility = el("span", "badge", parent);
    p.status = el("span", "badge", parent);
    p.priority = el("span", "badge", parent);
    p.approval = el("span", "badge", parent);
    p.mood = el("span", "badge", parent);
    p.routed = el("span", "badge routed", parent);
  }

  /** Show `card` in parts made by row(), head() or link(); answers the clock's state. */
  fill(p, card) {
    const me = this.me;
    p.net.textContent = card.network;
    p.net.className = "net net-" + card.network;
    if (p.open) p.open.href = "/threads/" + card.id;
    if (p.author) p.author.textContent = card.author.name;
    if (p.handle) p.handle.textContent = card.author.handle ? "@" + card.author.handle : "";
    setBadge(p.visibility, t(card.visibility), "vis-" + card.visibility);
    setBadge(p.status, p.compact && card.status === "open" ? "" : t("status_" + card.status),
             "status-" + card.status);
    setBadge(p.priority, card.priority === "high" || card.priority === "urgent"
      ? t("priority_" + card.priority) : "", "prio-" + card.priority);
    setBadge(p.approval, card.awaiting_approval ? t("awaiting_approval") : "",
             "awaiting-approval");
    showReading(p.mood, card.reading);
    setBadge(p.routed, card.routed_by ? t("routed_by", { name: card.routed_by }) : "", "routed");
    if (p.channel) p.channel.textContent = card.channel_name || "";
    if (p.tags) {
      p.tags.replaceChildren(...(card.tags || []).map((tag) => {
        const chip = el("span", "tag");
        chip.textContent = tag;
        return chip;
      }));
    }
    if (p.linked) {
      const linkedId = card.private_thread_id || card.public_thread_id;
      p.linked.hidden = !linkedId;
      p.linked.textContent = "";
      if (linkedId) {
        p.linked.href = "/threads/" + linkedId;
        p.linked.textContent = card.private_thread_id ? t("private_thread") : t("public_thread");
      }
    }
    if (p.count) {
      p.count.textContent = card.message_count > 1 ? card.message_count + " " + t("messages") : "";
    }
    if (p.excerpt) {
      p.excerpt.textContent = card.excerpt;
      p.excerpt.title = card.excerpt;
    }
    if (p.holder) {
      const holder = card.holder;
      const mine = !!holder && holder.id === me.id;
      p.holder.textContent = !holder ? t("unclaimed")
        : mine ? t("claimed_by_you") : t("held_by") + " " + holder.name;
      p.holder.className = "holder" + (mine ? " mine" : holder ? "" : " none");
    }
    if (p.assignee) {
      const assignee = card.assignee;
      p.assignee.hidden = !assignee;
      p.assignee.textContent = assignee ? t("assigned_to") + " " +
        (assignee.id === me.id ? t("you") : assignee.name) : "";
    }
    if (p.action) {
      const action = this.action(card);
      p.action.hidden = !action;
      p.action.textContent = action ? t(action) : "";
      p.action.dataset.action = action || "";
    }
    return p.clock ? this.tick(p, card, Date.now()) : "";
  }

  /** Bring the clock of `card` to `now`; answers its state ("overdue", "soon" or ""). */
  tick(p, card, now) {
    const { text, state } = clock(card, now);
    if (p.clock.textContent !== text) p.clock.textContent = text;
    p.clock.classList.toggle("overdue", state === "overdue");
    p.clock.classList.toggle("soon", state === "soon");
    return state;
  }

  /** What the reader can do about the claim: claim, release, take_over or nothing. */
  action(card) {
    if (!this.can.has("thread.claim")) return null;
    if (!card.holder) return "claim";
    if (card.holder.id === this.me.id) return "release";
    return this.can.has("thread.takeover") ? "take_over" : null;
  }
}
