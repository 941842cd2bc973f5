/* Customers, live: the customer page and the panel beside a thread ask the server for
 * their live part again when an event is about their customer (customer.updated,
 * customer.merged, customer.split, customer.note_added, a thread of theirs changing).
 *
 * The thread page already has a connection (thread.js); its events arrive as the
 * document's "tandem:events". The customer page connects itself (live.js).
 */
(function () {
  "use strict";

  const REFRESH_DELAY_MS = 250;

  function customersOf(event) {
    const p = event.payload || {};
    const ids = [];
    if (p.customer) ids.push(p.customer.id);
    if (p.restored) ids.push(p.restored.id);
    if (p.merged_id) ids.push(p.merged_id);
    if (p.note && p.note.customer_id) ids.push(p.note.customer_id);
    if (p.customer_id) ids.push(p.customer_id);
    if (p.card && p.card.customer_id) ids.push(p.card.customer_id);
    return ids;
  }

  function follow(target, customerId, onMerged) {
    let timer = null;
    function refresh() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const node = document.getElementById(target);
        if (node && window.htmx) window.htmx.trigger(node, "refresh");
      }, REFRESH_DELAY_MS);
    }
    return function (events) {
      for (const event of events) {
        const id = customerId();
        if (event.type === "customer.merged" && event.payload.merged_id === id && onMerged) {
          onMerged(event.payload.customer.id);
          return;
        }
        if (customersOf(event).includes(id)) {
          refresh();
          return;
        }
      }
    };
  }

  const page = document.getElementById("customer-page");
  if (page && window.Tandem) {
    const id = Number(page.dataset.customerId);
    const apply = follow("customer-live", () => id, (into) => {
      window.location.assign("/customers/" + into);
    });
    window.Tandem.connect({ since: Number(page.dataset.seq), onEvents: apply });
    return;
  }

  // The thread page: the panel says which customer it shows once it has loaded.
  const apply = follow("customer-panel", () => {
    const panel = document.getElementById("customer-panel");
    return panel ? Number(panel.dataset.customerId) : null;
  });
  document.addEventListener("tandem:events", (event) => {
    const thread = document.getElementById("thread");
    const mine = thread ? Number(thread.dataset.threadId) : null;
    // A thread moving to another customer (merge, split) changes which panel to show.
    if (event.detail.some((e) => e.type === "thread.customer_changed" &&
                                 e.payload.thread_id === mine)) {
      const panel = document.getElementById("customer-panel");
      if (panel && window.htmx) window.htmx.trigger(panel, "refresh");
      return;
    }
    apply(event.detail);
  });
})();
