/* The reply panel of a thread: send or submit the draft, the approval (with the
 * supervisor's correction as a word diff), the unseen-messages check, delivery and retry.
 *
 * Live through the page's one connection: live.js re-dispatches every event batch as a
 * `tandem:events` DOM event. Commands go to the REST API.
 */
(function () {
  "use strict";

  const root = document.getElementById("replies");
  if (!root || !window.Tandem || !window.TandemReplies) return;
  const T = window.Tandem;
  const t = T.t;
  const R = window.TandemReplies;
  const data = T.readJson("thread-data") || { me: { id: 0, permissions: [] } };
  const me = data.me;
  const can = new Set(me.permissions);
  const threadId = Number(root.dataset.threadId);

  const $ = (id) => document.getElementById(id);
  const ui = {
    submit: $("reply-submit"),
    submitReason: $("reply-reason"),
    unseen: $("reply-unseen"),
    unseenTitle: $("reply-unseen-title"),
    unseenList: $("reply-unseen-list"),
    confirm: $("reply-confirm"),
    unseenClose: $("reply-unseen-close"),
    pending: $("reply-pending"),
    state: $("reply-state"),
    authors: $("reply-authors"),
    pendingText: $("reply-pending-text"),
    diff: $("reply-diff"),
    approver: $("reply-approver"),
    correct: $("reply-correct"),
    approve: $("reply-approve"),
    comment: $("reply-comment"),
    reject: $("reply-reject"),
    own: $("reply-own"),
    heldConfirm: $("reply-held-confirm"),
    withdraw: $("reply-withdraw"),
    decision: $("reply-decision"),
    decisionText: $("reply-decision-text"),
    decisionDiff: $("reply-decision-diff"),
    approversWarning: $("reply-approvers-warning"),
    barError: $("reply-bar-error"),
    approvers: $("reply-approvers"),
    correctionConfirm: $("reply-correction-confirm"),
    handover: $("reply-handover"),
    handoverTo: $("reply-handover-to"),
    handoverSend: $("reply-handover-send"),
    error: $("reply-error"),
  };
  const OPEN = ["pending", "corrected", "held"];

  let reply = null;
  let unseenUpto = null; // the newest message the unseen warning showed
  let unseenConfirms = false; // the warning answered a confirm, not a submit

  // -- what the author has seen -------------------------------------------------------

  function draftBox() {
    return $("draft") || $("reply");
  }

  function newestShown() {
    let newest = 0;
    document.querySelectorAll("#messages [data-id]").forEach((node) => {
      newest = Math.max(newest, Number(node.dataset.id) || 0);
    });
    return newest;
  }

  // The author has seen what was on the page when they last wrote in the draft.
  let seenUpto = newestShown();
  document.addEventListener("input", (event) => {
    if (event.target === draftBox()) seenUpto = Math.max(seenUpto, newestShown());
  }, true);

  // -- commands -----------------------------------------------------------------------

  async function submit(confirmUpto) {
    const body = { seen_upto: seenUpto };
    if (confirmUpto) body.confirm_seen_upto = confirmUpto;
    ui.submit.disabled = true;
    // The co-edited draft saves shortly after each keystroke; make sure the last words
    // typed here are on the server before the reply is taken from it.
    if (window.TandemDraft) {
      const draft = window.TandemDraft;
      const saved = await draft.saved();
      // Refuse only when words typed here are still unsaved; a read-only viewer has none.
      if (!saved.ok && (draft.pending || draft.sending)) {
        ui.submit.disabled = false;
        R.report(ui.barError, saved.error);
        return;
      }
    }
    const answer = await R.api("POST", "/api/threads/" + threadId + "/reply/submit", body);
    ui.submit.disabled = false;
    if (!answer.ok) {
      if (answer.error.code === "unseen_messages") showUnseen(answer.error, false);
      else R.report(ui.barError, answer.error);
      return;
    }
    R.report(ui.barError, null);
    if (confirmUpto) seenUpto = Math.max(seenUpto, confirmUpto);
    hideUnseen();
    T.toast(t(answer.status === "pending" ? "rp_submitted" : "rp_sent"), "info");
    refresh();
  }

  function showUnseen(error, confirms) {
    unseenUpto = error.newest_id;
    unseenConfirms = confirms;
    ui.unseenTitle.textContent = error.message || t("rp_unseen", { count: error.count });
    ui.unseenList.replaceChildren();
    (error.messages || []).forEach((message) => {
      const item = R.el("li", "unseen-message dir-" + message.direction);
      item.append(R.el("strong", "", message.author_name + ": "), R.el("span", "", message.text));
      ui.unseenList.appendChild(item);
    });
    ui.unseen.hidden = false;
    ui.confirm.focus();
  }

  function hideUnseen() {
    ui.unseen.hidden = true;
    unseenUpto = null;
  }

  /** An approval action; a refusal shows beside the buttons, never only in a toast. */
  async function decide(path, body) {
    const answer = await R.api("POST", "/api/approvals/" + reply.approval.id + path, body);
    if (!answer.ok && answer.error.code === "unseen_messages") {
      showUnseen(answer.error, true);
    } else {
      R.report(ui.error, answer.ok ? null : answer.error);
    }
    if (answer.ok) {
      hideUnseen();
      if (answer.status === "held") T.toast(t("rp_held"), "info");
      else if (answer.status === "corrected") T.toast(t("rp_correction_sent"), "info");
    }
    refresh();
    return answer;
  }

  function confirmReply(seen) {
    seenUpto = Math.max(seenUpto, seen || 0);
    return decide("/confirm", seen ? { seen_upto: seen } : {});
  }

  ui.submit.addEventListener("click", () => submit(null));
  ui.confirm.addEventListener("click", () => {
    if (unseenConfirms) confirmReply(unseenUpto);
    else submit(unseenUpto);
  });
  ui.unseenClose.addEventListener("click", hideUnseen);
  ui.heldConfirm.addEventListener("click", () => confirmReply(newestShown()));
  ui.correctionConfirm.addEventListener("click", () => confirmReply(newestShown()));
  ui.withdraw.addEventListener("click", () => decide("/withdraw", {}));
  ui.handoverSend.addEventListener("click", async () => {
    const answer = await decide("/hand-over", { user_id: Number(ui.handoverTo.value) });
    if (answer.ok) T.toast(t("rp_handed", { name: answer.handed_to.name }), "info");
  });
  ui.approve.addEventListener("click", () => {
    const text = ui.correct.value;
    const base = reply.approval.final_text || reply.approval.submitted_text;
    decide("/approve", text.trim() && text !== base ? { text } : {});
  });
  ui.reject.addEventListener("click", () => {
    const comment = ui.comment.value.trim();
    if (!comment) {
      R.report(ui.error, { message: t("rp_comment_needed") });
      ui.comment.focus();
      return;
    }
    decide("/reject", { comment });
  });

  // -- showing the state --------------------------------------------------------------

  function isAuthor(approval) {
    return approval.submitted_by.id === me.id || approval.authors.some((p) => p.id === me.id);
  }

  function stateText(approval) {
    if (approval.status === "corrected") {
      const name = approval.corrected_by ? approval.corrected_by.name : "";
      return t(approval.confirm_by === "approver" ? "rp_corrected_approver" : "rp_corrected_author",
        { name });
    }
    if (approval.status === "held") return t("rp_held");
    return approval.handed_to ? t("rp_pending_handed", { name: approval.handed_to.name })
      : t("rp_pending");
  }

  /** Before submitting: say so when nobody who may approve the reply is online. */
  function warnApprovers(open) {
    const who = reply.approvers;
    let warning = "";
    if (!open && who.needed && can.has("reply.submit")) {
      if (!who.people.length) warning = t("rp_nobody_approves");
      else if (!who.people.some((p) => p.online)) {
        warning = t("rp_nobody_online", { names: R.names(who.people.slice(0, 6)) +
          (who.people.length > 6 ? ", " + t("rp_more", { count: who.people.length - 6 }) : "") });
      }
    }
    ui.approversWarning.textContent = warning;
    ui.approversWarning.hidden = !warning;
  }

  function render() {
    const approval = reply.approval;
    // An open approval shows whatever the draft does: an escalation's holding reply waits
    // without the thread's draft.
    const open = !!approval && OPEN.includes(approval.status);
    ui.submit.hidden = !can.has("reply.submit");
    showHold(!!open);
    ui.pending.hidden = !open;
    ui.decision.hidden = true;
    warnApprovers(open);
    if (open) {
      const mine = isAuthor(approval);
      const corrector = approval.corrected_by && approval.corrected_by.id === me.id;
      const approving = approval.status === "pending" ||
        (approval.status === "corrected" && approval.confirm_by === "approver");
      ui.state.textContent = stateText(approval);
      ui.authors.textContent = t("rp_authors", { names: R.names(approval.authors) });
      ui.approvers.textContent = approving ? R.approversText(reply.approvers.people) : "";
      ui.approvers.hidden = !approving;
      ui.pendingText.textContent = approval.final_text || approval.submitted_text;
      R.showDiff(ui.diff, approval.diff);
      const approver = approving && can.has("reply.approve");
      ui.approver.hidden = !approver || mine || corrector;
      ui.own.hidden = !approver || !mine;
      const base = approval.final_text || approval.submitted_text;
      const key = approval.id + ":" + approval.status;
      if (!ui.approver.hidden && ui.correct.dataset.approval !== key) {
        ui.correct.dataset.approval = key;
        ui.correct.value = base;
        ui.comment.value = "";
      }
      ui.correctionConfirm.hidden = !(approval.status === "corrected" &&
        approval.confirm_by === "author" && mine);
      ui.heldConfirm.hidden = !(approval.status === "held" && (mine || can.has("reply.approve")));
      ui.withdraw.hidden = !mine;
      const others = reply.approvers.people.filter((p) => p.id !== me.id);
      ui.handover.hidden = !(approving && can.has("reply.approve") && others.length);
      if (!ui.handover.hidden) R.handoverChoices(ui.handoverTo, others, approval.handed_to);
    } else if (approval && approval.decided_by &&
               (approval.status === "rejected" || approval.diff.length)) {
      // The last decision stays in view: why it came back, or what the approver changed.
      const name = approval.decided_by.name;
      ui.decisionText.textContent = approval.status === "rejected"
        ? t("rp_rejected", { name, comment: approval.comment || "" })
        : t("rp_corrected", { name });
      R.showDiff(ui.decisionDiff, approval.status === "rejected" ? [] : approval.diff);
      ui.decision.hidden = false;
    }
    reply.deliveries.forEach(showDelivery);
  }

  /** Someone else holds the thread (thread.js says who): the server would refuse a send. */
  function showHold(open) {
    const heldBy = ($("thread") && $("thread").dataset.heldBy) || "";
    ui.submit.disabled = open || !!heldBy;
    ui.submitReason.hidden = !heldBy || ui.submit.hidden;
    ui.submitReason.textContent = heldBy ? t("held_reason", { name: heldBy }) : "";
  }

  document.addEventListener("tandem:hold", () => {
    if (reply) render();
  });

  function showDelivery(delivery) {
    const item = document.querySelector('#messages [data-id="' + delivery.message_id + '"]');
    if (!item) return;
    const head = item.querySelector(".message-head") || item;
    let badge = item.querySelector(".delivery");
    if (!badge) badge = head.appendChild(R.el("span", "delivery"));
    const key = "delivery_" + delivery.status;
    badge.textContent = t(key) === key ? delivery.status : t(key);
    badge.className = "delivery delivery-" + delivery.status;
    let problem = item.querySelector(".delivery-error");
    if (delivery.error && delivery.status !== "sent") {
      if (!problem) problem = item.appendChild(R.el("p", "delivery-error"));
      problem.textContent = t(delivery.status === "failed" ? "rp_failed" : "rp_retrying",
        { error: delivery.error });
    } else if (problem) {
      problem.remove();
    }
    let retry = item.querySelector(".delivery-retry");
    if (delivery.status === "failed" && can.has("reply.submit")) {
      if (!retry) {
        retry = item.appendChild(R.el("button", "delivery-retry", t("rp_retry")));
        retry.type = "button";
        retry.addEventListener("click", async () => {
          retry.disabled = true;
          const answer = await R.api("POST", "/api/messages/" + delivery.message_id + "/retry");
          if (!answer.ok) {
            T.toast(answer.error.message);
            retry.disabled = false;
          }
        });
      }
    } else if (retry) {
      retry.remove();
    }
  }

  let refreshing = null;
  function refresh() {
    if (refreshing) return refreshing;
    refreshing = R.api("GET", "/api/threads/" + threadId + "/reply").then((answer) => {
      refreshing = null;
      if (answer.ok) {
        reply = answer.reply;
        render();
      }
    });
    return refreshing;
  }

  document.addEventListener("tandem:events", (event) => {
    let changed = false;
    event.detail.forEach((ev) => {
      const payload = ev.payload || {};
      if (ev.type === "message.delivery" && payload.thread_id === threadId) {
        showDelivery(payload);
      } else if (["reply.state", "approval.requested", "approval.decided",
                  "approval.handed"].includes(ev.type) &&
                 ev.thread_id === threadId) {
        changed = true;
      }
    });
    if (changed) refresh();
  });

  refresh();
})();
