/* How batches of events change what a page holds (docs/realtime.md): which events are
 * new to the page, when a `head` says some were lost, and which card the page keeps for
 * each thread. No DOM and no socket here: the board, the thread page and tests in
 * Chromium run this same code.
 */

/** The page's place in the desk's event sequence. */
export class Stream {
  constructor(since) {
    this.seq = since || 0; // every event up to here is applied
  }

  /**
   * The events of a batch that this page has not applied yet, in order. A replay may
   * repeat events the page was rendered with; `upto` moves the mark past events meant
   * for other people, which this page never sees.
   */
  take(batch) {
    if (!batch || !Array.isArray(batch.events)) return [];
    const fresh = [];
    let applied = this.seq;
    for (const event of batch.events) {
      if (event.seq > applied) {
        fresh.push(event);
        applied = event.seq;
      }
    }
    this.seq = Math.max(applied, batch.upto || 0);
    return fresh;
  }

  /** Does a `head` announcement say the server sent events this page never got? */
  behind(head) {
    return !!head && head.seq > this.seq;
  }

  /** A `resume` was answered: the replay came first, so the page is current to `seq`. */
  resumed(seq) {
    this.seq = Math.max(this.seq, seq || 0);
  }
}

/**
 * The cards a page holds, one per thread, each with the event number it is current at (an
 * event's seq, or the seq a page of cards was read at): an older copy never replaces a
 * newer one, whichever arrives first.
 *
 * options.keep(card): whether the page shows this card (the board lets resolved threads
 * go); options.ids: the only threads this page follows (the thread page: its own and the
 * customer's other threads), or null for every thread.
 *
 * seed() and apply() answer the changes: [{id, card, before}], `card` null when the page
 * no longer shows the thread, `before` the card it showed (or null).
 */
export class CardSet {
  constructor(options) {
    const opts = options || {};
    this.keep = opts.keep || (() => true);
    this.ids = opts.ids ? new Set(opts.ids) : null;
    this.cards = new Map();
    // Kept after a card leaves, so a page read before a thread was resolved cannot bring it back.
    this.versions = new Map();
  }

  get(id) {
    return this.cards.get(id);
  }

  get size() {
    return this.cards.size;
  }

  values() {
    return this.cards.values();
  }

  /** Cards read at `seq`: the page's first render or a page of GET /api/threads. */
  seed(cards, seq) {
    const changes = [];
    for (const card of cards) this.offer(card, seq, changes);
    return changes;
  }

  /**
   * A batch of fresh events (Stream.take). Each thread changes once, to the newest card of
   * the batch: a compact batch (`cards=newest`) carries it only in the thread's last event
   * with a card, and the earlier ones name it with `card_in`. An incident's event names its
   * incident on the cards of the threads that joined it.
   */
  apply(events) {
    const newest = new Map(); // thread id -> [card, seq], the batch's last card for it
    for (const event of events) {
      const card = event.payload && event.payload.card;
      if (card && typeof card.id === "number") newest.set(card.id, [card, event.seq]);
      else if (event.type === "incident.changed") this.joined(event, newest);
    }
    const changes = [];
    for (const [card, seq] of newest.values()) this.offer(card, seq, changes);
    return changes;
  }

  joined(event, newest) {
    const incidentId = event.payload.incident.id;
    for (const id of event.payload.joined) {
      const known = newest.has(id) ? newest.get(id)[0] : this.cards.get(id);
      if (known) newest.set(id, [{ ...known, incident_id: incidentId }, event.seq]);
    }
  }

  offer(card, seq, changes) {
    if (this.ids && !this.ids.has(card.id)) return;
    const held = this.versions.get(card.id);
    if (held !== undefined && held > seq) return;
    this.versions.set(card.id, seq);
    const before = this.cards.get(card.id) || null;
    const kept = this.keep(card);
    if (kept) this.cards.set(card.id, card);
    else this.cards.delete(card.id);
    if (kept || before) changes.push({ id: card.id, card: kept ? card : null, before });
  }
}
