/* Internal notes of a thread, live, with @mention suggestions while typing: picked with the
 * mouse or the keyboard (arrows move, Enter or Tab picks, Escape closes), and a warning
 * before saving a note whose @name matches nobody. */
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
  suggestions.id = "mention-suggestions";
  suggestions.setAttribute("role", "listbox");
  suggestions.setAttribute("aria-label", t("rp_mention_pick"));
  input.after(suggestions);
  input.setAttribute("aria-controls", suggestions.id);
  input.setAttribute("aria-autocomplete", "list");
  const warning = R.el("p", "error mention-warning");
  warning.id = "note-warning";
  warning.setAttribute("role", "alert");
  warning.hidden = true;
  form.appendChild(warning);
  const shown = new Set();
  let people = null;
  let found = []; // the people suggested now
  let active = -1; // the suggestion the keyboard is on
  let suggestedFor = null; // the word after @ the suggestions are for
  let warnedFor = null; // the text the unknown-name warning was shown for

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
    const unknown = await unknownMentions(text);
    if (unknown.length && warnedFor !== text) {
      // Once: the same text again (Add note a second time) is saved as it is.
      warnedFor = text;
      warning.textContent = t("rp_mention_unknown", { names: unknown.map((w) => "@" + w).join(", ") });
      warning.hidden = false;
      return;
    }
    warning.hidden = true;
    warnedFor = null;
    const answer = await R.api("POST", "/api/threads/" + threadId + "/notes", { text });
    if (!answer.ok) {
      T.toast(answer.error.message);
      return;
    }
    input.value = "";
    close();
    addNote(answer.note);
  });

  // -- @mentions ----------------------------------------------------------------------

  function mentionAtCaret() {
    const before = input.value.slice(0, input.selectionStart);
    const match = /(^|\s)@([\p{L}\p{N}_.-]*)$/u.exec(before);
    return match ? { start: before.length - match[2].length - 1, word: match[2].toLowerCase() }
      : null;
  }

  /** Who can be mentioned, asked once (every keystroke waits for the same answer). */
  function loadPeople() {
    if (people === null) {
      people = R.api("GET", "/api/notes/people").then((answer) => (answer.ok ? answer.people : []));
    }
    return people;
  }

  /** How a note may name a person, as the server reads mentions (server/actions/notes.py). */
  function spellings(person) {
    const name = person.name.trim().split(/\s+/).join(" ");
    return [name, name.replace(/ /g, ""), name.replace(/ /g, "."), name.replace(/ /g, "_"),
      person.handle].filter(Boolean).map((s) => s.toLowerCase());
  }

  // After a mention: not a letter, digit, _ or -, nor a dot that continues a word.
  const NAME_GOES_ON = /^([\p{L}\p{N}_-]|\.[\p{L}\p{N}_])/u;

  /** The @words of `text` that name nobody. */
  async function unknownMentions(text) {
    if (!text.includes("@")) return [];
    const everyone = (await loadPeople()).map(spellings);
    const lowered = text.toLowerCase();
    const unknown = [];
    for (const match of text.matchAll(/(^|\s)@([\p{L}\p{N}_.-]+)/gu)) {
      const at = match.index + match[1].length + 1;
      const named = everyone.some((names) => names.some((spelling) =>
        lowered.startsWith(spelling, at) && !NAME_GOES_ON.test(lowered.slice(at + spelling.length))));
      if (!named) unknown.push(match[2].replace(/[.-]+$/, ""));
    }
    return unknown;
  }

  function close() {
    suggestedFor = null;
    suggestions.hidden = true;
    active = -1;
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = (index + found.length) % found.length;
    [...suggestions.children].forEach((option, i) => {
      option.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", suggestions.children[active].id);
  }

  function pick(person) {
    const at = mentionAtCaret();
    if (!at) return;
    input.setRangeText("@" + person.handle + " ", at.start, input.selectionStart, "end");
    close();
    input.focus();
  }

  async function suggest() {
    const everyone = await loadPeople();
    // Read the caret after the wait: keystrokes that came meanwhile have their say.
    const mention = mentionAtCaret();
    if (!mention) {
      close();
      return;
    }
    if (!suggestions.hidden && mention.word === suggestedFor) return; // keep the highlight
    suggestedFor = mention.word;
    found = everyone.filter((p) => p.name.toLowerCase().includes(mention.word) ||
      p.handle.toLowerCase().startsWith(mention.word)).slice(0, 6);
    suggestions.replaceChildren();
    found.forEach((person, index) => {
      const option = R.el("li", "", person.name + " (@" + person.handle + ")");
      option.id = "mention-option-" + index;
      option.setAttribute("role", "option");
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pick(person);
      });
      suggestions.appendChild(option);
    });
    suggestions.hidden = !found.length;
    if (found.length) highlight(0);
    else close();
  }

  input.addEventListener("input", () => {
    warning.hidden = true;
    suggest();
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  input.addEventListener("keydown", (event) => {
    const open = !suggestions.hidden && found.length > 0;
    if (open && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (open && (event.key === "Enter" || event.key === "Tab") &&
               !event.shiftKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault(); // a pick, never a newline
      pick(found[Math.max(active, 0)]);
    } else if (open && event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      form.requestSubmit();
    }
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
