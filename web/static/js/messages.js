/* The conversation of a thread: every message drawn here, the ones the server embedded in
 * the page and the ones that arrive live (message.added), and their delivery as the
 * network reports it (message.delivery).
 */
import { el, t } from "./page.js";

const NEAR_BOTTOM_PX = 80;

function formatTime(node, iso) {
  node.setAttribute("datetime", iso || "");
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return;
  node.textContent = moment.toLocaleString(document.documentElement.lang || undefined,
    { dateStyle: "medium", timeStyle: "short" });
  node.title = moment.toISOString();
}

function deliveryLabel(status) {
  const key = "delivery_" + status;
  return t(key) === key ? status : t(key);
}

/** Who else is in a sent reply besides its submitter: "with Ben · corrected by Cleo". */
function authorCredits(authors) {
  const co = authors.filter((a) => a.part === "co-wrote").map((a) => a.name);
  const corrected = authors.filter((a) => a.part === "corrected").map((a) => a.name);
  const parts = [];
  if (co.length) parts.push(t("rp_with", { names: co.join(", ") }));
  if (corrected.length) parts.push(t("rp_corrected_by", { name: corrected.join(", ") }));
  return parts.join(" · ");
}

export class Conversation {
  /** list: the <ol> of messages; visibility(): the thread's own (other messages say theirs). */
  constructor(list, visibility) {
    this.list = list;
    this.visibility = visibility;
    this.items = new Map(); // message id -> its <li>
  }

  /** The messages the page was rendered with, scrolled to the newest. */
  show(messages) {
    const items = messages.filter((m) => !this.items.has(m.id)).map((m) => this.item(m));
    this.list.append(...items);
    this.list.scrollTop = this.list.scrollHeight;
  }

  /** A message that arrived live: marked new, and followed if the reader is at the bottom. */
  add(message) {
    if (this.items.has(message.id)) return;
    const list = this.list;
    const follow = list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM_PX;
    const item = this.item(message);
    item.classList.add("is-new");
    list.appendChild(item);
    if (follow) list.scrollTop = list.scrollHeight;
  }

  /** The network's word on an outbound message: queued, sent, delivered, read, failed. */
  delivered(messageId, status) {
    const item = this.items.get(messageId);
    const label = item && item.querySelector(".delivery");
    if (label) label.textContent = deliveryLabel(status);
  }

  item(message) {
    const item = el("li", "message dir-" + message.direction);
    item.dataset.id = message.id;
    const head = el("div", "message-head", item);
    el("span", "message-author", head).textContent = message.author_name || "";
    if (message.visibility !== this.visibility()) {
      el("span", "badge vis-" + message.visibility, head).textContent = t(message.visibility);
    }
    formatTime(el("time", "", head), message.created_at);
    if (message.direction === "out") {
      el("span", "delivery", head).textContent = deliveryLabel(message.delivery_status);
    }
    el("div", "text", item).textContent = message.text;
    const credits = authorCredits(message.authors || []);
    if (credits) el("p", "message-credits muted", item).textContent = credits;
    this.items.set(message.id, item);
    return item;
  }
}
