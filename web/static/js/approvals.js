/* The approvals queue, live: new submissions appear, decided ones leave. Supervisors
 * approve (optionally correcting the text) or send a reply back with a comment; crisis
 * mode and the approval policy are switched here too. */
(function () {
  "use strict";

  const T = window.Tandem;
  const R = window.TandemReplies;
  const t = T.t;
  const data = T.readJson("approvals-data");
  const me = data.me;
  const list = document.getElementById("approval-list");
  const empty = document.getElementById("approvals-empty");
  const queue = new Map(); // approval id -> view, in arrival order

  function isAuthor(approval) {
    return approval.submitted_by.id === me.id || approval.authors.some((p) => p.id === me.id);
  }

  function card(approval) {
    const item = R.el("li", "approval approval-" + approval.status);
    item.dataset.id = approval.id;
    const head = R.el("div", "approval-head");
    const link = R.el("a", "", t("rp_open_thread"));
    link.href = "/threads/" + approval.thread_id;
    head.append(R.el("span", "net net-" + approval.network, approval.network), " ",
      R.el("strong", "", approval.customer_name), " ",
      R.el("span", "badge vis-" + approval.visibility, t(approval.visibility)), " ", link);
    // The customer's message the reply answers, not whatever came in last (a bystander's "+1").
    const answered = approval.answering;
    const about = R.el("p", "muted answering", answered
      ? t("rp_answering", { name: answered.author_name }) : "");
    about.hidden = !answered;
    const context = R.el("blockquote", "excerpt", answered ? answered.text : approval.excerpt);
    const who = R.el("p", "muted", t("rp_authors", { names: R.names(approval.authors) }));
    item.append(head, about, context, who);
    if (approval.status === "held") {
      item.append(R.el("p", "reply-state", t("rp_held")),
        R.el("div", "reply-text", approval.final_text || approval.submitted_text));
      return item;
    }
    if (isAuthor(approval)) {
      item.append(R.el("div", "reply-text", approval.submitted_text), R.el("p", "muted", t("rp_own")));
      return item;
    }
    const text = R.el("textarea", "approval-text");
    text.rows = 4;
    text.value = approval.submitted_text;
    text.setAttribute("aria-label", t("rp_approve"));
    const diff = R.el("div", "diff");
    diff.hidden = true;
    text.addEventListener("input", () => R.showDiff(diff, wordDiff(approval.submitted_text, text.value)));
    const comment = R.el("input", "approval-comment");
    comment.setAttribute("aria-label", t("rp_comment_needed"));
    comment.placeholder = t("rp_comment_needed");
    const approve = R.el("button", "primary", t("rp_approve"));
    const reject = R.el("button", "warn", t("rp_reject"));
    approve.type = reject.type = "button";
    approve.addEventListener("click", async () => {
      const body = text.value.trim() && text.value !== approval.submitted_text ? { text: text.value } : {};
      const answer = await R.api("POST", "/api/approvals/" + approval.id + "/approve", body);
      if (!answer.ok) T.toast(answer.error.message);
      else if (answer.status === "held") T.toast(t("rp_held"), "info");
    });
    reject.addEventListener("click", async () => {
      if (!comment.value.trim()) {
        T.toast(t("rp_comment_needed"));
        comment.focus();
        return;
      }
      const answer = await R.api("POST", "/api/approvals/" + approval.id + "/reject",
        { comment: comment.value.trim() });
      if (!answer.ok) T.toast(answer.error.message);
    });
    const row = R.el("div", "row");
    row.append(approve, comment, reject);
    item.append(text, diff, row);
    return item;
  }

  /** A rough preview of the correction while typing (the server computes the real diff). */
  function wordDiff(before, after) {
    if (before === after) return [];
    return [{ op: "del", text: before }, { op: "ins", text: after }];
  }

  function put(approval) {
    const open = approval.status === "pending" || approval.status === "held";
    const existing = list.querySelector('[data-id="' + approval.id + '"]');
    if (!open) {
      queue.delete(approval.id);
      if (existing) existing.remove();
    } else {
      queue.set(approval.id, approval);
      const fresh = card(approval);
      if (existing) existing.replaceWith(fresh);
      else list.appendChild(fresh);
    }
    empty.hidden = queue.size > 0;
  }

  list.replaceChildren();
  data.approvals.forEach(put);

  T.connect({
    since: data.seq,
    onEvents(events) {
      events.forEach((event) => {
        if (event.type === "approval.requested" || event.type === "approval.decided") {
          put(event.payload.approval);
        } else if (event.type === "crisis.changed") {
          showCrisis(event.payload.on);
        }
      });
    },
  });

  // -- crisis mode and the policy -----------------------------------------------------

  const toggle = document.getElementById("crisis-toggle");
  function showCrisis(on) {
    if (!toggle) return;
    toggle.dataset.on = String(on);
    toggle.textContent = t(on ? "rp_crisis_end" : "rp_crisis_start");
  }
  if (toggle) {
    toggle.addEventListener("click", async () => {
      const on = toggle.dataset.on !== "true";
      const message = document.getElementById("crisis-text").value;
      const answer = await R.api("POST", "/api/crisis", { on, message });
      if (!answer.ok) T.toast(answer.error.message);
      else showCrisis(answer.crisis.on);
    });
  }

  const save = document.getElementById("policy-save");
  if (save) {
    const pub = document.getElementById("policy-public");
    const priv = document.getElementById("policy-private");
    const rules = document.getElementById("policy-rules");
    pub.checked = !!data.policy.default.public;
    priv.checked = !!data.policy.default.private;
    rules.value = JSON.stringify(data.policy.rules, null, 2);
    save.addEventListener("click", async () => {
      let parsed;
      try {
        parsed = JSON.parse(rules.value || "[]");
      } catch (error) {
        T.toast(error.message);
        return;
      }
      const policy = { default: { public: pub.checked, private: priv.checked }, rules: parsed };
      const answer = await R.api("PUT", "/api/approval-policy", { policy });
      T.toast(answer.ok ? t("rp_saved") : answer.error.message, answer.ok ? "info" : "error");
    });
  }
})();
