/* The board's orders and its clock filters. Each order gives a card one number, its key:
 * the list shows the smallest key first (the thread id breaks ties, newest first), so the
 * board keeps one sorted array and places a changed card by binary search whatever the
 * order. The SLA order uses the card's `sla_due_at`: a thread whose clock is past due
 * sorts before one that is merely close, and one without a clock goes last.
 *
 * A new order is one more entry in ORDERS (a key function and its label key in #i18n).
 */

const NEVER = Number.MAX_VALUE; // no such clock: after every card that has one
const PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 };
// Priorities set the first digits of the key, the wait the rest (milliseconds since 1970
// stay below 1e13, far inside a double's exact integers).
const RANK_STEP = 1e13;

function time(value) {
  const ms = value ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? NEVER : ms;
}

/** The moment a thread started waiting for the desk, or its last message. */
function waitingFrom(card) {
  const since = time(card.waiting_since);
  return since === NEVER ? time(card.last_message_at) : since;
}

export const ORDERS = {
  // What breaches first: the earliest SLA due time, then the longest wait.
  due: { label: "sort_due", key: (card) => time(card.sla_due_at) },
  waiting: { label: "sort_waiting", key: (card) => time(card.waiting_since) },
  priority: {
    label: "sort_priority",
    key: (card) => (PRIORITY_RANK[card.priority] ?? 2) * RANK_STEP + waitingFrom(card),
  },
  newest: { label: "sort_newest", key: (card) => -time(card.created_at) },
  activity: { label: "sort_activity", key: (card) => -(Date.parse(card.last_message_at) || 0) },
};

export const DEFAULT_ORDER = "due";

export function orderKey(name) {
  return (ORDERS[name] || ORDERS[DEFAULT_ORDER]).key;
}

const SOON_MS = 15 * 60 * 1000;

/** The clock filter: "overdue" (past its SLA due time) or "soon" (due within 15 minutes). */
export function clockMatches(card, which, now) {
  if (!which) return true;
  const due = time(card.sla_due_at);
  if (due === NEVER) return false;
  if (which === "overdue") return due <= now;
  if (which === "soon") return due > now && due <= now + SOON_MS;
  return true;
}
