/* The reply draft, written together: a Yjs document bound to <textarea id="draft">.
 *
 * Source of web/static/build/draft.js (npm run build; npm install runs it). Protocol,
 * over the desk's Socket.IO server (realtime/drafts.py):
 *   draft.join {thread_id, state_vector} -> {update, state_vector, awareness, may_edit, ...}
 *     then we send draft.update with what the server lacks (our offline edits, or what a
 *     restarted server lost);
 *   draft.update / draft.awareness {thread_id, update} both ways; draft.access from the
 *   server when who may write changes; draft.invite / draft.uninvite / draft.writers.
 * The browser keeps its own replica, so a reconnect re-runs the handshake and loses nothing.
 */
import * as Y from "yjs";
import {
  Awareness,
  applyAwarenessUpdate,
  encodeAwarenessUpdate,
  removeAwarenessStates,
} from "y-protocols/awareness";

const ROOT = "draft"; // the Y.Text's name; the server derives the plain text from it
const LOCAL = "tandem-local"; // origin of this tab's own typing
const REMOTE = "tandem-remote"; // origin of what the server sends
const ACK_TIMEOUT_MS = 10000;
const COLORS = ["#d1495b", "#00798c", "#edae49", "#66a182", "#8d6a9f", "#2e4057", "#c05299"];

const bytes = (value) => (value instanceof Uint8Array ? value : new Uint8Array(value));

/** Where the edit is: the new text's caret marks the end of what was typed, which
 * settles "aa" -> "aaa" (which "a" is new?) the way the person typed it. */
export function textDiff(before, after, caret) {
  const limit = Math.max(0, Math.min(before.length, after.length - caret));
  let suffix = 0;
  while (suffix < limit
    && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix += 1;
  const most = Math.min(before.length, after.length) - suffix;
  let prefix = 0;
  while (prefix < most && before[prefix] === after[prefix]) prefix += 1;
  return {
    index: prefix,
    remove: before.length - prefix - suffix,
    insert: after.slice(prefix, after.length - suffix),
  };
}

function lineAndColumn(text, index) {
  const lines = text.slice(0, index).split("\n");
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

function colorFor(userId) {
  return COLORS[Math.abs(Number(userId) || 0) % COLORS.length];
}

class DraftEditor {
  constructor(root, socket) {
    this.root = root;
    this.socket = socket;
    this.threadId = Number(root.dataset.threadId);
    this.me = Number(root.dataset.me);
    this.strings = JSON.parse(root.dataset.strings || "{}");
    this.textarea = root.querySelector("#draft");
    this.status = root.querySelector("#draft-status");
    this.peopleList = root.querySelector("#draft-people");
    this.joined = false;
    this.mayEdit = false;
    this.refusal = null;
    this.composing = false;
    this.pending = null; // local updates not yet sent, merged into one
    this.sending = false;
    this.shown = this.textarea.value; // what the textarea showed when it matched the doc
    this.compositionAnchor = null;
    this.access = null;
    this.newDoc();
    this.bindTextarea();
    this.bindSocket();
    if (socket.connected) this.join();
  }

  t(key, vars) {
    const text = this.strings[key] || key;
    return vars ? text.replace(/\{(\w+)\}/g, (all, name) => (name in vars ? vars[name] : all)) : text;
  }

  // -- the document ------------------------------------------------------------------

  newDoc() {
    if (this.doc) {
      this.awareness.destroy();
      this.undo.destroy();
      this.doc.destroy();
    }
    this.doc = new Y.Doc();
    this.text = this.doc.getText(ROOT);
    this.undo = new Y.UndoManager(this.text, { trackedOrigins: new Set([LOCAL]) });
    this.awareness = new Awareness(this.doc);
    this.awareness.setLocalState({ color: colorFor(this.me), cursor: null });
    this.pending = null;
    let saved = null;
    // Everything not typed here (the server's updates, undo, a rejoin) moves the text under
    // the caret: remember the selection as positions in the document, then put it back.
    this.doc.on("beforeTransaction", (tr) => {
      if (tr.origin !== LOCAL) saved = this.captureSelection();
    });
    this.doc.on("afterTransaction", (tr) => {
      if (tr.origin !== LOCAL) this.render(saved);
    });
    this.doc.on("update", (update, origin) => {
      if (origin !== REMOTE) this.queue(update);
    });
    this.awareness.on("update", ({ added, updated, removed }, origin) => {
      if (origin === "local") this.sendAwareness([...added, ...updated, ...removed]);
    });
    this.awareness.on("change", () => this.renderPeople());
    this.render(null);
  }

  captureSelection() {
    const area = this.textarea;
    if (this.composing || area.value !== this.text.toString()) return null;
    return {
      start: Y.createRelativePositionFromTypeIndex(this.text, area.selectionStart),
      end: Y.createRelativePositionFromTypeIndex(this.text, area.selectionEnd),
      direction: area.selectionDirection,
    };
  }

  absolute(relative, fallback) {
    const found = relative && Y.createAbsolutePositionFromRelativePosition(relative, this.doc);
    return found ? found.index : fallback;
  }

  render(saved) {
    const area = this.textarea;
    const value = this.text.toString();
    if (this.composing) return; // never rewrite under an input method; compositionend syncs
    if (area.value !== value) {
      const scroll = area.scrollTop;
      const start = area.selectionStart;
      const end = area.selectionEnd;
      area.value = value;
      if (saved) {
        area.setSelectionRange(this.absolute(saved.start, start), this.absolute(saved.end, end),
          saved.direction);
      }
      area.scrollTop = scroll;
    }
    this.shown = value;
    this.renderPeople();
  }

  // -- typing ------------------------------------------------------------------------

  bindTextarea() {
    const area = this.textarea;
    area.addEventListener("compositionstart", () => {
      this.compositionAnchor = {
        start: Y.createRelativePositionFromTypeIndex(this.text, area.selectionStart),
        at: area.selectionStart,
      };
      this.composing = true;
    });
    area.addEventListener("compositionend", () => {
      this.composing = false;
      this.takeInput();
      this.render(null);
    });
    area.addEventListener("input", () => {
      if (!this.composing) this.takeInput();
    });
    area.addEventListener("keydown", (event) => {
      // The browser's own undo would undo other people's words too; Yjs undoes only ours.
      const key = event.key.toLowerCase();
      if (!(event.ctrlKey || event.metaKey) || !this.mayEdit) return;
      if (key === "z" && !event.shiftKey) {
        event.preventDefault();
        this.undo.undo();
      } else if (key === "y" || (key === "z" && event.shiftKey)) {
        event.preventDefault();
        this.undo.redo();
      }
    });
    const cursor = () => this.shareCursor();
    for (const name of ["select", "keyup", "mouseup", "focus"]) area.addEventListener(name, cursor);
    document.addEventListener("selectionchange", () => {
      if (document.activeElement === area) cursor();
    });
    area.addEventListener("blur", () => this.awareness.setLocalStateField("cursor", null));
  }

  takeInput() {
    const area = this.textarea;
    const value = area.value;
    if (value === this.shown) return;
    if (!this.mayEdit) {
      // Read-only should have stopped this; show the document's text again.
      area.value = this.shown;
      return;
    }
    const change = textDiff(this.shown, value, area.selectionEnd);
    let index = change.index;
    let remove = change.remove;
    const current = this.text.toString();
    if (current !== this.shown && this.compositionAnchor) {
      // Others' words arrived while an input method was composing (the textarea was left
      // alone meanwhile): find where the composition started in today's document.
      const anchor = this.compositionAnchor;
      index = this.absolute(anchor.start, anchor.at) + (change.index - anchor.at);
      index = Math.max(0, Math.min(current.length, index));
      remove = Math.min(remove, current.length - index);
    }
    this.compositionAnchor = null;
    this.doc.transact(() => {
      if (remove) this.text.delete(index, remove);
      if (change.insert) this.text.insert(index, change.insert);
    }, LOCAL);
    this.shown = this.text.toString();
    if (area.value !== this.shown) {
      area.value = this.shown;
      const caret = index + change.insert.length;
      area.setSelectionRange(caret, caret);
    }
    this.shareCursor();
  }

  shareCursor() {
    const area = this.textarea;
    if (document.activeElement !== area || this.composing) return;
    const anchor = Y.createRelativePositionFromTypeIndex(this.text, area.selectionStart);
    const head = Y.createRelativePositionFromTypeIndex(this.text, area.selectionEnd);
    const cursor = { anchor: Y.relativePositionToJSON(anchor), head: Y.relativePositionToJSON(head) };
    const old = (this.awareness.getLocalState() || {}).cursor;
    if (JSON.stringify(old) !== JSON.stringify(cursor)) {
      this.awareness.setLocalStateField("cursor", cursor);
    }
  }

  // -- talking to the server -----------------------------------------------------------

  call(name, data) {
    return new Promise((resolve) => {
      this.socket.timeout(ACK_TIMEOUT_MS).emit(name, { thread_id: this.threadId, ...data },
        (err, answer) => resolve(err || !answer
          ? { ok: false, error: { code: "no_answer", message: this.t("no_answer") } }
          : answer));
    });
  }

  bindSocket() {
    const socket = this.socket;
    socket.on("connect", () => this.join());
    socket.on("disconnect", () => {
      this.joined = false;
      this.sending = false;
      // Who else is here is unknown until we are back; the rejoin brings them.
      const others = [...this.awareness.getStates().keys()].filter((c) => c !== this.doc.clientID);
      removeAwarenessStates(this.awareness, others, "offline");
      this.showStatus();
    });
    socket.on("draft.update", (data) => {
      if (data.thread_id === this.threadId && this.joined) {
        Y.applyUpdate(this.doc, bytes(data.update), REMOTE);
      }
    });
    socket.on("draft.awareness", (data) => {
      if (data.thread_id === this.threadId && this.joined) {
        applyAwarenessUpdate(this.awareness, bytes(data.update), REMOTE);
      }
    });
    socket.on("draft.access", (data) => {
      if (data.thread_id === this.threadId) this.setAccess(data);
    });
  }

  async join() {
    const socketId = this.socket.id;
    const answer = await this.call("draft.join", { state_vector: Y.encodeStateVector(this.doc) });
    if (this.socket.id !== socketId) return; // a newer connection joins for itself
    if (!answer.ok) {
      this.refusal = answer.error;
      this.showStatus();
      return;
    }
    Y.applyUpdate(this.doc, bytes(answer.update), REMOTE);
    if (answer.awareness) applyAwarenessUpdate(this.awareness, bytes(answer.awareness), REMOTE);
    this.joined = true;
    this.setAccess(answer);
    if (this.mayEdit) {
      // What only we have: typed while offline, or lost by a server that restarted.
      this.queue(Y.encodeStateAsUpdate(this.doc, bytes(answer.state_vector)));
    } else {
      this.pending = null;
    }
    this.sendAwareness([this.doc.clientID]);
    this.flush();
  }

  queue(update) {
    this.pending = this.pending ? Y.mergeUpdates([this.pending, update]) : update;
    this.flush();
  }

  async flush() {
    // One update in flight at a time; what is typed meanwhile is merged into the next.
    if (this.sending || !this.pending || !this.joined || !this.socket.connected) return;
    const update = this.pending;
    this.pending = null;
    this.sending = true;
    this.showStatus();
    const answer = await this.call("draft.update", { update, seen_message_id: this.seenMessage() });
    this.sending = false;
    if (!answer.ok) {
      if (answer.error.code === "no_answer") {
        // The connection dropped or stalled: rejoining resends everything the server lacks.
        if (this.socket.connected) this.pending = this.pending ? Y.mergeUpdates([update, this.pending]) : update;
      } else {
        this.refused(answer.error);
        return;
      }
    }
    this.showStatus();
    this.flush();
  }

  /** Resolves once everything typed here is on the server and saved (call before
   * submitting): {ok, version, text} or {ok: false, error}. */
  async saved() {
    const deadline = Date.now() + ACK_TIMEOUT_MS;
    while ((this.pending || this.sending) && this.joined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (!this.joined || this.pending || this.sending) {
      return { ok: false, error: { code: "no_answer", message: this.t("no_answer") } };
    }
    return this.call("draft.flush", {});
  }

  refused(error) {
    // The server kept nothing of it; start over from the server's document so this
    // replica does not hold words nobody else will ever see.
    this.refusal = error;
    this.mayEdit = false;
    this.awareness.setLocalState(null); // the others forget this replica's cursor
    this.joined = false;
    this.newDoc();
    this.showStatus();
    if (window.Tandem && window.Tandem.toast) window.Tandem.toast(error.message);
    this.join();
  }

  sendAwareness(clients) {
    if (!this.joined || !this.socket.connected) return;
    this.call("draft.awareness", { update: encodeAwarenessUpdate(this.awareness, clients) });
  }

  seenMessage() {
    const ids = [...document.querySelectorAll("#messages [data-id]")]
      .map((node) => Number(node.dataset.id)).filter((id) => Number.isInteger(id));
    return ids.length ? Math.max(...ids) : null;
  }

  // -- who may write, who is here ------------------------------------------------------

  setAccess(access) {
    this.access = access;
    this.mayEdit = Boolean(access.may_edit);
    this.refusal = access.refusal || null;
    this.textarea.readOnly = !this.mayEdit;
    this.root.dataset.mayEdit = String(this.mayEdit);
    this.showStatus();
    this.renderInvites();
    if (this.mayEdit) this.flush();
  }

  showStatus() {
    let text;
    if (!this.socket.connected) text = this.t("offline");
    else if (!this.joined && !this.refusal) text = this.t("connecting");
    else if (!this.mayEdit) text = this.refusal ? this.refusal.message : this.t("read_only");
    else text = this.sending || this.pending ? this.t("sending") : this.t("live");
    this.status.textContent = text;
    this.root.dataset.state = !this.socket.connected ? "offline" : this.joined ? "live" : "joining";
  }

  renderPeople() {
    const list = this.peopleList;
    if (!list) return;
    const value = this.text.toString();
    const items = [];
    this.awareness.getStates().forEach((state, clientId) => {
      if (!state) return;
      const mine = clientId === this.doc.clientID;
      const name = mine ? this.t("you") : (state.user && state.user.name) || "?";
      let where = this.t("not_in_text");
      const cursor = state.cursor;
      if (mine) {
        const at = lineAndColumn(value, this.textarea.selectionEnd);
        where = this.t("line_column", at);
      } else if (cursor && cursor.head) {
        const head = Y.createAbsolutePositionFromRelativePosition(
          Y.createRelativePositionFromJSON(cursor.head), this.doc);
        if (head) where = this.t("line_column", lineAndColumn(value, head.index));
      }
      items.push({ mine, name, where, color: state.color || colorFor(state.user && state.user.id) });
    });
    items.sort((a, b) => (a.mine === b.mine ? a.name.localeCompare(b.name) : a.mine ? -1 : 1));
    list.replaceChildren(...items.map((person) => {
      const row = document.createElement("li");
      row.className = person.mine ? "draft-person me" : "draft-person";
      const swatch = document.createElement("span");
      swatch.className = "draft-swatch";
      swatch.style.background = person.color;
      const name = document.createElement("span");
      name.className = "draft-name";
      name.textContent = person.name;
      const where = document.createElement("span");
      where.className = "draft-where";
      where.textContent = person.where;
      row.append(swatch, name, where);
      return row;
    }));
  }

  renderInvites() {
    const box = this.root.querySelector("#draft-invite");
    if (!box || !this.access) return;
    const holding = this.access.holder && this.access.holder.id === this.me;
    box.hidden = !holding;
    const invited = this.access.invited || [];
    const list = this.root.querySelector("#draft-invited");
    list.replaceChildren(...invited.map((person) => {
      const row = document.createElement("li");
      row.textContent = person.name + " ";
      if (holding) {
        const drop = document.createElement("button");
        drop.type = "button";
        drop.className = "link";
        drop.textContent = this.t("uninvite");
        drop.addEventListener("click", () => this.invite("draft.uninvite", person.id));
        row.append(drop);
      }
      return row;
    }));
    if (holding && !this.writersLoaded) this.loadWriters();
  }

  async loadWriters() {
    this.writersLoaded = true;
    const answer = await this.call("draft.writers", {});
    if (!answer.ok) return;
    const select = this.root.querySelector("#draft-invite-user");
    for (const person of answer.people) {
      if (person.id === this.me) continue;
      const option = document.createElement("option");
      option.value = String(person.id);
      option.textContent = person.name;
      select.append(option);
    }
    this.root.querySelector("#draft-invite-add").addEventListener("click", () => {
      if (select.value) this.invite("draft.invite", Number(select.value));
    });
  }

  async invite(command, userId) {
    const answer = await this.call(command, { user_id: userId });
    if (!answer.ok) {
      if (window.Tandem && window.Tandem.toast) window.Tandem.toast(answer.error.message);
      return;
    }
    if (this.access) this.setAccess({ ...this.access, invited: answer.invited });
  }
}

function start() {
  const root = document.getElementById("draft-editor");
  if (!root || !window.io) return;
  // A connection of its own to the same Socket.IO server: the draft does not depend on
  // how the page's other scripts handle theirs.
  const socket = window.io({ transports: ["websocket"] });
  window.TandemDraft = new DraftEditor(root, socket);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
