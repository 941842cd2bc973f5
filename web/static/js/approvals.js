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

  const online = new Set(data.online || []);
  const OPEN = ["pending", "corrected", "held"];

  function isAuthor(approval) {
    return approval.submitted_by.id === me.id || approval.authors.some((p) => p.id === me.id);
  }

  function button(label, className, onClick) {
    const node = R.el("button", className, label);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function stateLine(approval) {
    if (approval.status === "held") return t("rp_held");
    if (approval.status === "corrected") {
      const name = approval.corrected_by ? approval.corrected_by.name : "";
      return t(approval.confirm_by === "approver" ? "rp_corrected_approver" : "rp_corrected_author",
        { name });
    }
    return approval.handed_to ? t("rp_pending_handed", { name: approval.handed_to.name }) : "";
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
    const state = stateLine(approval);
    if (state) item.append(R.el("p", "reply-state", state));
    // Every refusal of an action on this card shows here, beside its buttons.
    const error = R.el("p", "action-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    const act = async (path, body) => {
      const answer = await R.api("POST", "/api/approvals/" + approval.id + path, body);
      R.report(error, answer.ok ? null : answer.error);
      if (answer.ok && answer.status === "held") T.toast(t("rp_held"), "info");
      return answer;
    };
    const mine = isAuthor(approval);
    const corrector = approval.corrected_by && approval.corrected_by.id === me.id;
    const approving = approval.status === "pending" ||
      (approval.status === "corrected" && approval.confirm_by === "approver");
    const base = approval.final_text || approval.submitted_text;
    if (approving) {
      const line = R.el("p", "approvers", R.approversText(approval.approvers, online));
      if (!approval.approvers.length) line.classList.add("reply-warning");
      item.append(line);
    }
    const diff = R.el("div", "diff");
    R.showDiff(diff, approval.diff);
    if (approval.status === "held" || !approving || mine || corrector) {
      item.append(R.el("div", "reply-text", base), diff);
      const row = R.el("div", "row");
      if (approval.status === "held") {
        row.append(button(t("rp_confirm_held"), "primary", () => confirmHeld(approval, act, item)));
      } else if (approval.status === "corrected" && approval.confirm_by === "author" && mine) {
        row.append(button(t("rp_confirm_correction"), "primary", () => act("/confirm", {})));
      } else if (mine || corrector) {
        item.append(R.el("p", "muted", t(corrector ? "rp_own_correction" : "rp_own")));
      }
      if (approving) row.append(...handover(approval, act));
      item.append(row, error);
      return item;
    }
    const text = R.el("textarea", "approval-text");
    text.rows = 4;
    text.value = base;
    text.setAttribute("aria-label", t("rp_approve"));
    text.addEventListener("input", () => R.showDiff(diff, wordDiff(base, text.value)));
    const comment = R.el("input", "approval-comment");
    comment.setAttribute("aria-label", t("rp_comment_needed"));
    comment.placeholder = t("rp_comment_needed");
    const approve = button(t("rp_approve"), "primary", () => {
      act("/approve", text.value.trim() && text.value !== base ? { text: text.value } : {});
    });
    const reject = button(t("rp_reject"), "warn", () => {
      if (!comment.value.trim()) {
        R.report(error, { message: t("rp_comment_needed") });
        comment.focus();
        return;
      }
      act("/reject", { comment: comment.value.trim() });
    });
    const row = R.el("div", "row");
    row.append(approve, comment, reject);
    const more = R.el("div", "row");
    more.append(...handover(approval, act));
    item.append(text, diff, row, more, error);
    return item;
  }

  /** A held reply: the confirmer first reads what came in (the server lists it), then sends. */
  async function confirmHeld(approval, act, item) {
    const answer = await act("/confirm", {});
    if (answer.ok || answer.error.code !== "unseen_messages") return;
    R.report(item.querySelector(".action-error"), null); // expected: what to read first
    const list = R.el("ol", "unseen-list");
    answer.error.messages.forEach((message) => {
      const entry = R.el("li", "unseen-message dir-" + message.direction);
      entry.append(R.el("strong", "", message.author_name + ": "), R.el("span", "", message.text));
      list.appendChild(entry);
    });
    const send = button(t("rp_read_send"), "primary",
      () => act("/confirm", { seen_upto: answer.error.newest_id }));
    const box = R.el("div", "reply-box unseen");
    box.append(list, send);
    const old = item.querySelector(".reply-box.unseen");
    if (old) old.replaceWith(box);
    else item.insertBefore(box, item.querySelector(".action-error"));
    send.focus();
  }

  /** Hand the approval to a named colleague who may approve it. */
  function handover(approval, act) {
    const others = approval.approvers.filter((p) => p.id !== me.id);
    if (!others.length) return [];
    const select = R.el("select", "handover-to");
    select.setAttribute("aria-label", t("rp_handover_to"));
    R.handoverChoices(select, others, approval.handed_to);
    const send = button(t("rp_handover"), "", async () => {
      const answer = await act("/hand-over", { user_id: Number(select.value) });
      if (answer.ok) T.toast(t("rp_handed", { name: answer.handed_to.name }), "info");
    });
    return [R.el("span", "muted", t("rp_handover_to")), select, send];
  }

  /** A rough preview of the correction while typing (the server computes the real diff). */
  function wordDiff(before, after) {
    if (before === after) return [];
    return [{ op: "del", text: before }, { op: "ins", text: after }];
  }

  function put(approval) {
    const open = OPEN.includes(approval.status);
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
        if (["approval.requested", "approval.decided", "approval.handed"].includes(event.type)) {
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
    const corrections = document.getElementById("policy-corrections");
    corrections.value = data.policy.corrections || "author";
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
      const policy = { default: { public: pub.checked, private: priv.checked }, rules: parsed,
        corrections: corrections.value };
      const answer = await R.api("PUT", "/api/approval-policy", { policy });
      T.toast(answer.ok ? t("rp_saved") : answer.error.message, answer.ok ? "info" : "error");
    });
  }
})();
