/* The live board: every open thread as a card, filtered and sorted in the browser.
 *
 * Only the rows in view exist in the DOM (a virtual list of fixed-height rows over
 * #spacer). Events change the card map and the sorted list at once; the DOM follows
 * at most once per animation frame.
 *
 * The page embeds only the first screenful; the other open threads arrive in pages from
 * /api/threads in the background, while live events keep arriving. Every card is kept
 * with the event number it is known to be current at (a page's seq, an event's seq), so
 * an older copy never replaces a newer one, whichever of the two arrives first.
 */
(function () {
  "use strict";

  const T = window.Tandem;
  const t = T.t;
  const data = T.readJson("board-data");
  const me = data.me;
  const can = new Set(me.permissions);

  const list = document.getElementById("cards");
  const spacer = document.getElementById("spacer");
  const form = document.getElementById("filters");
  const search = form.elements.q;
  const countLabel = document.getElementById("count");
  const empty = document.getElementById("empty");
  const loadingNote = document.getElementById("loading");

  const ROW_HEIGHT = parseFloat(getComputedStyle(list).getPropertyValue("--row-h")) || 60;
  const OVERSCAN = 8;
  const SOON_MS = 15 * 60 * 1000;
  // Threads per background page: parsing and merging one is a single task of the main
  // thread, which must stay short even on a busy machine (about 10 ms on an idle one).
  const PAGE_SIZE = 500;
  const PAGE_RETRY_MS = 3000;

  const cards = new Map(); // id -> card, with _t (sort key), _hay (search text), _due, _wait
  // id -> the seq its newest known version is current at. Kept after a card leaves the
  // board, so a page read before a thread was resolved cannot bring it back.
  const versions = new Map();
  let loading = !data.complete; // pages of older threads are still to come
  let shown = []; // the cards passing the filters, newest activity first
  let filter = readFilter();
  let selectedId = null;
  let selectedIndex = 0;
  let anchor = null; // the top row (and the next) at the last render, to keep scroll steady
  let rows = new Map(); // card id -> row element in the DOM
  let frame = 0;
  let needRefilter = false;
  let live = null;

  // -- cards and order ----------------------------------------------------------------

  function prepare(card) {
    const author = card.author || {};
    card._t = Date.parse(card.last_message_at) || 0;
    card._due = card.sla_due_at ? Date.parse(card.sla_due_at) : null;
    card._wait = card.waiting_since ? Date.parse(card.waiting_since) : null;
    card._hay = [author.name, author.handle, card.excerpt, card.channel_name, ...(card.tags || [])]
      .filter(Boolean).join("\n").toLowerCase();
    return card;
  }

  /** Does a sort before b? Newest activity first, then the newer thread. */
  function before(a, b) {
    return a._t > b._t || (a._t === b._t && a.id > b.id);
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

  function readFilter() {
    const text = form.elements.q.value.trim().toLowerCase();
    return {
      q: text ? text.split(/\s+/) : [],
      network: form.elements.network.value,
      status: form.elements.status.value,
      visibility: form.elements.visibility.value,
      team: form.elements.team.value ? Number(form.elements.team.value) : null,
      mine: form.elements.mine.checked,
      unclaimed: form.elements.unclaimed.checked,
    };
  }

  function matches(card) {
    if (filter.status ? card.status !== filter.status : card.status === "resolved") return false;
    if (filter.network && card.network !== filter.network) return false;
    if (filter.visibility && card.visibility !== filter.visibility) return false;
    if (filter.team !== null && card.team_id !== filter.team) return false;
    if (filter.unclaimed && card.holder) return false;
    if (filter.mine && !((card.holder && card.holder.id === me.id) ||
                         (card.assignee && card.assignee.id === me.id))) return false;
    for (const word of filter.q) if (!card._hay.includes(word)) return false;
    return true;
  }

  function refilter() {
    shown = [];
    for (const card of cards.values()) if (matches(card)) shown.push(card);
    shown.sort((a, b) => b._t - a._t || b.id - a.id);
  }

  /** Replace one card in the map and in the sorted list (no DOM work here). */
  function upsert(card) {
    prepare(card);
    const old = cards.get(card.id);
    const at = indexOfShown(old);
    if (at >= 0) shown.splice(at, 1);
    if (card.status === "resolved") {
      cards.delete(card.id); // resolved threads leave the board; a new message reopens them
      return;
    }
    cards.set(card.id, card);
    if (matches(card)) shown.splice(position(card), 0, card);
  }

  /** Is this copy of a card (current at `seq`) at least as new as the one we hold? */
  function newer(card, seq) {
    const held = versions.get(card.id);
    if (held !== undefined && held > seq) return false;
    versions.set(card.id, seq);
    return true;
  }

  function applyEvents(events) {
    for (const event of events) {
      const payload = event.payload || {};
      const card = payload.card;
      if (!card || typeof card.id !== "number") continue;
      // card_in: a later event of this batch carries the same newest card; upsert it once.
      if (!event.card_in && newer(card, event.seq)) upsert(card);
      if (event.type === "thread.claimed" && payload.taken_over_from &&
          payload.taken_over_from.id === me.id) {
        T.toast(t("taken_over", { name: payload.holder.name }), "info");
      }
    }
    schedule();
  }

  /**
   * One page of threads, read at `seq`, merged into the sorted list: linear in the cards
   * held, where sorting them all again after every page would not be.
   */
  function applyPage(threads, seq) {
    const replaced = new Set();
    const fresh = [];
    for (const card of threads) {
      if (!newer(card, seq)) continue;
      if (cards.has(card.id)) replaced.add(card.id);
      if (card.status === "resolved") {
        cards.delete(card.id);
        continue;
      }
      cards.set(card.id, prepare(card));
      if (matches(card)) fresh.push(card);
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

  function el(tag, className, parent) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (parent) parent.appendChild(node);
    return node;
  }

  function makeRow() {
    const row = el("div", "card");
    row.setAttribute("role", "option");
    const main = el("div", "card-main", row);
    const top = el("div", "card-top", main);
    const parts = {
      net: el("span", "net", top),
      author: el("a", "author", top),
      handle: el("span", "handle", top),
      visibility: el("span", "badge", top),
      status: el("span", "badge", top),
      priority: el("span", "badge", top),
      approval: el("span", "badge", top),
      tags: el("span", "tags", top),
      linked: el("a", "linked", top),
      count: el("span", "msg-count", top),
      excerpt: el("div", "excerpt", main),
    };
    parts.author.tabIndex = -1;
    parts.linked.tabIndex = -1;
    const meta = el("div", "card-meta", row);
    parts.clock = el("span", "clock", meta);
    parts.who = el("span", "who", meta);
    parts.action = el("button", "act", row);
    parts.action.type = "button";
    parts.action.tabIndex = -1;
    row._parts = parts;
    return row;
  }

  function setBadge(node, text, className) {
    node.hidden = !text;
    node.textContent = text || "";
    node.className = "badge " + (className || "");
  }

  function fill(row, card) {
    const p = row._parts;
    row.id = "card-" + card.id;
    row.dataset.id = card.id;
    p.net.textContent = card.network;
    p.net.className = "net net-" + card.network;
    p.author.textContent = card.author.name;
    p.author.href = "/threads/" + card.id;
    p.handle.textContent = card.author.handle ? "@" + card.author.handle : "";
    setBadge(p.visibility, t(card.visibility), "vis-" + card.visibility);
    setBadge(p.status, card.status === "open" ? "" : t("status_" + card.status),
             "status-" + card.status);
    setBadge(p.priority, card.priority === "high" || card.priority === "urgent"
      ? t("priority_" + card.priority) : "", "prio-" + card.priority);
    setBadge(p.approval, card.awaiting_approval ? t("awaiting_approval") : "",
             "awaiting-approval");
    p.tags.replaceChildren(...(card.tags || []).map((tag) => {
      const chip = el("span", "tag");
      chip.textContent = tag;
      return chip;
    }));
    const linkedId = card.private_thread_id || card.public_thread_id;
    p.linked.hidden = !linkedId;
    if (linkedId) {
      p.linked.href = "/threads/" + linkedId;
      p.linked.textContent = card.private_thread_id ? t("private_thread") : t("public_thread");
    }
    p.count.textContent = card.message_count > 1 ? card.message_count + " " + t("messages") : "";
    p.excerpt.textContent = card.excerpt;
    p.excerpt.title = card.excerpt;

    p.who.replaceChildren();
    if (card.holder) {
      const holder = el("span", card.holder.id === me.id ? "holder mine" : "holder", p.who);
      holder.textContent = card.holder.id === me.id ? t("claimed_by_you")
        : t("held_by") + " " + card.holder.name;
    } else {
      el("span", "holder none", p.who).textContent = t("unclaimed");
    }
    if (card.assignee) {
      el("span", "assignee", p.who).textContent = "→ " + (card.assignee.id === me.id
        ? t("you") : card.assignee.name);
    }

    const action = rowAction(card);
    p.action.hidden = !action;
    p.action.textContent = action ? t(action) : "";
    p.action.dataset.action = action || "";
    row.classList.toggle("claimed", !!card.holder);
    row.classList.toggle("mine", !!card.holder && card.holder.id === me.id);
    tick(row, card, Date.now());
  }

  function rowAction(card) {
    if (!can.has("thread.claim")) return null;
    if (!card.holder) return "claim";
    if (card.holder.id === me.id) return "release";
    return can.has("thread.takeover") ? "take_over" : null;
  }

  /** The waiting time and SLA clock of one row, computed from now. */
  function tick(row, card, now) {
    const clock = row._parts.clock;
    let text = "";
    let state = "";
    if (card._wait !== null) text = t("waiting") + " " + T.duration(now - card._wait);
    if (card._due !== null && card._wait !== null) {
      const left = card._due - now;
      if (left < 0) {
        text += " · " + t("overdue") + " " + T.duration(-left);
        state = "overdue";
      } else {
        text += " · " + t("due_in") + " " + T.duration(left);
        if (left < SOON_MS) state = "soon";
      }
    }
    // The network's window: a private reply to the comment, or a message in private.
    const windowEnd = card.private_reply_until || card.message_window_until;
    if (windowEnd) {
      const left = Date.parse(windowEnd) - now;
      text += " · " + t(card.private_reply_until ? "window_private_reply" : "window_message") +
        " " + (left > 0 ? T.duration(left) : t("window_closed"));
    }
    if (clock.textContent !== text) clock.textContent = text;
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
      const row = spare.pop() || makeRow();
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
    countLabel.textContent = t("count", { shown: shown.length, total: cards.size });
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
  }

  /** New activity above the rows someone is reading must not push those rows away. */
  function keepAnchor() {
    if (!anchor || list.scrollTop === 0) return;
    // The top row itself may have moved (new activity sorts it first): then the row below it.
    for (const [card, was] of [[anchor.card, anchor.index], [anchor.next, anchor.index + 1]]) {
      const now = card && cards.get(card.id);
      if (!now || now._t !== card._t) continue;
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

  function currentIndex() {
    const index = indexOfShown(cards.get(selectedId));
    return index >= 0 ? index : Math.min(selectedIndex, shown.length - 1);
  }

  function selectedCard() {
    const card = cards.get(selectedId);
    return card && indexOfShown(card) >= 0 ? card : null;
  }

  function open(card) {
    if (card) window.location.href = "/threads/" + card.id;
  }

  async function command(name, payload) {
    if (!live) return;
    const answer = await live.call(name, payload);
    if (!answer.ok) T.toast(answer.error.message);
  }

  function claim(card, takeOver) {
    if (!card) return;
    const payload = { thread_id: card.id };
    if (takeOver) payload.take_over = true;
    command("claim", payload);
  }

  function release(card) {
    if (card) command("release", { thread_id: card.id });
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
      case "Enter": open(selectedCard()); break;
      case "c": claim(selectedCard(), false); break;
      case "r": release(selectedCard()); break;
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
    if (button) {
      const action = button.dataset.action;
      if (action === "claim") claim(card, false);
      else if (action === "take_over") claim(card, true);
      else if (action === "release") release(card);
    }
    if (event.target.closest("a")) return;
    selectedId = card.id;
    selectedIndex = row._index;
    list.focus({ preventScroll: true });
    schedule();
  });

  list.addEventListener("dblclick", (event) => {
    const row = event.target.closest(".card");
    if (row && row._card && !event.target.closest("button, a")) open(row._card);
  });

  list.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", schedule);

  function filtersChanged() {
    filter = readFilter();
    needRefilter = true;
    anchor = null; // a new filter starts a new list: nothing to hold steady
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (value) params.set(name, value);
    const query = params.toString();
    history.replaceState(null, "", query ? "?" + query : window.location.pathname);
    schedule();
  }

  function restoreFilters() {
    const params = new URLSearchParams(window.location.search);
    for (const [name, value] of params) {
      const field = form.elements[name];
      if (!field) continue;
      if (field.type === "checkbox") field.checked = value === "on";
      else field.value = value;
    }
    filter = readFilter();
  }

  form.addEventListener("input", filtersChanged);
  form.addEventListener("change", filtersChanged);

  // -- start --------------------------------------------------------------------------

  restoreFilters();
  for (const card of data.threads) {
    versions.set(card.id, data.seq);
    cards.set(card.id, prepare(card));
  }
  refilter();
  render();
  setInterval(() => {
    const now = Date.now();
    for (const row of rows.values()) tick(row, row._card, now);
  }, 1000);
  live = T.connect({ since: data.seq, onEvents: applyEvents });
  if (loading) loadRest();
})();
