/* The template picker of a thread: Ctrl+Space (or "/t" typed in the draft) opens it; it
 * searches by name and text, and Enter inserts the rendered template into the draft
 * textarea, announced with an `input` event so the co-editing binding takes it up. */
(function () {
  "use strict";

  const root = document.getElementById("replies");
  if (!root || !window.Tandem || !window.TandemReplies) return;
  const T = window.Tandem;
  const t = T.t;
  const R = window.TandemReplies;
  const threadId = Number(root.dataset.threadId);

  const picker = document.getElementById("template-picker");
  const search = document.getElementById("template-search");
  const language = document.getElementById("template-language");
  const results = document.getElementById("template-results");
  const opener = document.getElementById("reply-templates");
  let found = [];
  let chosen = 0;
  let slashAt = null; // where a "/t" that opened the picker starts in the draft
  let timer = null;

  function draftBox() {
    return document.getElementById("draft") || document.getElementById("reply");
  }

  function open(fromSlash) {
    const box = draftBox();
    if (!box || box.disabled || box.readOnly || picker.open) return;
    slashAt = fromSlash ? box.selectionStart - 2 : null;
    search.value = "";
    picker.showModal();
    search.focus();
    load();
  }

  async function load() {
    const params = new URLSearchParams({ q: search.value.trim() });
    if (language.value) params.set("language", language.value);
    const answer = await R.api("GET", "/api/templates?" + params.toString());
    found = answer.ok ? answer.templates : [];
    chosen = 0;
    show();
  }

  function show() {
    results.replaceChildren();
    if (!found.length) {
      results.appendChild(R.el("li", "muted", t("rp_no_templates")));
      return;
    }
    found.forEach((template, index) => {
      const item = R.el("li", "template-result" + (index === chosen ? " chosen" : ""));
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", String(index === chosen));
      const head = R.el("div", "template-head");
      head.append(R.el("strong", "", template.name), " ",
        R.el("span", "badge", template.language));
      if (template.holding_statement) head.append(" ", R.el("span", "badge warn", t("rp_holding")));
      item.append(head, R.el("div", "template-body", template.body.slice(0, 200)));
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        insert(template);
      });
      results.appendChild(item);
    });
    const current = results.children[chosen];
    if (current) current.scrollIntoView({ block: "nearest" });
  }

  async function insert(template) {
    const answer = await R.api("POST", "/api/templates/" + template.id + "/render",
      { thread_id: threadId, language: template.language });
    if (!answer.ok) {
      T.toast(answer.error.message);
      return;
    }
    picker.close();
    const box = draftBox();
    if (!box) return;
    box.focus();
    let start = box.selectionStart;
    let end = box.selectionEnd;
    if (slashAt !== null && box.value.slice(slashAt, slashAt + 2) === "/t") {
      start = slashAt;
      end = Math.max(end, slashAt + 2);
    }
    box.setRangeText(answer.text, start, end, "end");
    box.dispatchEvent(new Event("input", { bubbles: true }));
    slashAt = null;
  }

  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  });
  language.addEventListener("change", load);
  picker.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!found.length) return;
      chosen = (chosen + (event.key === "ArrowDown" ? 1 : found.length - 1)) % found.length;
      show();
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (found[chosen]) insert(found[chosen]);
    }
  });
  opener.addEventListener("click", () => open(false));

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey && (event.code === "Space" || event.key === " ")) {
      event.preventDefault();
      open(false);
    }
  });
  document.addEventListener("input", (event) => {
    const box = draftBox();
    if (event.target !== box || !event.isTrusted) return;
    const before = box.value.slice(0, box.selectionStart);
    if (/(^|\s)\/t$/.test(before)) open(true);
  });
})();
