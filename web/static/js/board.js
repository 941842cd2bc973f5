/* The live board: every open thread as a card, filtered and sorted in the browser.
 *
 * Only the rows in view exist in the DOM (a virtual list of fixed-height rows over
 * #spacer). Events change the card map and the sorted list at once; the DOM follows
 * at most once per animation frame.
 *
 * The page embeds only the first screenful; the other open threads arrive in pages from
 * /api/threads in the background, while live events keep arriving. Which copy of a card
 * wins is the CardSet's business (stream.js); each row is drawn by the CardView
 * (card_view.js), like the head of the thread page.
 */
import { startAvailability } from "./availability.js";
import { announceTakeovers, CardView, claimCommand } from "./card_view.js";
import { followKpis } from "./kpis.js";
import { connect } from "./live.js";
import { clockMatches, DEFAULT_ORDER, orderKey } from "./board_sort.js";
import { startBulk } from "./board_bulk.js";
import { startViews } from "./board_views.js";
import { readJson, t } from "./page.js";
import { CardSet } from "./stream.js";

const data = readJson("board-data");
const me = data.me;
const view = new CardView(me);

const list = document.getElementById("cards");
const spacer = document.getElementById("spacer");
const form = document.getElementById("filters");
const search = form.elements.q;
const countLabel = document.getElementById("count");
const empty = document.getElementById("empty");
const loadingNote = document.getElementById("loading");
const refusal = document.getElementById("board-error");
const newAboveButton = document.getElementById("new-above");

const ROW_HEIGHT = parseFloat(getComputedStyle(list).getPropertyValue("--row-h")) || 60;
const OVERSCAN = 8;
// Threads per background page: parsing and merging one is a single task of the main
// thread, which must stay short even on a busy machine (about 10 ms on an idle one).
const PAGE_SIZE = 500;
const PAGE_RETRY_MS = 3000;

// Done work (resolved, closed) leaves the default view; a new message reopens it. Each card
// held gets _k (its sort key in the chosen order, board_sort.js) and _hay (its search text).
const DONE = ["resolved", "closed"];
const cards = new CardSet({ keep: (card) => !DONE.includes(card.status) });
let loading = !data.complete; // pages of older threads are still to come
let shown = []; // the cards passing the filters, in the chosen order
let filter = readFilter();
// The cursor follows a card, by id. `seenId` is the card highlighted on screen at the last
// render: actions (Enter, c, r) apply to it, whatever arrived since, so a key never acts on
// a card the person has not seen highlighted.
let selectedId = null;
let selectedIndex = 0; // where the cursor was, for when its card and neighbours are gone
let seenId = null;
let anchor = null; // the top row (and the next) at the last render, to keep scroll steady
let rows = new Map(); // card id -> row element in the DOM
let frame = 0;
let needRefilter = false;
let live = null;
let newAbove = 0; // threads that arrived above the rows being read
let bulk = null; // the bulk selection (board_bulk.js), once connected
const currentFilter = () => filter;
let sortKey = orderKey(filter.sort);

// -- cards and order ----------------------------------------------------------------

function prepare(card) {
  const author = card.author || {};
  card._k = sortKey(card);
  card._hay = [author.name, author.handle, card.excerpt, card.channel_name, ...(card.tags || [])]
    .filter(Boolean).join("\n").toLowerCase();
  return card;
}

/** Does a sort before b? The smaller key first, then the newer thread. */
function before(a, b) {
  return a._k < b._k || (a._k === b._k && a.id > b.id);
}

/** Where card sits (or would sit) in `shown`. */
function position(card) {
  let lo = 0;
  let hi = shown.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(shown[mid], card)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function indexOfShown(card) {
  if (!card) return -1;
  const at = position(card);
  return shown[at] === card ? at : -1;
}

/** The filter a board query string means (the form's fields, as in the URL). */
function filterOf(params) {
  const text = (params.get("q") || "").trim().toLowerCase();
  return {
    q: text ? text.split(/\s+/) : [],
    network: params.get("network") || "",
    status: params.get("status") || "",
    visibility: params.get("visibility") || "",
    sentiment: params.get("sentiment") || "",
    team: params.get("team") ? Number(params.get("team")) : null,
    incident: params.get("incident") ? Number(params.get("incident")) : null,
    mine: params.get("mine") === "on",
    unclaimed: params.get("unclaimed") === "on",
    sort: params.get("sort") || form.elements.sort.dataset.default || DEFAULT_ORDER,
    clock: params.get("clock") || "",
    now: Date.now(), // what "overdue" and "due within 15 minutes" are measured against
  };
}

function readFilter() {
  return filterOf(new URLSearchParams(new FormData(form)));
}

function matches(card, f) {
  const filter = f || currentFilter();
  if (filter.status ? card.status !== filter.status : DONE.includes(card.status)) return false;
  if (filter.network && card.network !== filter.network) return false;
  if (filter.visibility && card.visibility !== filter.visibility) return false;
  if (filter.sentiment && (card.reading ? card.reading.label : "") !== filter.sentiment) return false;
  if (filter.team !== null && card.team_id !== filter.team) return false;
  if (filter.incident !== null && card.incident_id !== filter.incident) return false;
  if (filter.unclaimed && card.holder) return false;
  if (filter.clock && !clockMatches(card, filter.clock, filter.now)) return false;
  if (filter.mine && !((card.holder && card.holder.id === me.id) ||
                       (card.assignee && card.assignee.id === me.id))) return false;
  for (const word of filter.q) if (!card._hay.includes(word)) return false;
  return true;
}

function refilter() {
  shown = [];
  sortKey = orderKey(filter.sort);
  filter.now = Date.now();
  for (const card of cards.values()) {
    card._k = sortKey(card);
    if (matches(card)) shown.push(card);
  }
  shown.sort((a, b) => (before(a, b) ? -1 : 1));
}

/** One thread's change in the sorted list (no DOM work here). */
function move(change) {
  const at = indexOfShown(change.before);
  if (at >= 0) shown.splice(at, 1);
  if (change.card && matches(prepare(change.card))) {
    const to = position(change.card);
    shown.splice(to, 0, change.card);
    // Someone reading further down does not see it arrive: the list holds still (keepAnchor)
    // and says how many came in above.
    if (at < 0 && list.scrollTop > 0 && to * ROW_HEIGHT < list.scrollTop) newAbove++;
  } else if (at >= 0 && change.id === selectedId) {
    leave(at);
  }
}

/**
 * The cursor's card left the list (claimed under the Unclaimed filter, resolved, ...): the
 * cursor goes to the card that was below it, or above it when it was the last.
 */
function leave(at) {
  if (!shown.length) {
    selectedId = null;
    return;
  }
  selectedIndex = Math.min(at, shown.length - 1);
  selectedId = shown[selectedIndex].id;
}

function applyEvents(events) {
  for (const change of cards.apply(events)) move(change);
  announceTakeovers(events, me);
  schedule();
}

/**
 * One page of threads, read at `seq`, merged into the sorted list: linear in the cards
 * held, where sorting them all again after every page would not be.
 */
function applyPage(threads, seq) {
  const replaced = new Set();
  const fresh = [];
  for (const change of cards.seed(threads, seq)) {
    if (change.before) replaced.add(change.id);
    if (change.card && matches(prepare(change.card))) fresh.push(change.card);
  }
  const kept = replaced.size ? shown.filter((card) => !replaced.has(card.id)) : shown;
  fresh.sort((a, b) => (before(a, b) ? -1 : 1));
  shown = mergeSorted(kept, fresh);
  schedule();
}

function mergeSorted(a, b) {
  if (!b.length) return a;
  const merged = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < merged.length; k++) {
    merged[k] = j >= b.length || (i < a.length && before(a[i], b[j])) ? a[i++] : b[j++];
  }
  return merged;
}

function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Between pages, let input, live events and painting go first. */
function idle() {
  return new Promise((resolve) => {
    if (window.requestIdleCallback) requestIdleCallback(() => resolve(), { timeout: 200 });
    else setTimeout(resolve, 0);
  });
}

/** Every open thread, newest first, in pages: filters and search then cover them all. */
async function loadRest() {
  let oldest = null; // the page after this thread id comes next
  while (loading) {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (oldest !== null) params.set("before", String(oldest));
    let page;
    try {
      const response = await fetch("/api/threads?" + params, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (response.status === 401) return; // signed out: the live connection says so
      if (!response.ok) throw new Error("HTTP " + response.status);
      page = await response.json();
    } catch (error) {
      await pause(PAGE_RETRY_MS);
      continue;
    }
    applyPage(page.threads, page.seq);
    if (page.threads.length < PAGE_SIZE) loading = false;
    else oldest = page.threads[page.threads.length - 1].id;
    await idle();
  }
  schedule();
}

// -- rendering ----------------------------------------------------------------------

function schedule() {
  if (!frame) frame = requestAnimationFrame(render);
}

/** Draw `card` in `row`, and mark the row by its claim and clock. */
function fill(row, card) {
  row.id = "card-" + card.id;
  row.dataset.id = card.id;
  row.classList.toggle("claimed", !!card.holder);
  row.classList.toggle("mine", !!card.holder && card.holder.id === me.id);
  markClock(row, view.fill(row._parts, card));
}

function markClock(row, state) {
  row.classList.toggle("overdue", state === "overdue");
  row.classList.toggle("soon", state === "soon");
}

function render() {
  frame = 0;
  if (needRefilter) {
    needRefilter = false;
    refilter();
  }
  spacer.style.height = shown.length * ROW_HEIGHT + "px"; // before keepAnchor may scroll
  keepAnchor();
  ensureSelection();
  const top = list.scrollTop;
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(shown.length, Math.ceil((top + list.clientHeight) / ROW_HEIGHT) + OVERSCAN);

  const next = new Map();
  const missing = [];
  for (let i = first; i < last; i++) {
    const card = shown[i];
    const row = rows.get(card.id);
    if (row) {
      rows.delete(card.id);
      place(row, card, i);
      next.set(card.id, row);
    } else {
      missing.push(i);
    }
  }
  const spare = [...rows.values()];
  for (const i of missing) {
    const card = shown[i];
    const row = spare.pop() || view.row();
    row._card = null;
    place(row, card, i);
    if (!row.isConnected) list.appendChild(row);
    next.set(card.id, row);
  }
  for (const row of spare) row.remove();
  rows = next;

  const visibleTop = Math.min(shown.length - 1, Math.floor(top / ROW_HEIGHT));
  anchor = visibleTop >= 0
    ? { card: shown[visibleTop], next: shown[visibleTop + 1], index: visibleTop } : null;
  const selectedRow = rows.get(selectedId);
  if (selectedRow) list.setAttribute("aria-activedescendant", selectedRow.id);
  else list.removeAttribute("aria-activedescendant");
  seenId = selectedId;
  countLabel.textContent = t("count", { shown: shown.length, total: cards.size });
  if (top === 0) newAbove = 0;
  newAboveButton.hidden = newAbove === 0;
  if (newAbove) newAboveButton.textContent = t("new_above", { count: newAbove });
  loadingNote.hidden = !loading;
  empty.hidden = shown.length > 0;
}

function place(row, card, index) {
  if (row._card !== card) {
    fill(row, card);
    row._card = card;
  }
  if (row._index !== index) {
    row.style.transform = "translateY(" + index * ROW_HEIGHT + "px)";
    row._index = index;
  }
  const selected = card.id === selectedId;
  if (row._selected !== selected) {
    row.setAttribute("aria-selected", selected ? "true" : "false");
    row._selected = selected;
  }
  const picked = !!bulk && bulk.has(card.id); // in the bulk selection
  if (row._picked !== picked) {
    row.classList.toggle("picked", picked);
    row.setAttribute("aria-checked", picked ? "true" : "false");
    row._picked = picked;
  }
}

/** New activity above the rows someone is reading must not push those rows away. */
function keepAnchor() {
  if (!anchor || list.scrollTop === 0) return;
  // The top row itself may have moved (new activity sorts it first): then the row below it.
  for (const [card, was] of [[anchor.card, anchor.index], [anchor.next, anchor.index + 1]]) {
    const now = card && cards.get(card.id);
    if (!now || now._k !== card._k) continue;
    const index = indexOfShown(now);
    if (index < 0) continue;
    if (index !== was) list.scrollTop += (index - was) * ROW_HEIGHT;
    return;
  }
}

function ensureSelection() {
  const index = indexOfShown(cards.get(selectedId));
  if (index >= 0) {
    selectedIndex = index;
    return;
  }
  if (!shown.length) {
    selectedId = null;
    return;
  }
  selectedIndex = Math.min(selectedIndex, shown.length - 1);
  selectedId = shown[selectedIndex].id;
}

// -- actions ------------------------------------------------------------------------

function select(index) {
  if (!shown.length) return;
  selectedIndex = Math.max(0, Math.min(shown.length - 1, index));
  selectedId = shown[selectedIndex].id;
  const top = selectedIndex * ROW_HEIGHT;
  if (top < list.scrollTop) list.scrollTop = top;
  else if (top + ROW_HEIGHT > list.scrollTop + list.clientHeight) {
    list.scrollTop = top + ROW_HEIGHT - list.clientHeight;
  }
  schedule();
}

/** Where the cursor's card is now: moving is relative to the card, not to a row number. */
function currentIndex() {
  const index = indexOfShown(cards.get(selectedId));
  return index >= 0 ? index : Math.min(selectedIndex, shown.length - 1);
}

/** The card the person saw highlighted: what Enter, c and r act on. */
function seenCard() {
  return (seenId !== null && cards.get(seenId)) || null;
}

function open(card) {
  if (card) window.location.href = "/threads/" + card.id;
}

/** claim, release or take_over, on `card`; a refusal shows above the list, naming the card. */
async function act(action, card) {
  if (!card || !live) return;
  const answer = await live.call(...claimCommand(action, card));
  refusal.hidden = answer.ok;
  refusal.textContent = answer.ok ? ""
    : t("refused_on", { id: card.id, message: answer.error.message });
}

// -- input --------------------------------------------------------------------------

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest && target.closest("input, textarea, select, button, a, [contenteditable]")) {
    if (target === search && (event.key === "Escape" || event.key === "Enter")) {
      event.preventDefault();
      list.focus({ preventScroll: true });
    }
    return;
  }
  const visibleRows = Math.max(1, Math.floor(list.clientHeight / ROW_HEIGHT) - 1);
  switch (event.key) {
    case "j": case "ArrowDown": select(currentIndex() + 1); break;
    case "k": case "ArrowUp": select(currentIndex() - 1); break;
    case "PageDown": select(currentIndex() + visibleRows); break;
    case "PageUp": select(currentIndex() - visibleRows); break;
    case "Home": select(0); break;
    case "End": select(shown.length - 1); break;
    case "Enter": open(seenCard()); break;
    case "c": act("claim", seenCard()); break;
    case "r": act("release", seenCard()); break;
    case "x": pickCard(seenCard()); break;
    case "/": search.focus(); search.select(); break;
    default: return;
  }
  event.preventDefault();
});

list.addEventListener("click", (event) => {
  const row = event.target.closest(".card");
  if (!row || !row._card) return;
  const card = row._card;
  const button = event.target.closest("button.act");
  if (button && button.dataset.action) act(button.dataset.action, card);
  if (event.target.closest("a")) return;
  if (bulk && event.shiftKey && seenId !== null) {
    pickRange(cards.get(seenId), card);
  } else if (bulk && (event.ctrlKey || event.metaKey)) {
    bulk.toggle(card.id);
  }
  selectedId = seenId = card.id; // the person pointed at it: they see it
  selectedIndex = row._index;
  list.focus({ preventScroll: true });
  schedule();
});

/** x: the card the person saw joins (or leaves) the bulk selection. */
function pickCard(card) {
  if (card && bulk) bulk.toggle(card.id);
}

/** Shift-click: every card in view from the one highlighted to the one clicked. */
function pickRange(from, to) {
  const a = indexOfShown(from);
  const b = indexOfShown(to);
  if (a < 0 || b < 0) return;
  bulk.pick(shown.slice(Math.min(a, b), Math.max(a, b) + 1).map((card) => card.id));
}

list.addEventListener("dblclick", (event) => {
  const row = event.target.closest(".card");
  if (row && row._card && !event.target.closest("button, a")) open(row._card);
});

list.addEventListener("scroll", schedule, { passive: true });
newAboveButton.addEventListener("click", () => {
  list.scrollTop = 0;
  newAbove = 0;
  list.focus({ preventScroll: true });
  schedule();
});
window.addEventListener("resize", schedule);

/** The board's query string, as the URL holds it (the order only when not the default). */
function boardQuery() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (value && !(name === "sort" && value === form.elements.sort.dataset.default)) {
      params.set(name, value);
    }
  }
  return params.toString();
}

function filtersChanged() {
  filter = readFilter();
  needRefilter = true;
  anchor = null; // a new filter starts a new list: nothing to hold steady
  const query = boardQuery();
  history.replaceState(null, "", query ? "?" + query : window.location.pathname);
  schedule();
}

function restoreFilters(query) {
  const params = new URLSearchParams(query === undefined ? window.location.search : query);
  if (query !== undefined) { // a saved view: its fields, the others cleared
    form.reset();
    form.elements.sort.value = form.elements.sort.dataset.default;
  }
  for (const [name, value] of params) {
    const field = form.elements[name];
    if (!field) continue;
    if (field.type === "checkbox") field.checked = value === "on";
    else field.value = value;
  }
  filter = readFilter();
}

form.addEventListener("submit", (event) => event.preventDefault()); // Enter in the search
form.addEventListener("input", filtersChanged);
form.addEventListener("change", filtersChanged);

// -- start --------------------------------------------------------------------------

restoreFilters();
for (const change of cards.seed(data.threads, data.seq)) prepare(change.card);
refilter();
render();
// The clock filters change as time passes: a thread due in 16 minutes is due "soon" in one.
const CLOCK_REFILTER_MS = 5000;
let clockChecked = Date.now();
setInterval(() => {
  const now = Date.now();
  for (const row of rows.values()) markClock(row, view.tick(row._parts, row._card, now));
  if (filter.clock && now - clockChecked >= CLOCK_REFILTER_MS) {
    clockChecked = now;
    needRefilter = true;
    schedule();
  }
}, 1000);
live = connect({ since: data.seq, onEvents: applyEvents });
bulk = startBulk({
  live,
  shown: () => shown.map((card) => card.id),
  changed() {
    for (const row of rows.values()) row._picked = undefined; // redraw the marks
    schedule();
  },
});
startViews({
  views: data.views || [],
  live,
  query: boardQuery,
  apply(query) {
    restoreFilters(query);
    filtersChanged();
  },
  count(query) {
    const f = filterOf(new URLSearchParams(query));
    let n = 0;
    for (const card of cards.values()) if (matches(card, f)) n++;
    return n;
  },
});
startAvailability(live, me);
followKpis(document.getElementById("kpis"), live);
if (loading) loadRest();
