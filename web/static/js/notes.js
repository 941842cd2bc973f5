/* Internal notes of a thread, live, with @mention suggestions while typing. */
(function () {
  "use strict";

  const root = document.getElementById("replies");
  if (!root || !window.Tandem || !window.TandemReplies) return;
  const T = window.Tandem;
  const t = T.t;
  const R = window.TandemReplies;
  const threadId = Number(root.dataset.threadId);
  const data = T.readJson("thread-data") || { me: { permissions: [] } };
  const can = new Set(data.me.permissions);

  const list = document.getElementById("notes");
  const form = document.getElementById("note-form");
  const input = document.getElementById("note-text");
  const suggestions = R.el("ul", "mention-suggestions");
  suggestions.hidden = true;
  suggestions.setAttribute("role", "listbox");
  input.after(suggestions);
  const shown = new Set();
  let people = null;

  form.hidden = !can.has("note.write");

  function time(iso) {
    const node = R.el("time");
    node.setAttribute("datetime", iso);
    const moment = new Date(iso);
    node.textContent = Number.isNaN(moment.getTime()) ? iso
      : moment.toLocaleString(document.documentElement.lang || undefined,
        { dateStyle: "medium", timeStyle: "short" });
    return node;
  }

  function addNote(note) {
    if (shown.has(note.id)) return;
    shown.add(note.id);
    const item = R.el("li", "note");
    item.dataset.id = note.id;
    const head = R.el("div", "note-head");
    head.append(R.el("strong", "", note.author.name), document.createTextNode(" "),
      time(note.created_at));
    if (note.mentions.length) {
      head.append(" ", R.el("span", "muted", t("rp_note_mentions", { names: R.names(note.mentions) })));
    }
    item.append(head, R.el("div", "note-text", note.text));
    list.appendChild(item);
  }

  async function load() {
    const answer = await R.api("GET", "/api/threads/" + threadId + "/notes");
    if (answer.ok) answer.notes.forEach(addNote);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const answer = await R.api("POST", "/api/threads/" + threadId + "/notes", { text });
    if (!answer.ok) {
      T.toast(answer.error.message);
      return;
    }
    input.value = "";
    suggestions.hidden = true;
    addNote(answer.note);
  });

  // -- @mentions ----------------------------------------------------------------------

  function mentionAtCaret() {
    const before = input.value.slice(0, input.selectionStart);
    const match = /(^|\s)@([\w.-]*)$/.exec(before);
    return match ? { start: before.length - match[2].length - 1, word: match[2].toLowerCase() }
      : null;
  }

  async function suggest() {
    const mention = mentionAtCaret();
    if (!mention) {
      suggestions.hidden = true;
      return;
    }
    if (people === null) {
      const answer = await R.api("GET", "/api/notes/people");
      people = answer.ok ? answer.people : [];
    }
    const found = people.filter((p) => p.name.toLowerCase().includes(mention.word) ||
      p.handle.toLowerCase().startsWith(mention.word)).slice(0, 6);
    suggestions.replaceChildren();
    found.forEach((person) => {
      const option = R.el("li", "", person.name + " (@" + person.handle + ")");
      option.setAttribute("role", "option");
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        const at = mentionAtCaret();
        if (!at) return;
        input.setRangeText("@" + person.handle + " ", at.start, input.selectionStart, "end");
        suggestions.hidden = true;
        input.focus();
      });
      suggestions.appendChild(option);
    });
    suggestions.hidden = !found.length;
  }

  input.addEventListener("input", suggest);
  input.addEventListener("blur", () => setTimeout(() => { suggestions.hidden = true; }, 150));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });

  document.addEventListener("tandem:events", (event) => {
    event.detail.forEach((ev) => {
      if (ev.type === "note.added" && ev.payload.note.thread_id === threadId) {
        addNote(ev.payload.note);
      }
    });
  });

  load();
})();
