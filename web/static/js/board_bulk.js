/* Bulk work on the board: the selection (x, shift-click, ctrl-click, "select all in this
 * view") and the bar that applies one change to every selected thread. Each change is one
 * bulk command (bulk.assign, bulk.tag, bulk.priority, bulk.status): the server checks the
 * permission, skips threads somebody else holds, and reports progress as `bulk.progress`
 * events for this job; a status change can be undone from its answer.
 */
import { t } from "./page.js";

let jobs = 0;

/**
 * options: {live, me, shown() -> card ids in view, order, changed() -> redraw the rows}
 * Returns {has(id), toggle(id), pick(ids), clear()}.
 */
export function startBulk(options) {
  const picked = new Set();
  const bar = document.getElementById("bulk-bar");
  const count = document.getElementById("bulk-count");
  const progress = document.getElementById("bulk-progress");
  const error = document.getElementById("bulk-error");
  const undo = document.getElementById("bulk-undo");
  let running = null; // {job, total}
  let undoing = null; // {status: [ids]} of the last status change

  function changed() {
    // The bar stays while it has something to say: a result, an error, an undo.
    bar.hidden = picked.size === 0 && !running && !undoing && !progress.textContent &&
      error.hidden;
    count.textContent = t("bulk_selected", { count: picked.size });
    for (const button of bar.querySelectorAll("[data-bulk]")) {
      button.disabled = picked.size === 0 || !!running;
    }
    options.changed();
  }

  const api = {
    has: (id) => picked.has(id),
    toggle(id) {
      if (picked.has(id)) picked.delete(id);
      else picked.add(id);
      changed();
    },
    pick(ids) {
      for (const id of ids) picked.add(id);
      changed();
    },
    clear() {
      picked.clear();
      undoing = null;
      undo.hidden = true;
      report("", "status");
      changed();
    },
  };

  function report(message, kind) {
    error.hidden = kind !== "error";
    error.textContent = kind === "error" ? message : "";
    progress.textContent = kind === "error" ? "" : message;
  }

  async function run(command, data) {
    const ids = [...picked];
    if (!ids.length || running) return;
    const job = "bulk-" + Date.now().toString(36) + "-" + ++jobs;
    running = { job, total: ids.length };
    undo.hidden = true;
    report(t("bulk_progress", { done: 0, total: ids.length }), "status");
    changed();
    const answer = await options.live.call(command, { ...data, thread_ids: ids, job });
    running = null;
    if (!answer.ok) {
      report(answer.error.message, "error");
      changed();
      return;
    }
    const skipped = answer.skipped.length;
    report(skipped ? t("bulk_done_skipped", { changed: answer.changed.length, skipped })
      : t("bulk_done", { changed: answer.changed.length }), "status");
    undoing = command === "bulk.status" && answer.changed.length ? answer.previous_status : null;
    undo.hidden = !undoing;
    picked.clear();
    changed();
  }

  document.addEventListener("tandem:events", (event) => {
    if (!running) return;
    for (const e of event.detail) {
      if (e.type === "bulk.progress" && e.payload.job === running.job) {
        report(t("bulk_progress", { done: e.payload.done, total: e.payload.total }), "status");
      }
    }
  });

  undo.addEventListener("click", async () => {
    const back = undoing;
    undoing = null;
    undo.hidden = true;
    if (!back) return;
    for (const [status, ids] of Object.entries(back)) {
      const answer = await options.live.call("bulk.status", { thread_ids: ids, status });
      if (!answer.ok) return report(answer.error.message, "error");
    }
    report(t("bulk_undone"), "status");
    changed();
  });

  const $ = (id) => document.getElementById(id);
  $("bulk-all").addEventListener("click", () => api.pick(options.shown()));
  $("bulk-clear").addEventListener("click", () => api.clear());
  const assign = $("bulk-assign");
  if (assign) {
    assign.addEventListener("click", () => {
      const value = $("bulk-assignee").value;
      run("bulk.assign", { user_id: value ? Number(value) : null });
    });
  }
  const tag = $("bulk-tag-add");
  if (tag) {
    tag.addEventListener("click", () => {
      const words = $("bulk-tag").value.split(",").map((w) => w.trim()).filter(Boolean);
      if (!words.length) return report(t("bulk_no_tag"), "error");
      run("bulk.tag", { tags: words });
    });
    $("bulk-priority-set").addEventListener("click", () =>
      run("bulk.priority", { priority: $("bulk-priority").value }));
    $("bulk-resolve").addEventListener("click", () => run("bulk.status", { status: "resolved" }));
    $("bulk-pending").addEventListener("click", () => run("bulk.status", { status: "pending" }));
  }
  const releaseAll = $("release-all");
  if (releaseAll) {
    releaseAll.addEventListener("click", async () => {
      const answer = await options.live.call("claim.release_all", {});
      $("release-note").textContent = answer.ok
        ? t("released_all", { count: answer.released.length }) : answer.error.message;
    });
  }
  changed();
  return api;
}
